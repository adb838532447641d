package jwtauth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/csrf"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

// cookieJar keeps the cookies a response sets, by name.
type cookieJar map[string]*http.Cookie

func (j cookieJar) take(rec *httptest.ResponseRecorder) {
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(j, c.Name)
			continue
		}
		j[c.Name] = c
	}
}

// request builds a request carrying the jar's cookies valid for path.
func (j cookieJar) request(method, path string) *http.Request {
	r := httptest.NewRequest(method, "https://app.test"+path, nil)
	for _, c := range j {
		if strings.HasPrefix(path, c.Path) {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return r
}

func newCookieAuth(t *testing.T, c *clock) (*jwtauth.Auth[AppClaims], *csrf.Tokens) {
	t.Helper()
	tokens, err := csrf.NewTokens(csrf.TokenOptions{Key: []byte("csrf-key-csrf-key-csrf-key-0123456789"), Now: c.Now})
	require.NoError(t, err)
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Cookie = &jwtauth.CookieOptions{CSRF: tokens} })
	return a, tokens
}

func login(t *testing.T, a *jwtauth.Auth[AppClaims], sub string) (cookieJar, *jwtauth.Pair) {
	t.Helper()
	rec := httptest.NewRecorder()
	p, err := a.Login(rec, httptest.NewRequest("POST", "https://app.test/auth/login", nil), user(sub, "read", "user"))
	require.NoError(t, err)
	jar := cookieJar{}
	jar.take(rec)
	return jar, p
}

func TestCookieModeLoginSetsHardenedCookies(t *testing.T) {
	t.Parallel()
	a, tokens := newCookieAuth(t, newClock())
	jar, p := login(t, a, "alice")
	require.Empty(t, p.AccessToken, "tokens are in HttpOnly cookies, not in the body")
	require.Empty(t, p.RefreshToken)
	require.NotEmpty(t, p.CSRFToken)

	access := jar[jwtauth.DefaultAccessCookie]
	require.NotNil(t, access)
	require.True(t, access.HttpOnly)
	require.True(t, access.Secure)
	require.Equal(t, http.SameSiteStrictMode, access.SameSite)
	require.Equal(t, "/", access.Path)
	require.Empty(t, access.Domain)
	require.Equal(t, 15*60, access.MaxAge)

	refresh := jar[jwtauth.DefaultRefreshCookie]
	require.NotNil(t, refresh)
	require.True(t, refresh.HttpOnly)
	require.True(t, refresh.Secure)
	require.Equal(t, jwtauth.DefaultRefreshPath, refresh.Path, "the refresh token goes to the refresh endpoint only")
	require.Equal(t, 7*24*3600, refresh.MaxAge)

	csrfCookie := jar[tokens.CookieName()]
	require.NotNil(t, csrfCookie)
	require.False(t, csrfCookie.HttpOnly, "the page's script reads the CSRF token")
	require.Equal(t, p.CSRFToken, csrfCookie.Value)
}

func TestCookieModeRequiresTheCSRFTokenOnUnsafeMethods(t *testing.T) {
	t.Parallel()
	a, tokens := newCookieAuth(t, newClock())
	h := a.Handler(whoami)
	jar, p := login(t, a, "alice")
	otherJar, other := login(t, a, "mallory")

	withHeader := func(r *http.Request, v string) *http.Request {
		r.Header.Set(tokens.HeaderName(), v)
		return r
	}
	cases := []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"a safe method needs no CSRF token", jar.request("GET", "/api"), 200, ""},
		{"an unsafe method without the CSRF token is refused", jar.request("POST", "/api"), 403, "csrf_failed"},
		{"an unsafe method with a wrong CSRF token is refused", withHeader(jar.request("DELETE", "/api"), "x"+p.CSRFToken[1:]), 403, "csrf_failed"},
		{"another session's CSRF token is refused", func() *http.Request {
			r := jar.request("POST", "/api")
			r.Header.Set(tokens.HeaderName(), other.CSRFToken)
			r.AddCookie(&http.Cookie{Name: tokens.CookieName() + "x", Value: "ignored"})
			// replace the CSRF cookie with the other session's, as a tossing attacker would
			r.Header.Del("Cookie")
			r.AddCookie(&http.Cookie{Name: jwtauth.DefaultAccessCookie, Value: jar[jwtauth.DefaultAccessCookie].Value})
			r.AddCookie(&http.Cookie{Name: tokens.CookieName(), Value: otherJar[tokens.CookieName()].Value})
			return r
		}(), 403, "csrf_failed"},
		{"an unsafe method with the session's CSRF token passes", withHeader(jar.request("POST", "/api"), p.CSRFToken), 200, ""},
		{"a lowercase method is not a safe one", jar.request("get", "/api"), 403, "csrf_failed"},
		{"two access cookies are a malformed request", func() *http.Request {
			r := jar.request("GET", "/api")
			r.AddCookie(&http.Cookie{Name: jwtauth.DefaultAccessCookie, Value: "planted"})
			return r
		}(), 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, prob := serve(h, tc.req)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			require.Equal(t, tc.code, prob.Code)
		})
	}
}

