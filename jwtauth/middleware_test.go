package jwtauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

// whoami answers the subject and role of the verified claims.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, ok := jwtauth.ClaimsFrom[AppClaims](r.Context())
	if !ok {
		_, _ = io.WriteString(w, "anonymous")
		return
	}
	_, _ = fmt.Fprintf(w, "%s %s", c.Subject, c.Role)
})

type problemBody struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
}

func serve(h http.Handler, r *http.Request) (*httptest.ResponseRecorder, problemBody) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var p problemBody
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
	}
	return rec, p
}

func bearerRequest(method, tok string) *http.Request {
	r := httptest.NewRequest(method, "/api", nil)
	if tok != "" {
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	return r
}

func TestMiddlewareRFC6750Responses(t *testing.T) {
	t.Parallel()
	c := newClock()
	events := audit.NewMemory(100)
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Audit = events; o.Realm = "gatehouse" })
	h := a.Handler(whoami)
	now := c.Now()
	good, err := a.Issue(context.Background(), user("alice", "read", "admin"))
	require.NoError(t, err)
	expired := forge(t, hsHeader, claimsJSON(t, now, func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), jwtHS256, hmacKey1)
	tamperedExpired := forge(t, hsHeader, claimsJSON(t, now, func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), jwtHS256, hmacKey2)

	cases := []struct {
		name      string
		req       func() *http.Request
		status    int
		code      string
		challenge string
	}{
		{"a valid token passes with its claims", func() *http.Request { return bearerRequest("GET", good.AccessToken) }, 200, "", ""},
		{"the bearer scheme is case-insensitive", func() *http.Request {
			r := bearerRequest("GET", "")
			r.Header.Set("Authorization", "bEaReR "+good.AccessToken)
			return r
		}, 200, "", ""},
		{"a missing token is 401 without an error code", func() *http.Request { return bearerRequest("GET", "") }, 401, "missing_token", `Bearer realm="gatehouse"`},
		{"another scheme counts as no token", func() *http.Request {
			r := bearerRequest("GET", "")
			r.Header.Set("Authorization", "Basic YWxpY2U6cGFzcw==")
			return r
		}, 401, "missing_token", `Bearer realm="gatehouse"`},
		{"an empty bearer credential is a malformed request", func() *http.Request {
			r := bearerRequest("GET", "")
			r.Header.Set("Authorization", "Bearer   ")
			return r
		}, 400, "invalid_request", `Bearer realm="gatehouse", error="invalid_request"`},
		{"two Authorization headers are a malformed request", func() *http.Request {
			r := bearerRequest("GET", good.AccessToken)
			r.Header.Add("Authorization", "Bearer "+good.AccessToken)
			return r
		}, 400, "invalid_request", `Bearer realm="gatehouse", error="invalid_request"`},
		{"a forged token is invalid_token", func() *http.Request { return bearerRequest("GET", good.AccessToken+"x") }, 401, "invalid_token",
			`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid"`},
		{"an expired token is token_expired", func() *http.Request { return bearerRequest("GET", expired) }, 401, "token_expired",
			`Bearer realm="gatehouse", error="invalid_token", error_description="The access token expired"`},
		{"a tampered expired token is invalid_token", func() *http.Request { return bearerRequest("GET", tamperedExpired) }, 401, "invalid_token",
			`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid"`},
		{"a refresh token is not an access token", func() *http.Request { return bearerRequest("GET", good.RefreshToken) }, 401, "invalid_token",
			`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid"`},
		{"a 1 MiB token is invalid_token", func() *http.Request { return bearerRequest("GET", strings.Repeat("a", 1<<20)) }, 401, "invalid_token",
			`Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req()
			rec, p := serve(h, req)
			require.Equal(t, tc.status, rec.Code)
			if tc.status == 200 {
				require.Equal(t, "alice admin", rec.Body.String())
				return
			}
			require.Equal(t, tc.code, p.Code)
			require.Equal(t, tc.challenge, rec.Header().Get("WWW-Authenticate"))
			require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			if tok := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "); len(tok) > 10 {
				require.NotContains(t, rec.Body.String(), tok[:10], "the token is never echoed")
			}
		})
	}
	evs, err := events.Query(context.Background(), audit.Filter{Types: []audit.Type{audit.AuthnTokenInvalid}, Limit: 100})
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	reasons := map[string]bool{}
	for _, e := range evs {
		reasons[e.Details["reason"]] = true
		require.Equal(t, "jwtauth", e.Source)
		for _, v := range e.Details {
			require.NotContains(t, v, good.AccessToken[:20], "events never hold a token")
		}
	}
	for _, want := range []string{"missing_token", "invalid_request", "bad_signature", "token_expired", "wrong_token_type", "token_too_large"} {
		require.True(t, reasons[want], "reason %s recorded; got %v", want, reasons)
	}
}

func TestOptionalLetsAnonymousRequestsThrough(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, nil)
	h := a.Optional(whoami)
	rec, _ := serve(h, bearerRequest("GET", ""))
	require.Equal(t, 200, rec.Code)
	require.Equal(t, "anonymous", rec.Body.String())
	rec, p := serve(h, bearerRequest("GET", "bad.token.here"))
	require.Equal(t, 401, rec.Code, "a bad token is still refused")
	require.Equal(t, "invalid_token", p.Code)
}

func TestRequireScopesAndClaims(t *testing.T) {
	t.Parallel()
	c := newClock()
	events := audit.NewMemory(10)
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Audit = events })
	write, err := a.RequireScopes("items:write", "items:read")
	require.NoError(t, err)
	admin := a.Require("role=admin", func(c *AppClaims) bool { return c.Role == "admin" })
	ctx := context.Background()
	reader, err := a.Issue(ctx, user("alice", "items:read", "user"))
	require.NoError(t, err)
	writer, err := a.Issue(ctx, user("bob", "items:read items:write", "admin"))
	require.NoError(t, err)

	rec, p := serve(a.Handler(write(whoami)), bearerRequest("POST", reader.AccessToken))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Equal(t, "insufficient_scope", p.Code)
	require.Equal(t, `Bearer realm="api", error="insufficient_scope", scope="items:write items:read"`, rec.Header().Get("WWW-Authenticate"))
	rec, _ = serve(a.Handler(write(whoami)), bearerRequest("POST", writer.AccessToken))
	require.Equal(t, http.StatusOK, rec.Code)

	rec, p = serve(a.Handler(admin(whoami)), bearerRequest("GET", reader.AccessToken))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Equal(t, "forbidden", p.Code)
	rec, _ = serve(a.Handler(admin(whoami)), bearerRequest("GET", writer.AccessToken))
	require.Equal(t, http.StatusOK, rec.Code)

	rec, p = serve(write(whoami), bearerRequest("GET", writer.AccessToken))
	require.Equal(t, http.StatusUnauthorized, rec.Code, "without Handler there are no claims")
	require.Equal(t, "missing_token", p.Code)

	evs, err := events.Query(ctx, audit.Filter{Types: []audit.Type{audit.AuthzFail}})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, "alice", evs[0].Actor)

	for _, bad := range [][]string{nil, {""}, {"a b"}, {`a"b`}, {"é"}} {
		_, err := a.RequireScopes(bad...)
		require.Error(t, err, "%q", bad)
	}
}
