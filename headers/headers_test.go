package headers

import (
	"crypto/tls"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/stretchr/testify/require"
)

func newHeaders(t *testing.T, opts Options) *Headers {
	t.Helper()
	h, err := New(opts)
	require.NoError(t, err)
	return h
}

// serve runs r through h around a handler that records the nonce it saw.
func serve(h *Headers, r *http.Request) (*httptest.ResponseRecorder, string) {
	var nonce string
	rec := httptest.NewRecorder()
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce = Nonce(r.Context())
		w.WriteHeader(http.StatusOK)
	})).ServeHTTP(rec, r)
	return rec, nonce
}

func tlsRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.TLS = &tls.ConnectionState{}
	return r
}

func TestDefaultsAreTheAPISet(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{})
	rec, nonce := serve(h, tlsRequest("GET", "https://api.example.com/"))
	require.Empty(t, nonce)
	want := map[string]string{
		"X-Content-Type-Options":            "nosniff",
		"X-Frame-Options":                   "DENY",
		"Content-Security-Policy":           "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":                   "no-referrer",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-origin",
		"Permissions-Policy":                DefaultPermissionsPolicy,
		"X-Permitted-Cross-Domain-Policies": "none",
		"Cache-Control":                     "no-store",
		"X-Xss-Protection":                  "0",
		"Strict-Transport-Security":         "max-age=31536000; includeSubDomains",
	}
	got := map[string]string{}
	for k, v := range rec.Header() {
		require.Len(t, v, 1, k)
		got[k] = v[0]
	}
	require.Equal(t, want, got)
	for _, dep := range []string{"Feature-Policy", "Expect-Ct", "Public-Key-Pins", "Cross-Origin-Embedder-Policy"} {
		require.Empty(t, rec.Header().Get(dep), dep)
	}
	for _, p := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} {
		require.Contains(t, DefaultPermissionsPolicy, p)
	}
}

