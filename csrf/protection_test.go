package csrf

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

type req struct {
	method string
	target string // URL; its host becomes the Host header
	sfs    string // Sec-Fetch-Site
	origin string
	tls    bool
}

func (q req) build() *http.Request {
	m := q.method
	if m == "" {
		m = http.MethodPost
	}
	t := q.target
	if t == "" {
		t = "https://api.example.com/orders"
	}
	r := httptest.NewRequest(m, t, nil)
	if q.sfs != "" {
		r.Header.Set("Sec-Fetch-Site", q.sfs)
	}
	if q.origin != "" {
		r.Header.Set("Origin", q.origin)
	}
	if !q.tls {
		r.TLS = nil
	} else if r.TLS == nil {
		r.TLS = &tls.ConnectionState{}
	}
	return r
}

func newProtection(t *testing.T, opts Options) *Protection {
	t.Helper()
	p, err := New(opts)
	require.NoError(t, err)
	return p
}

func TestCheck(t *testing.T) {
	t.Parallel()
	lax := newProtection(t, Options{
		TrustedOrigins: []string{"https://app.example.com", "http://localhost:5173"},
		Bypass:         []string{"POST /webhooks/stripe", "/hooks/any"},
	})
	strict := newProtection(t, Options{Strict: true})
	proxied := newProtection(t, Options{RequestScheme: func(*http.Request) string { return "https" }})

	cases := []struct {
		name string
		p    *Protection
		r    req
		want error
	}{
		// Safe methods.
		{"a cross-site GET is exempt", lax, req{method: "GET", sfs: "cross-site", origin: "https://evil.com"}, nil},
		{"a cross-site HEAD is exempt", lax, req{method: "HEAD", sfs: "cross-site"}, nil},
		{"a cross-site OPTIONS is exempt", lax, req{method: "OPTIONS", sfs: "cross-site"}, nil},
		{"a cross-site TRACE is not exempt", lax, req{method: "TRACE", sfs: "cross-site"}, ErrCrossOrigin},

		// Fetch metadata.
		{"a same-origin POST passes", lax, req{sfs: "same-origin", origin: "https://api.example.com"}, nil},
		{"a user-initiated POST (none) passes", lax, req{sfs: "none"}, nil},
		{"a cross-site form post is rejected", lax, req{sfs: "cross-site", origin: "https://evil.com"}, ErrCrossOrigin},
		{"a cross-site post without Origin is rejected", lax, req{sfs: "cross-site"}, ErrCrossOrigin},
		{"a same-site subdomain post is rejected", lax, req{sfs: "same-site", origin: "https://evil.example.com"}, ErrCrossOrigin},
		{"a same-site post from a trusted origin passes", lax, req{sfs: "same-site", origin: "https://app.example.com"}, nil},
		{"a trusted origin in non-canonical spelling passes", lax, req{sfs: "same-site", origin: "HTTPS://App.Example.com:443"}, nil},
		{"a trusted origin with its default port passes", lax, req{sfs: "same-site", origin: "https://app.example.com:443"}, nil},
		{"an untrusted origin in upper case is rejected", lax, req{sfs: "cross-site", origin: "HTTPS://EVIL.COM"}, ErrCrossOrigin},
		{"a cross-site post from a trusted dev origin passes", lax, req{sfs: "cross-site", origin: "http://localhost:5173"}, nil},
		{"a trusted host with another port is rejected", lax, req{sfs: "cross-site", origin: "http://localhost:5174"}, ErrCrossOrigin},
		{"a trusted host with another scheme is rejected", lax, req{sfs: "cross-site", origin: "http://app.example.com"}, ErrCrossOrigin},
		{"a trusted origin with userinfo is rejected", lax, req{sfs: "cross-site", origin: "https://evil@app.example.com"}, ErrCrossOrigin},
		{"a trusted origin with a path is rejected", lax, req{sfs: "cross-site", origin: "https://app.example.com/"}, ErrCrossOrigin},
		{"a null origin from a sandboxed frame is rejected", lax, req{sfs: "cross-site", origin: "null"}, ErrCrossOrigin},
		{"an unknown Sec-Fetch-Site value is rejected", lax, req{sfs: "same-origin, cross-site"}, ErrCrossOrigin},
		{"a cross-site post to a bypassed path passes", lax, req{sfs: "cross-site", target: "https://api.example.com/webhooks/stripe"}, nil},
		{"a bypassed path with another method is rejected", lax, req{method: "PUT", sfs: "cross-site", target: "https://api.example.com/webhooks/stripe"}, ErrCrossOrigin},
		{"a bypass does not cover a sub-path", lax, req{sfs: "cross-site", target: "https://api.example.com/webhooks/stripe/x"}, ErrCrossOrigin},
		{"a bypass does not cover a trailing slash", lax, req{sfs: "cross-site", target: "https://api.example.com/webhooks/stripe/"}, ErrCrossOrigin},
		{"a bypass does not cover a dot-segment path", lax, req{sfs: "cross-site", target: "https://api.example.com/x/../webhooks/stripe"}, ErrCrossOrigin},
		{"a bypass does not cover an encoded slash", lax, req{sfs: "cross-site", target: "https://api.example.com/webhooks%2Fstripe"}, ErrCrossOrigin},
		{"a method-less bypass covers any method", lax, req{method: "DELETE", sfs: "cross-site", target: "https://api.example.com/hooks/any"}, nil},

		// Origin fallback (browsers without Sec-Fetch-Site).
		{"an old browser's same-origin post passes", lax, req{origin: "https://api.example.com"}, nil},
		{"an old browser's same-origin post with default port passes", lax, req{origin: "https://api.example.com:443"}, nil},
		{"a Host with the default port matches an origin without", lax, req{origin: "https://api.example.com", target: "https://api.example.com:443/x"}, nil},
		{"the Host is compared case-insensitively", lax, req{origin: "https://api.example.com", target: "https://API.Example.com/x"}, nil},
		{"an old browser's cross-site post is rejected", lax, req{origin: "https://evil.com"}, ErrCrossOrigin},
		{"a same host with another port is rejected", lax, req{origin: "https://api.example.com:8443"}, ErrCrossOrigin},
		{"an origin with userinfo naming the host is rejected", lax, req{origin: "https://evil.com@api.example.com"}, ErrOriginInvalid},
		{"an origin with empty userinfo is rejected", lax, req{origin: "https://@api.example.com"}, ErrOriginInvalid},
		{"an origin with a path is rejected", lax, req{origin: "https://api.example.com/path"}, ErrOriginInvalid},
		{"a null origin is rejected", lax, req{origin: "null"}, ErrNullOrigin},
		{"a null origin is rejected even in lax mode on a trusted setup", lax, req{origin: "null", target: "https://api.example.com/webhooks"}, ErrNullOrigin},
		{"a bypassed path accepts a null origin", lax, req{origin: "null", target: "https://api.example.com/webhooks/stripe"}, nil},
		{"an http origin to a TLS request is rejected", lax, req{origin: "http://api.example.com", tls: true, target: "https://api.example.com/x"}, ErrCrossOrigin},
		{"an https origin to a TLS request passes", lax, req{origin: "https://api.example.com", tls: true}, nil},
		{"an http origin is rejected when the proxy says https", proxied, req{origin: "http://api.example.com:443"}, ErrCrossOrigin},
		{"an https origin passes when the proxy says https", proxied, req{origin: "https://api.example.com"}, nil},
		{"a non-web scheme is never the request's own origin", lax, req{origin: "ftp://api.example.com"}, ErrCrossOrigin},
		{"a trusted origin passes without Sec-Fetch-Site", lax, req{origin: "https://app.example.com"}, nil},

		// Neither header.
		{"a post with neither header passes in lax mode", lax, req{}, nil},
		{"a post with neither header is rejected in strict mode", strict, req{}, ErrNoOriginInfo},
		{"a GET with neither header passes in strict mode", strict, req{method: "GET"}, nil},
		{"strict mode still allows same-origin fetch metadata", strict, req{sfs: "same-origin"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.p.Check(tc.r.build())
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, ErrCSRF)
		})
	}
}

