package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// TestAccounts covers registration and login.
func TestAccounts(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)

		t.Run("look-alike usernames are one account", func(t *testing.T) {
			t.Parallel()
			name := newName("Alice")
			s.register(t, name)
			for _, twin := range []string{strings.ToLower(name), strings.ToUpper(name), toFullwidth(name)} {
				r := s.do(t, "POST", "/api/auth/register", map[string]string{"username": twin, "email": "x@example.com", "password": strong})
				r.requireProblem(t, http.StatusConflict, "username_taken")
			}
			// and the account logs in under any of its spellings
			s.login(t, toFullwidth(name))
		})

		t.Run("a weak password is refused with every broken rule", func(t *testing.T) {
			t.Parallel()
			name := newName("weak")
			r := s.do(t, "POST", "/api/auth/register", map[string]string{"username": name, "email": name + "@example.com", "password": "12345678"})
			p := r.requireProblem(t, http.StatusBadRequest, "weak_password")
			var codes []string
			for _, f := range p["failures"].([]any) {
				codes = append(codes, f.(map[string]any)["code"].(string))
			}
			require.Subset(t, codes, []string{"common", "all_digits", "sequential"})
			r = s.do(t, "POST", "/api/auth/register", map[string]string{"username": name, "email": name + "@example.com", "password": name + "2024!"})
			p = r.requireProblem(t, http.StatusBadRequest, "weak_password")
			require.Contains(t, string(r.body), "similar_to_user")
			require.NotContains(t, string(r.body), "2024!", "the password is never echoed")
		})

		t.Run("mass assignment of a role is refused and creates nobody", func(t *testing.T) {
			t.Parallel()
			name := newName("mallory")
			for _, body := range []string{
				`{"username":"` + name + `","email":"m@example.com","password":"` + strong + `","role":"admin"}`,
				`{"username":"` + name + `","email":"m@example.com","password":"` + strong + `","Role":"admin"}`,
				`{"username":"` + name + `","email":"m@example.com","password":"` + strong + `","is_admin":true}`,
			} {
				s.do(t, "POST", "/api/auth/register", body).requireProblem(t, http.StatusBadRequest, "unknown_field")
			}
			r := s.do(t, "POST", "/api/auth/login", map[string]string{"username": name, "password": strong})
			r.requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
			require.Equal(t, "user", s.register(t, name).role(t, s))
		})

		t.Run("usernames and emails outside the rules are refused", func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct{ username, email, code string }{
				{"<script>alert(1)</script>", "a@example.com", "invalid_username"},
				{"admin' OR '1'='1", "a@example.com", "invalid_username"},
				{"admin\u0430", "a@example.com", "invalid_username"}, // Latin and Cyrillic mixed
				{"a", "a@example.com", "invalid_username"},
				{"../../etc", "a@example.com", "invalid_username"},
				{newName("ok"), "not-an-email", "invalid_email"},
				{newName("ok"), "Bob <bob@example.com>", "invalid_email"},
				{newName("ok"), "", "invalid_email"},
			} {
				r := s.do(t, "POST", "/api/auth/register", map[string]string{"username": c.username, "email": c.email, "password": strong})
				r.requireProblem(t, http.StatusBadRequest, c.code)
				require.NotContains(t, string(r.body), "<script", "input is never echoed")
				require.NotContains(t, string(r.body), "OR '1'")
			}
		})

		t.Run("wrong password and unknown user get one generic 401", func(t *testing.T) {
			t.Parallel()
			u := s.register(t, newName("bob"))
			wrong := s.do(t, "POST", "/api/auth/login", map[string]string{"username": u.Username, "password": "not the password at all"})
			unknown := s.do(t, "POST", "/api/auth/login", map[string]string{"username": newName("nobody"), "password": strong})
			injected := s.do(t, "POST", "/api/auth/login", map[string]string{"username": "' OR '1'='1' --", "password": "' OR '1'='1"})
			for _, r := range []response{wrong, unknown, injected} {
				r.requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
				require.Equal(t, `Bearer realm="api"`, r.header.Get("WWW-Authenticate"))
				require.Empty(t, r.cookies)
			}
			require.Equal(t, string(wrong.body), string(unknown.body))
		})

		t.Run("login answers tokens for API clients and cookies for browsers", func(t *testing.T) {
			t.Parallel()
			u := s.register(t, newName("carol"))
			r := s.do(t, "POST", "/api/auth/login", map[string]string{"username": u.Username, "password": strong})
			var body map[string]any
			r.json(t, http.StatusOK, &body)
			require.Equal(t, "Bearer", body["token_type"])
			require.EqualValues(t, 900, body["expires_in"])
			require.NotEmpty(t, body["access_token"])
			require.Equal(t, "no-store", r.header.Get("Cache-Control"))
			byName := map[string]*http.Cookie{}
			for _, c := range r.cookies {
				byName[c.Name] = c
			}
			for _, name := range []string{"__Host-access_token", "__Secure-refresh_token"} {
				c := byName[name]
				require.NotNil(t, c, name)
				require.True(t, c.HttpOnly && c.Secure, name)
				require.Equal(t, http.SameSiteStrictMode, c.SameSite, name)
			}
			require.Equal(t, "/api/auth/refresh", byName["__Secure-refresh_token"].Path)
			csrfCookie := byName["__Host-csrf"]
			require.NotNil(t, csrfCookie)
			require.False(t, csrfCookie.HttpOnly, "the page's script copies it into X-CSRF-Token")
			require.Equal(t, body["csrf_token"], csrfCookie.Value)
		})
	})
}