func TestBearerHeaderNeedsNoCSRFTokenInCookieMode(t *testing.T) {
	t.Parallel()
	c := newClock()
	a, _ := newCookieAuth(t, c)
	p, err := a.Issue(t.Context(), user("alice", "", "user"))
	require.NoError(t, err)
	rec, _ := serve(a.Handler(whoami), bearerRequest("POST", p.AccessToken))
	require.Equal(t, 200, rec.Code, "a header-borne token is not an ambient credential")
}

func TestCookieModeRefreshAndLogout(t *testing.T) {
	t.Parallel()
	c := newClock()
	a, tokens := newCookieAuth(t, c)
	jar, p := login(t, a, "alice")
	refresh := a.RefreshHandler()

	rec, prob := serve(refresh, jar.request("POST", jwtauth.DefaultRefreshPath))
	require.Equal(t, 403, rec.Code, "refreshing by cookie needs the CSRF token")
	require.Equal(t, "csrf_failed", prob.Code)

	req := jar.request("POST", jwtauth.DefaultRefreshPath)
	req.Header.Set(tokens.HeaderName(), p.CSRFToken)
	rec, _ = serve(refresh, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "refresh_token\"", "no token in the body in cookie mode")
	oldAccess := jar[jwtauth.DefaultAccessCookie].Value
	jar.take(rec)
	require.NotEqual(t, oldAccess, jar[jwtauth.DefaultAccessCookie].Value, "new cookies")
	newCSRF := jar[tokens.CookieName()].Value

	rec, _ = serve(refresh, jar.request("GET", jwtauth.DefaultRefreshPath))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	logout := a.LogoutHandler()
	rec, _ = serve(logout, jar.request("POST", "/auth/logout"))
	require.Equal(t, 403, rec.Code, "logout by cookie needs the CSRF token too")
	req = jar.request("POST", "/auth/logout")
	req.Header.Set(tokens.HeaderName(), newCSRF)
	before := jar.request("GET", "/api")
	rec, _ = serve(logout, req)
	require.Equal(t, http.StatusNoContent, rec.Code)
	cleared := map[string]bool{}
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			cleared[ck.Name] = true
		}
	}
	require.True(t, cleared[jwtauth.DefaultAccessCookie] && cleared[jwtauth.DefaultRefreshCookie] && cleared[tokens.CookieName()])

	rec, prob = serve(a.Handler(whoami), before)
	require.Equal(t, 401, rec.Code, "the logged-out access token is revoked")
	require.Equal(t, "invalid_token", prob.Code)
}

func TestCookieOptionsRefusals(t *testing.T) {
	t.Parallel()
	tokens, err := csrf.NewTokens(csrf.TokenOptions{Key: []byte("csrf-key-csrf-key-csrf-key-0123456789")})
	require.NoError(t, err)
	keys := mustSet(t, mustKey(t, "k1", jwtauth.HS256, hmacKey1))
	for _, co := range []jwtauth.CookieOptions{
		{CSRF: tokens, InsecureCookie: true, AccessName: "__Host-a"},
		{CSRF: tokens, RefreshName: "__Host-r"},
		{CSRF: tokens, AccessName: "a", RefreshName: "a"},
		{CSRF: tokens, AccessName: tokens.CookieName()},
		{CSRF: tokens, AccessName: "bad name"},
		{CSRF: tokens, RefreshPath: "relative"},
		{CSRF: tokens, RefreshPath: "/a;Domain=evil"},
		{CSRF: tokens, InsecureCookie: true, SameSite: http.SameSiteNoneMode},
	} {
		_, err := jwtauth.New(jwtauth.Options[AppClaims]{Keys: keys, Cookie: &co})
		require.Error(t, err, "%+v", co)
	}
}

func TestCookieModeRefreshAcceptsAGenuineExpiredCSRFToken(t *testing.T) {
	t.Parallel()
	c := newClock()
	a, tokens := newCookieAuth(t, c)
	jar, p := login(t, a, "alice")
	c.Advance(13 * time.Hour) // past the CSRF token's 12 h, within the refresh token's 7 days
	h := a.Handler(whoami)
	req := jar.request("POST", "/api")
	req.Header.Set(tokens.HeaderName(), p.CSRFToken)
	rec, prob := serve(h, req)
	require.Equal(t, 401, rec.Code, "the access cookie expired (the browser would have dropped it)")
	_ = prob

	req = jar.request("POST", jwtauth.DefaultRefreshPath)
	req.Header.Set(tokens.HeaderName(), p.CSRFToken)
	rec, _ = serve(a.RefreshHandler(), req)
	require.Equal(t, 200, rec.Code, "an idle client can still refresh")
	jar.take(rec)
	require.NotEqual(t, p.CSRFToken, jar[tokens.CookieName()].Value, "and gets a fresh CSRF token")

	req = jar.request("POST", jwtauth.DefaultRefreshPath)
	req.Header.Set(tokens.HeaderName(), "forged"+p.CSRFToken)
	rec, prob = serve(a.RefreshHandler(), req)
	require.Equal(t, 403, rec.Code, "a forged token is still refused")
	require.Equal(t, "csrf_failed", prob.Code)
}