func TestEveryHeaderIsConfigurableAndRemovable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   Options
		header string
		want   string // "" = absent
	}{
		{"X-Frame-Options can be SAMEORIGIN", Options{FrameOptions: "sameorigin"}, "X-Frame-Options", "SAMEORIGIN"},
		{"X-Frame-Options can be omitted", Options{FrameOptions: Omit}, "X-Frame-Options", ""},
		{"X-Content-Type-Options can be omitted", Options{ContentTypeOptions: Omit}, "X-Content-Type-Options", ""},
		{"the CSP can be replaced", Options{ContentSecurityPolicy: "default-src 'self'"}, "Content-Security-Policy", "default-src 'self'"},
		{"the CSP can be omitted", Options{ContentSecurityPolicy: Omit}, "Content-Security-Policy", ""},
		{"a report-only CSP is sent beside the enforced one", Options{ContentSecurityPolicyReportOnly: "default-src 'self'"}, "Content-Security-Policy-Report-Only", "default-src 'self'"},
		{"Referrer-Policy can be changed", Options{ReferrerPolicy: "strict-origin-when-cross-origin"}, "Referrer-Policy", "strict-origin-when-cross-origin"},
		{"Referrer-Policy takes a fallback list", Options{ReferrerPolicy: "no-referrer, strict-origin-when-cross-origin"}, "Referrer-Policy", "no-referrer, strict-origin-when-cross-origin"},
		{"Referrer-Policy can be omitted", Options{ReferrerPolicy: Omit}, "Referrer-Policy", ""},
		{"COOP can allow popups", Options{CrossOriginOpenerPolicy: "same-origin-allow-popups"}, "Cross-Origin-Opener-Policy", "same-origin-allow-popups"},
		{"COOP can be omitted", Options{CrossOriginOpenerPolicy: Omit}, "Cross-Origin-Opener-Policy", ""},
		{"CORP can be cross-origin for a public API", Options{CrossOriginResourcePolicy: "cross-origin"}, "Cross-Origin-Resource-Policy", "cross-origin"},
		{"CORP can be omitted", Options{CrossOriginResourcePolicy: Omit}, "Cross-Origin-Resource-Policy", ""},
		{"COEP is off by default", Options{}, "Cross-Origin-Embedder-Policy", ""},
		{"COEP can be enabled", Options{CrossOriginEmbedderPolicy: "require-corp"}, "Cross-Origin-Embedder-Policy", "require-corp"},
		{"Permissions-Policy can be replaced", Options{PermissionsPolicy: "camera=(self), geolocation=()"}, "Permissions-Policy", "camera=(self), geolocation=()"},
		{"Permissions-Policy can be omitted", Options{PermissionsPolicy: Omit}, "Permissions-Policy", ""},
		{"cross-domain policies can be changed", Options{PermittedCrossDomainPolicies: "master-only"}, "X-Permitted-Cross-Domain-Policies", "master-only"},
		{"cross-domain policies can be omitted", Options{PermittedCrossDomainPolicies: Omit}, "X-Permitted-Cross-Domain-Policies", ""},
		{"Cache-Control can be changed", Options{CacheControl: "private, no-cache"}, "Cache-Control", "private, no-cache"},
		{"Cache-Control no-store can be opted out of", Options{CacheControl: Omit}, "Cache-Control", ""},
		{"X-XSS-Protection can be omitted", Options{XSSProtection: Omit}, "X-Xss-Protection", ""},
		{"Origin-Agent-Cluster is off by default", Options{}, "Origin-Agent-Cluster", ""},
		{"Origin-Agent-Cluster can be sent", Options{OriginAgentCluster: "?1"}, "Origin-Agent-Cluster", "?1"},
		{"DNS prefetch control can be sent", Options{DNSPrefetchControl: "off"}, "X-Dns-Prefetch-Control", "off"},
		{"HSTS can be omitted", Options{StrictTransportSecurity: Omit}, "Strict-Transport-Security", ""},
		{"HSTS preload is opt-in", Options{HSTSPreload: true}, "Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"},
		{"HSTS can be cleared with max-age=0", Options{StrictTransportSecurity: "max-age=0"}, "Strict-Transport-Security", "max-age=0"},
		{"reporting endpoints are sent sorted", Options{ReportingEndpoints: map[string]string{"csp": "https://r.example/csp", "b": "/reports"}}, "Reporting-Endpoints", `b="/reports", csp="https://r.example/csp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, _ := serve(newHeaders(t, tc.opts), tlsRequest("GET", "https://a.example/"))
			v, ok := rec.Header()[http.CanonicalHeaderKey(tc.header)]
			if tc.want == "" {
				require.False(t, ok, "%s: %v", tc.header, v)
				return
			}
			require.Equal(t, []string{tc.want}, v)
		})
	}
}

func TestNewRejectsBadValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts Options
	}{
		{"X-XSS-Protection 1; mode=block is refused", Options{XSSProtection: "1; mode=block"}},
		{"X-XSS-Protection 1 is refused", Options{XSSProtection: "1"}},
		{"X-Frame-Options ALLOW-FROM is refused", Options{FrameOptions: "ALLOW-FROM https://a.example"}},
		{"an unknown X-Content-Type-Options is refused", Options{ContentTypeOptions: "sniff"}},
		{"an unknown Referrer-Policy is refused", Options{ReferrerPolicy: "never"}},
		{"an unknown COOP is refused", Options{CrossOriginOpenerPolicy: "same"}},
		{"an unknown CORP is refused", Options{CrossOriginResourcePolicy: "same"}},
		{"an unknown COEP is refused", Options{CrossOriginEmbedderPolicy: "corp"}},
		{"an unknown cross-domain policy is refused", Options{PermittedCrossDomainPolicies: "some"}},
		{"a header value with CRLF is refused", Options{CacheControl: "no-store\r\nSet-Cookie: a=b"}},
		{"a header value with NUL is refused", Options{CacheControl: "no\x00store"}},
		{"a header value with surrounding space is refused", Options{CacheControl: " no-store"}},
		{"a malformed Permissions-Policy is refused", Options{PermissionsPolicy: "camera 'none'"}},
		{"a Feature-Policy style value is refused", Options{PermissionsPolicy: "camera=none"}},
		{"a duplicated permissions feature is refused", Options{PermissionsPolicy: "camera=(), camera=*"}},
		{"HSTS without max-age is refused", Options{StrictTransportSecurity: "includeSubDomains"}},
		{"HSTS with a negative max-age is refused", Options{StrictTransportSecurity: "max-age=-1"}},
		{"HSTS with two max-ages is refused", Options{StrictTransportSecurity: "max-age=1; max-age=2"}},
		{"HSTS with an unknown directive is refused", Options{StrictTransportSecurity: "max-age=1; includeSubdomain"}},
		{"HSTS preload without includeSubDomains is refused", Options{StrictTransportSecurity: "max-age=31536000; preload"}},
		{"HSTS preload with a short max-age is refused", Options{StrictTransportSecurity: "max-age=86400; includeSubDomains; preload"}},
		{"HSTSPreload with a custom value is refused", Options{HSTSPreload: true, StrictTransportSecurity: "max-age=63072000; includeSubDomains"}},
		{"a reporting endpoint over http is refused", Options{ReportingEndpoints: map[string]string{"csp": "http://r.example/"}}},
		{"a reporting endpoint with a quote is refused", Options{ReportingEndpoints: map[string]string{"csp": `https://r.example/"x`}}},
		{"a reporting group with capitals is refused", Options{ReportingEndpoints: map[string]string{"CSP": "/r"}}},
		{"a report-to group must be defined", Options{ContentSecurityPolicy: "default-src 'none'; report-to csp"}},
		{"a RedirectHost without RedirectHTTPS is refused", Options{RedirectHost: "a.example"}},
		{"RedirectHTTPS without a trusted host is refused", Options{RedirectHTTPS: true}},
		{"a RedirectHost with a scheme is refused", Options{RedirectHTTPS: true, RedirectHost: "https://a.example"}},
		{"a RedirectHost with a path is refused", Options{RedirectHTTPS: true, RedirectHost: "a.example/x"}},
		{"a wildcard RedirectHost is refused", Options{RedirectHTTPS: true, RedirectHost: "*.a.example"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := New(tc.opts)
			require.Error(t, err)
			require.Nil(t, h)
			require.True(t, strings.HasPrefix(err.Error(), "headers: "), err.Error())
		})
	}
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	res, err := clientip.New(clientip.Options{TrustedProxies: []netip.Prefix{proxy}})
	require.NoError(t, err)
	plain := newHeaders(t, Options{})
	proxied := newHeaders(t, Options{Resolver: res})

	req := func(tls bool, remote, proto string) *http.Request {
		r := httptest.NewRequest("GET", "http://a.example/", nil)
		if tls {
			r = tlsRequest("GET", "https://a.example/")
		}
		r.RemoteAddr = remote
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		return r
	}
	cases := []struct {
		name string
		h    *Headers
		r    *http.Request
		want bool
	}{
		{"a TLS request gets HSTS", plain, req(true, "192.0.2.1:1234", ""), true},
		{"a plain HTTP request gets no HSTS", plain, req(false, "192.0.2.1:1234", ""), false},
		{"a client's X-Forwarded-Proto is ignored without a resolver", plain, req(false, "10.0.0.1:1234", "https"), false},
		{"a trusted proxy saying https gets HSTS", proxied, req(false, "10.0.0.1:1234", "https"), true},
		{"a trusted proxy saying http gets no HSTS", proxied, req(false, "10.0.0.1:1234", "http"), false},
		{"an untrusted peer saying https gets no HSTS", proxied, req(false, "192.0.2.1:1234", "https"), false},
		{"TLS counts with a resolver too", proxied, req(true, "192.0.2.1:1234", ""), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, _ := serve(tc.h, tc.r)
			_, got := rec.Header()["Strict-Transport-Security"]
			require.Equal(t, tc.want, got)
		})
	}
}

