// Package headers_test compares gatehouse/headers with unrolled/secure on the
// same header set and the same requests.
package headers_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/headers"
	"github.com/unrolled/secure"
)

// The header set both implementations send. unrolled/secure cannot send
// Cache-Control, so Gatehouse's is omitted for the comparison.
const (
	csp         = "default-src 'none'; frame-ancestors 'none'"
	cspNonce    = "default-src 'none'; script-src 'self' {nonce}"
	cspNonceURS = "default-src 'none'; script-src 'self' $NONCE"
)

func gatehouseOptions() headers.Options {
	return headers.Options{CacheControl: headers.Omit} // everything else: the defaults, same values as below
}

func secureOptions() secure.Options {
	return secure.Options{
		ContentTypeNosniff:            true,
		FrameDeny:                     true,
		ContentSecurityPolicy:         csp,
		ReferrerPolicy:                "no-referrer",
		CrossOriginOpenerPolicy:       "same-origin",
		CrossOriginResourcePolicy:     "same-origin",
		PermissionsPolicy:             headers.DefaultPermissionsPolicy,
		XPermittedCrossDomainPolicies: "none",
		CustomBrowserXssValue:         "0",
		STSSeconds:                    31536000,
		STSIncludeSubdomains:          true,
	}
}

// writer reuses its header map so that both implementations are measured
// without the map allocation a server makes per response anyway.
type writer struct {
	h    http.Header
	code int
}

func (w *writer) Header() http.Header         { return w.h }
func (w *writer) Write(b []byte) (int, error) { return len(b), nil }
func (w *writer) WriteHeader(code int)        { w.code = code }

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func run(b *testing.B, h http.Handler, r *http.Request) {
	b.Helper()
	w := &writer{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.h.Get("X-Frame-Options") != "DENY" || w.h.Get("Strict-Transport-Security") == "" {
		b.Fatalf("headers missing: %v", w.h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func tlsRequest() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://api.example.com/v1/items?page=2", nil)
	r.TLS = &tls.ConnectionState{}
	return r
}

func gatehouse(b *testing.B, opts headers.Options) http.Handler {
	h, err := headers.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	return h.Handler(noop)
}

func BenchmarkHeaders(b *testing.B) {
	b.Run("default/gatehouse", func(b *testing.B) {
		run(b, gatehouse(b, gatehouseOptions()), tlsRequest())
	})
	b.Run("default/unrolled-secure", func(b *testing.B) {
		run(b, secure.New(secureOptions()).Handler(noop), tlsRequest())
	})

	b.Run("allowed-hosts/gatehouse", func(b *testing.B) {
		o := gatehouseOptions()
		o.AllowedHosts = []string{"www.example.com", "api.example.com"}
		run(b, gatehouse(b, o), tlsRequest())
	})
	b.Run("allowed-hosts/unrolled-secure", func(b *testing.B) {
		o := secureOptions()
		o.AllowedHosts = []string{"www.example.com", "api.example.com"}
		run(b, secure.New(o).Handler(noop), tlsRequest())
	})

	b.Run("csp-nonce/gatehouse", func(b *testing.B) {
		o := gatehouseOptions()
		o.ContentSecurityPolicy = cspNonce
		run(b, gatehouse(b, o), tlsRequest())
	})
	b.Run("csp-nonce/unrolled-secure", func(b *testing.B) {
		o := secureOptions()
		o.ContentSecurityPolicy = cspNonceURS
		run(b, secure.New(o).Handler(noop), tlsRequest())
	})
}

// TestSameHeaderSet guards the comparison: both send the same headers with
// the same values on the default case.
func TestSameHeaderSet(t *testing.T) {
	g, err := headers.New(gatehouseOptions())
	if err != nil {
		t.Fatal(err)
	}
	a, b := &writer{h: http.Header{}}, &writer{h: http.Header{}}
	g.Handler(noop).ServeHTTP(a, tlsRequest())
	secure.New(secureOptions()).Handler(noop).ServeHTTP(b, tlsRequest())
	if len(a.h) != len(b.h) {
		t.Fatalf("gatehouse sends %d headers, unrolled/secure %d:\n%v\n%v", len(a.h), len(b.h), a.h, b.h)
	}
	for k, v := range a.h {
		if b.h.Get(k) != v[0] {
			t.Errorf("%s: gatehouse %q, unrolled/secure %q", k, v[0], b.h.Get(k))
		}
	}
}
