package headers

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/stretchr/testify/require"
)

func TestHTTPSRedirect(t *testing.T) {
	t.Parallel()
	res, err := clientip.New(clientip.Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	require.NoError(t, err)
	configured := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com"})
	fromAllowed := newHeaders(t, Options{RedirectHTTPS: true, AllowedHosts: []string{"www.example.com", "*.example.org"}})
	withPort := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com:8443"})
	proxied := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com", Resolver: res})
	always308 := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com", RedirectStatus: http.StatusPermanentRedirect})

	type want struct {
		code     int
		location string
	}
	cases := []struct {
		name    string
		h       *Headers
		method  string
		target  string
		host    string
		remote  string
		headers map[string]string
		want    want
	}{
		{"a GET is redirected with 301 keeping path and query", configured, "GET", "/a/b?x=1&y=%20", "", "", nil,
			want{301, "https://www.example.com/a/b?x=1&y=%20"}},
		{"a HEAD is redirected with 301", configured, "HEAD", "/", "", "", nil, want{301, "https://www.example.com/"}},
		{"a POST is redirected with 308 to keep method and body", configured, "POST", "/orders", "", "", nil,
			want{308, "https://www.example.com/orders"}},
		{"a DELETE is redirected with 308", configured, "DELETE", "/orders/1", "", "", nil, want{308, "https://www.example.com/orders/1"}},
		{"X-Forwarded-Host never reaches the Location", configured, "GET", "/", "", "", map[string]string{"X-Forwarded-Host": "evil.com"},
			want{301, "https://www.example.com/"}},
		{"a forged Host never reaches the configured Location", configured, "GET", "/", "evil.com", "", nil,
			want{301, "https://www.example.com/"}},
		{"a GET gets 308 when RedirectStatus asks for it", always308, "GET", "/a?b=1", "", "", nil, want{308, "https://www.example.com/a?b=1"}},
		{"a POST gets 308 with RedirectStatus too", always308, "POST", "/a", "", "", nil, want{308, "https://www.example.com/a"}},
		{"the configured port is kept", withPort, "GET", "/x", "", "", nil, want{301, "https://www.example.com:8443/x"}},
		{"an allowed Host is used without its port", fromAllowed, "GET", "/x", "www.example.com:8080", "", nil,
			want{301, "https://www.example.com/x"}},
		{"an allowed wildcard Host is used", fromAllowed, "GET", "/", "a.example.org", "", nil, want{301, "https://a.example.org/"}},
		{"a forged Host is refused before any redirect", fromAllowed, "GET", "/", "evil.com", "", nil, want{400, ""}},
		{"X-Forwarded-Host cannot steer an allowed-host redirect", fromAllowed, "GET", "/", "www.example.com", "",
			map[string]string{"X-Forwarded-Host": "evil.com"}, want{301, "https://www.example.com/"}},
		{"a scheme-relative path stays on the host", configured, "GET", "//evil.com/x", "", "", nil,
			want{301, "https://www.example.com//evil.com/x"}},
		{"a client's X-Forwarded-Proto does not skip the redirect", configured, "GET", "/", "", "192.0.2.1:1",
			map[string]string{"X-Forwarded-Proto": "https"}, want{301, "https://www.example.com/"}},
		{"a trusted proxy's X-Forwarded-Proto https is not redirected", proxied, "GET", "/", "", "10.1.2.3:1",
			map[string]string{"X-Forwarded-Proto": "https"}, want{200, ""}},
		{"a trusted proxy's plain http is redirected", proxied, "GET", "/", "", "10.1.2.3:1",
			map[string]string{"X-Forwarded-Proto": "http"}, want{301, "https://www.example.com/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Host = "www.example.com"
			if tc.host != "" {
				r.Host = tc.host
			}
			if tc.remote != "" {
				r.RemoteAddr = tc.remote
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			rec, _ := serve(tc.h, r)
			require.Equal(t, tc.want.code, rec.Code)
			require.Equal(t, tc.want.location, rec.Header().Get("Location"))
			if tc.want.code != http.StatusOK {
				require.Empty(t, rec.Header().Get("Strict-Transport-Security"), "no HSTS over plain HTTP")
			} else {
				require.NotEmpty(t, rec.Header().Get("Strict-Transport-Security"), "HSTS when a trusted proxy saw HTTPS")
			}
		})
	}
}

func TestTLSRequestsAreNotRedirected(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com"})
	rec, _ := serve(h, tlsRequest("POST", "https://www.example.com/x"))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Empty(t, rec.Header().Get("Location"))
	require.NotEmpty(t, rec.Header().Get("Strict-Transport-Security"))
}

func TestRedirectDropsAnUnsafeQuery(t *testing.T) {
	t.Parallel()
	h := newHeaders(t, Options{RedirectHTTPS: true, RedirectHost: "www.example.com"})
	r := httptest.NewRequest("GET", "/p", nil)
	r.URL.RawQuery = "a=1\r\nSet-Cookie: x=y"
	rec, _ := serve(h, r)
	require.Equal(t, "https://www.example.com/p", rec.Header().Get("Location"))
}

func TestRedirectStatusIsValidated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"a 302 redirect status is refused", Options{RedirectHTTPS: true, RedirectHost: "a.example", RedirectStatus: http.StatusFound}},
		{"a 301-for-all redirect status is refused", Options{RedirectHTTPS: true, RedirectHost: "a.example", RedirectStatus: http.StatusMovedPermanently}},
		{"a redirect status without RedirectHTTPS is refused", Options{RedirectStatus: http.StatusPermanentRedirect}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.opts)
			require.ErrorContains(t, err, "headers: Redirect")
		})
	}
}