func TestHandlerMayOverrideHeaders(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{})
	rec := httptest.NewRecorder()
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=60")
		w.Header().Add("X-Frame-Options", "SAMEORIGIN")
		w.Header().Del("Content-Security-Policy")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, "public, max-age=60", rec.Header().Get("Cache-Control"))
	require.Equal(t, []string{"DENY", "SAMEORIGIN"}, rec.Header().Values("X-Frame-Options"))
	require.Empty(t, rec.Header().Get("Content-Security-Policy"))

	// The Add above must not have written into the shared precomputed slice.
	rec2, _ := serve(h, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, []string{"DENY"}, rec2.Header().Values("X-Frame-Options"))
	require.Equal(t, "no-store", rec2.Header().Get("Cache-Control"))
}

func TestNoncePerRequest(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{
		ContentSecurityPolicy:           "default-src 'none'; script-src 'self' {nonce}; style-src {nonce}",
		ContentSecurityPolicyReportOnly: "script-src {nonce} 'strict-dynamic'",
	})
	rec1, n1 := serve(h, httptest.NewRequest("GET", "/", nil))
	rec2, n2 := serve(h, httptest.NewRequest("GET", "/", nil))
	require.NotEqual(t, n1, n2, "each response gets a fresh nonce")
	raw, err := base64.StdEncoding.DecodeString(n1)
	require.NoError(t, err)
	require.Len(t, raw, 16, "128 bits")
	require.Equal(t, "default-src 'none'; script-src 'self' 'nonce-"+n1+"'; style-src 'nonce-"+n1+"'",
		rec1.Header().Get("Content-Security-Policy"))
	require.Equal(t, "script-src 'nonce-"+n1+"' 'strict-dynamic'", rec1.Header().Get("Content-Security-Policy-Report-Only"))
	require.Contains(t, rec2.Header().Get("Content-Security-Policy"), n2)
}