func TestCheckRejectsDuplicatedHeaders(t *testing.T) {
	t.Parallel()
	p := newProtection(t, Options{TrustedOrigins: []string{"https://app.example.com"}})

	r := req{sfs: "same-origin"}.build()
	r.Header.Add("Sec-Fetch-Site", "cross-site")
	require.ErrorIs(t, p.Check(r), ErrCrossOrigin, "two Sec-Fetch-Site values are not same-origin")

	r = req{origin: "https://api.example.com"}.build()
	r.Header.Add("Origin", "https://evil.com")
	require.ErrorIs(t, p.Check(r), ErrOriginInvalid)

	r = req{sfs: "cross-site", origin: "https://app.example.com"}.build()
	r.Header.Add("Origin", "https://app.example.com")
	require.ErrorIs(t, p.Check(r), ErrCrossOrigin, "a trusted origin must be the only Origin")
}

func TestStrictModeWithTokens(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{SessionID: func(r *http.Request) string { return r.Header.Get("X-Session") }})
	p := newProtection(t, Options{Tokens: tk})
	tok, _ := issue(t, tk, "alice")

	withToken := func(header, cookie string) *http.Request {
		r := tokenRequest(header, cookie)
		r.Header.Set("X-Session", "alice")
		return r
	}
	require.NoError(t, p.Check(withToken(tok, tok)), "a valid token lets a header-less request through")
	require.ErrorIs(t, p.Check(withToken("", "")), ErrTokenMissing, "tokens imply strict mode")
	require.ErrorIs(t, p.Check(withToken(tok, "x")), ErrTokenMismatch, "token mismatch")
	r := withToken(tok, tok)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	require.ErrorIs(t, p.Check(r), ErrCrossOrigin, "a token does not override a cross-site verdict")
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"the zero value is valid", Options{}, true},
		{"a full https origin is accepted", Options{TrustedOrigins: []string{"https://a.example"}}, true},
		{"an origin with a port is accepted", Options{TrustedOrigins: []string{"http://localhost:3000"}}, true},
		{"an IPv6 origin is accepted", Options{TrustedOrigins: []string{"http://[::1]:3000"}}, true},
		{"an extension origin is accepted", Options{TrustedOrigins: []string{"chrome-extension://abcdefgh"}}, true},
		{"a bare host is rejected", Options{TrustedOrigins: []string{"a.example"}}, false},
		{"an origin with a path is rejected", Options{TrustedOrigins: []string{"https://a.example/"}}, false},
		{"an origin with userinfo is rejected", Options{TrustedOrigins: []string{"https://u:p@a.example"}}, false},
		{"a wildcard origin is rejected", Options{TrustedOrigins: []string{"https://*.example"}}, false},
		{"a lone star is rejected", Options{TrustedOrigins: []string{"*"}}, false},
		{"the null origin is rejected", Options{TrustedOrigins: []string{"null"}}, false},
		{"an empty origin is rejected", Options{TrustedOrigins: []string{""}}, false},
		{"a port of zero is rejected", Options{TrustedOrigins: []string{"https://a.example:0"}}, false},
		{"an exact bypass path is accepted", Options{Bypass: []string{"/hooks/x"}}, true},
		{"a bypass with a method is accepted", Options{Bypass: []string{"POST /hooks/x"}}, true},
		{"a bypass with a trailing slash is accepted", Options{Bypass: []string{"/hooks/"}}, true},
		{"a relative bypass path is rejected", Options{Bypass: []string{"hooks"}}, false},
		{"a wildcard bypass is rejected", Options{Bypass: []string{"POST /hooks/{id}"}}, false},
		{"a dot-segment bypass is rejected", Options{Bypass: []string{"/a/../hooks"}}, false},
		{"a double-slash bypass is rejected", Options{Bypass: []string{"//hooks"}}, false},
		{"a bypass with a query is rejected", Options{Bypass: []string{"/hooks?x=1"}}, false},
		{"a bypass with a host is rejected", Options{Bypass: []string{"POST example.com/hooks"}}, false},
		{"a bypass with a bad method is rejected", Options{Bypass: []string{"PO(ST /hooks"}}, false},
		{"a bypass with two spaces is rejected", Options{Bypass: []string{"POST  /hooks"}}, false},
		{"an empty bypass is rejected", Options{Bypass: []string{""}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p *Protection
			var err error
			require.NotPanics(t, func() { p, err = New(tc.opts) })
			if tc.ok {
				require.NoError(t, err)
				require.NotNil(t, p)
				return
			}
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "csrf: "), err.Error())
		})
	}
}