// role reads the user's role through the API.
func (u registered) role(t *testing.T, s *testServer) string {
	t.Helper()
	sess := s.login(t, u.Username)
	var p struct {
		Role string `json:"role"`
	}
	s.do(t, "GET", "/api/auth/profile", nil, sess.bearer()...).json(t, http.StatusOK, &p)
	return p.Role
}

func toFullwidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '!' && r <= '~':
			b.WriteRune(r - '!' + '！')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// forge signs claims with secret under the server's key id.
func forge(t *testing.T, secret []byte, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	key, err := jwtauth.NewKey("", jwtauth.HS256, secret)
	require.NoError(t, err)
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = key.KID()
	tok.Header["typ"] = "at+jwt"
	var signed string
	if method == jwt.SigningMethodNone {
		signed, err = tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	} else {
		signed, err = tok.SignedString(secret)
	}
	require.NoError(t, err)
	return signed
}

// claimsOf decodes a token's payload without verifying it.
func claimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c jwt.MapClaims
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

// TestAuthenticationBypass tries to reach a protected route without a
// valid token.
func TestAuthenticationBypass(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)
		_, sess := s.user(t, "dave")
		claims := claimsOf(t, sess.Access)
		with := func(change func(jwt.MapClaims)) jwt.MapClaims {
			c := jwt.MapClaims{}
			for k, v := range claims {
				c[k] = v
			}
			change(c)
			return c
		}
		past := time.Now().Add(-time.Hour).Unix()
		parts := strings.Split(sess.Access, ".")
		adminPayload := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(mustDecode(t, parts[1])), `"role":"user"`, `"role":"admin"`, 1)))

		for _, c := range []struct {
			name   string
			header []string
			code   string
		}{
			{"no token", nil, "missing_token"},
			{"a garbage token", []string{"Authorization", "Bearer garbage.garbage.garbage"}, "invalid_token"},
			{"alg none", []string{"Authorization", "Bearer " + forge(t, s.jwtSecret, jwt.SigningMethodNone, claims)}, "invalid_token"},
			{"an unsigned token", []string{"Authorization", "Bearer " + parts[0] + "." + parts[1] + "."}, "invalid_token"},
			{"an expired token", []string{"Authorization", "Bearer " + forge(t, s.jwtSecret, jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["exp"] = past }))}, "token_expired"},
			{"a token signed with another key", []string{"Authorization", "Bearer " + forge(t, []byte(randomSecret()), jwt.SigningMethodHS256, claims)}, "invalid_token"},
			{"a token with an edited role", []string{"Authorization", "Bearer " + parts[0] + "." + adminPayload + "." + parts[2]}, "invalid_token"},
			{"a token for another audience", []string{"Authorization", "Bearer " + forge(t, s.jwtSecret, jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["aud"] = "another-api" }))}, "invalid_token"},
			{"a token with an unknown role", []string{"Authorization", "Bearer " + forge(t, s.jwtSecret, jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["role"] = "root" }))}, "invalid_token"},
			{"the refresh token as an access token", []string{"Authorization", "Bearer " + sess.Refresh}, "invalid_token"},
		} {
			r := s.do(t, "GET", "/api/auth/profile", nil, c.header...)
			r.requireProblem(t, http.StatusUnauthorized, c.code)
			require.True(t, strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer realm="api"`), c.name)
		}
		// The genuine token, for contrast, and the token in the URL (never read).
		require.Equal(t, http.StatusOK, s.do(t, "GET", "/api/auth/profile", nil, sess.bearer()...).status)
		s.do(t, "GET", "/api/auth/profile?access_token="+sess.Access, nil).requireProblem(t, http.StatusUnauthorized, "missing_token")
		// A genuinely signed token of a forged expiry works only because the
		// test holds the server's secret: the secret is the whole trust.
		fresh := forge(t, s.jwtSecret, jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(time.Minute).Unix() }))
		require.Equal(t, http.StatusOK, s.do(t, "GET", "/api/auth/profile", nil, "Authorization", "Bearer "+fresh).status)

		// After logout, the token is revoked.
		require.Equal(t, http.StatusNoContent, s.do(t, "POST", "/api/auth/logout", nil, sess.bearer()...).status)
		s.do(t, "GET", "/api/auth/profile", nil, sess.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")
		s.do(t, "POST", "/api/agent/chat", `{"message":"hi"}`, sess.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")
	})
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// TestRefresh covers rotation, reuse detection and the cookie flow.
func TestRefresh(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)

		t.Run("a reused refresh token revokes its whole family", func(t *testing.T) {
			t.Parallel()
			_, first := s.user(t, "erin")
			var second session
			s.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": first.Refresh}).json(t, http.StatusOK, &second)
			require.NotEqual(t, first.Refresh, second.Refresh)
			require.Equal(t, http.StatusOK, s.do(t, "GET", "/api/auth/profile", nil, second.bearer()...).status)

			s.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": first.Refresh}).
				requireProblem(t, http.StatusUnauthorized, "refresh_token_reused")
			// the whole session is gone: the newer refresh token and access tokens too
			s.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": second.Refresh}).
				requireProblem(t, http.StatusUnauthorized, "invalid_token")
			s.do(t, "GET", "/api/auth/profile", nil, second.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")
			s.do(t, "GET", "/api/auth/profile", nil, first.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")
		})

		t.Run("an access token is not a refresh token", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "frank")
			s.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": sess.Access}).
				requireProblem(t, http.StatusUnauthorized, "invalid_token")
			s.do(t, "POST", "/api/auth/refresh", nil).requireProblem(t, http.StatusUnauthorized, "missing_token")
		})

		t.Run("browsers refresh with the cookie and the CSRF token", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "grace")
			cookie := sess.cookieHeader("/api/auth/refresh")
			s.do(t, "POST", "/api/auth/refresh", nil, "Cookie", cookie).requireProblem(t, http.StatusForbidden, "csrf_failed")
			r := s.do(t, "POST", "/api/auth/refresh", nil, "Cookie", cookie, "X-CSRF-Token", sess.CSRF)
			var body map[string]any
			r.json(t, http.StatusOK, &body)
			require.Empty(t, body["access_token"], "cookie refreshes never put tokens where script can read them")
			require.Empty(t, body["refresh_token"])
			require.NotEmpty(t, body["csrf_token"])
			require.Len(t, r.cookies, 3)
		})
	})
}

// TestCSRF checks that cookie-authenticated unsafe requests need the
// double-submit token, and that cross-site browser requests are refused.
func TestCSRF(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)
		_, sess := s.user(t, "heidi")
		cookie := sess.cookieHeader("/api/keys")
		key := `{"name":"from the browser","scopes":["chat"]}`

		require.Equal(t, http.StatusOK, s.do(t, "GET", "/api/auth/profile", nil, "Cookie", cookie).status, "safe methods need no token")
		s.do(t, "POST", "/api/keys", key, "Cookie", cookie).requireProblem(t, http.StatusForbidden, "csrf_failed")
		s.do(t, "POST", "/api/keys", key, "Cookie", cookie, "X-CSRF-Token", "forged").requireProblem(t, http.StatusForbidden, "csrf_failed")
		_, other := s.user(t, "ivan")
		s.do(t, "POST", "/api/keys", key, "Cookie", cookie, "X-CSRF-Token", other.CSRF).requireProblem(t, http.StatusForbidden, "csrf_failed")
		require.Equal(t, http.StatusCreated, s.do(t, "POST", "/api/keys", key, "Cookie", cookie, "X-CSRF-Token", sess.CSRF).status)

		// A cross-site request from a browser is refused before any route,
		// whatever it carries.
		for _, hdr := range [][]string{
			{"Cookie", cookie, "X-CSRF-Token", sess.CSRF, "Sec-Fetch-Site", "cross-site"},
			{"Cookie", cookie, "X-CSRF-Token", sess.CSRF, "Origin", "https://evil.example"},
			{"Authorization", "Bearer " + sess.Access, "Origin", "null"},
		} {
			s.do(t, "POST", "/api/keys", key, hdr...).requireProblem(t, http.StatusForbidden, "csrf_failed")
		}
		// The allowed front end may.
		r := s.do(t, "POST", "/api/keys", key, "Cookie", cookie, "X-CSRF-Token", sess.CSRF, "Origin", "https://app.example.com", "Sec-Fetch-Site", "same-site")
		require.Equal(t, http.StatusCreated, r.status)

		// Logout with the cookie needs the token too, then clears the cookies.
		s.do(t, "POST", "/api/auth/logout", nil, "Cookie", cookie).requireProblem(t, http.StatusForbidden, "csrf_failed")
		r = s.do(t, "POST", "/api/auth/logout", nil, "Cookie", cookie, "X-CSRF-Token", sess.CSRF)
		require.Equal(t, http.StatusNoContent, r.status)
		for _, c := range r.cookies {
			require.Negative(t, c.MaxAge, c.Name)
		}
		s.do(t, "GET", "/api/auth/profile", nil, "Cookie", cookie).requireProblem(t, http.StatusUnauthorized, "invalid_token")
	})
}

// TestAdmin checks the admin-only endpoint.
func TestAdmin(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)
		u, sess := s.user(t, "judy")
		s.do(t, "GET", "/api/admin/security-events", nil, sess.bearer()...).requireProblem(t, http.StatusForbidden, "forbidden")
		s.do(t, "GET", "/api/admin/security-events", nil).requireProblem(t, http.StatusUnauthorized, "missing_token")

		require.NoError(t, s.users.SetRole(context.Background(), u.ID, users.RoleAdmin))
		s.do(t, "GET", "/api/admin/security-events", nil, sess.bearer()...).requireProblem(t, http.StatusForbidden, "forbidden")
		admin := s.login(t, u.Username) // the role travels in new tokens only
		var out struct {
			Events []struct {
				Type string `json:"type"`
			} `json:"events"`
		}
		require.Eventually(t, func() bool {
			s.do(t, "GET", "/api/admin/security-events?limit=1000", nil, admin.bearer()...).json(t, http.StatusOK, &out)
			types := map[string]bool{}
			for _, e := range out.Events {
				types[e.Type] = true
			}
			return types["authz_fail"] && types["user_created"] && types["authn_login_success"]
		}, 10*time.Second, 100*time.Millisecond, "the log shows the refused admin call")
		s.do(t, "GET", "/api/admin/security-events?limit=0", nil, admin.bearer()...).requireProblem(t, http.StatusBadRequest, "invalid_parameter")
		s.do(t, "GET", "/api/admin/security-events?limit=x", nil, admin.bearer()...).requireProblem(t, http.StatusBadRequest, "invalid_parameter")
	})
}

// TestInsecureCookies checks the local-development cookie mode.
func TestInsecureCookies(t *testing.T) {
	t.Parallel()
	s := startServer(t, memoryBackend, `{"insecure_cookies": true}`)
	u := s.register(t, newName("yuri"))
	r := s.do(t, "POST", "/api/auth/login", map[string]string{"username": u.Username, "password": strong})
	require.Equal(t, http.StatusOK, r.status)
	names := map[string]bool{}
	for _, c := range r.cookies {
		names[c.Name] = true
		require.False(t, c.Secure, c.Name)
		require.NotEqual(t, http.SameSiteNoneMode, c.SameSite, c.Name)
	}
	require.Equal(t, map[string]bool{"access_token": true, "refresh_token": true, "csrf": true}, names,
		"the __Host- and __Secure- prefixes need Secure cookies")
}