func TestNonceIsEmptyWithoutPlaceholder(t *testing.T) {
	t.Parallel()
	_, n := serve(newHeaders(t, Options{}), httptest.NewRequest("GET", "/", nil))
	require.Empty(t, n)
	require.Empty(t, Nonce(httptest.NewRequest("GET", "/", nil).Context()))
}

func TestHTMLAppPreset(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, HTMLApp())
	rec, nonce := serve(h, tlsRequest("GET", "https://www.example.com/"))
	require.NotEmpty(t, nonce)
	csp := rec.Header().Get("Content-Security-Policy")
	require.Equal(t, "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; script-src-attr 'none'; "+
		"style-src 'self' https: 'unsafe-inline'; img-src 'self' data:; font-src 'self' https: data:; "+
		"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'; upgrade-insecure-requests", csp)
	require.Equal(t, "SAMEORIGIN", rec.Header().Get("X-Frame-Options"))
	require.Equal(t, "?1", rec.Header().Get("Origin-Agent-Cluster"))
	require.Equal(t, "off", rec.Header().Get("X-Dns-Prefetch-Control"))
	require.Empty(t, rec.Header().Get("Cache-Control"))
	require.Equal(t, "0", rec.Header().Get("X-Xss-Protection"))
	require.NotEmpty(t, rec.Header().Get("Strict-Transport-Security"))
}

func TestDefaultPathAllocatesNothing(t *testing.T) {
	for _, opts := range []Options{
		{},
		{AllowedHosts: []string{"api.example.com", "*.example.org"}},
		{AllowedHosts: []string{"API.example.com"}, RedirectHTTPS: true},
	} {
		h := newHeaders(t, opts)
		hw := &headerWriter{h: http.Header{}}
		r := tlsRequest("GET", "https://api.example.com/v1/items")
		handler := h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		allocs := testing.AllocsPerRun(200, func() {
			clear(hw.h)
			handler.ServeHTTP(hw, r)
		})
		require.Zero(t, allocs, "%+v", opts)
		require.Equal(t, "nosniff", hw.h.Get("X-Content-Type-Options"))
	}
}

// headerWriter is a ResponseWriter whose header map is reused, so that only
// the middleware's own allocations are counted.
type headerWriter struct {
	h    http.Header
	code int
}

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(code int)        { w.code = code }

func TestReportOnlyNonceWithoutEnforcedPolicy(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{ContentSecurityPolicy: Omit, ContentSecurityPolicyReportOnly: "script-src 'self' {nonce}"})
	rec, n := serve(h, httptest.NewRequest("GET", "/", nil))
	require.Len(t, n, 24)
	require.Empty(t, rec.Header().Values("Content-Security-Policy"))
	require.Equal(t, "script-src 'self' 'nonce-"+n+"'", rec.Header().Get("Content-Security-Policy-Report-Only"))
}

func TestNoncePathAllocationsAreBounded(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h := newHeaders(t, Options{ContentSecurityPolicy: "script-src {nonce}"})
	hw := &headerWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	handler := h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	allocs := testing.AllocsPerRun(200, func() {
		clear(hw.h)
		handler.ServeHTTP(hw, r)
	})
	// The rendered policy, the per-request state, the context value and the
	// request copy.
	require.LessOrEqual(t, allocs, 4.0)
}