func TestHandlerRejectsWithProblemAndAuditEvent(t *testing.T) {
	t.Parallel()
	mem := audit.NewMemory(10)
	p := newProtection(t, Options{Audit: mem})
	called := false
	h := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req{sfs: "cross-site", origin: "https://evil.com\r\nX: y"}.build())
	require.False(t, called)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Equal(t, "csrf_failed", body["code"])
	require.NotContains(t, rec.Body.String(), "evil", "request input is not echoed")

	events := mem.Events()
	require.Len(t, events, 1)
	require.Equal(t, audit.MaliciousCSRF, events[0].Type)
	require.Equal(t, audit.OutcomeBlocked, events[0].Outcome)
	require.Equal(t, "cross_origin", events[0].Details["reason"])
	require.Equal(t, "cross-site", events[0].Details["sec_fetch_site"])
	require.NotContains(t, events[0].Details["origin"], "\n", "control characters are neutralised")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req{sfs: "same-origin"}.build())
	require.True(t, called)
	require.Equal(t, 1, mem.Len(), "allowed requests record nothing")
}

func TestHandlerCustomErrorHandler(t *testing.T) {
	t.Parallel()
	var got error
	p := newProtection(t, Options{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		http.Error(w, "nope", http.StatusTeapot)
	}})
	rec := httptest.NewRecorder()
	p.Handler(http.NotFoundHandler()).ServeHTTP(rec, req{origin: "null"}.build())
	require.Equal(t, http.StatusTeapot, rec.Code)
	require.True(t, errors.Is(got, ErrNullOrigin))
}

func TestCheckAllocatesNothing(t *testing.T) {
	p := newProtection(t, Options{TrustedOrigins: []string{"https://app.example.com"}})
	for _, q := range []req{
		{sfs: "same-origin"},
		{sfs: "cross-site", origin: "https://evil.com"},
		{sfs: "same-site", origin: "https://app.example.com"},
		{sfs: "same-site", origin: "HTTPS://APP.example.com"},
		{origin: "https://api.example.com"},
		{origin: "https://evil@api.example.com"},
	} {
		r := q.build()
		require.Zero(t, testing.AllocsPerRun(100, func() { _ = p.Check(r) }), "%+v", q)
	}
}
