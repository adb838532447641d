// Package csrf_test compares gatehouse/csrf's Fetch-metadata protection with
// net/http's CrossOriginProtection on the same requests.
package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/csrf"
)

const trusted = "https://app.example.com"

type checker interface{ Check(*http.Request) error }

func gatehouse(b *testing.B) *csrf.Protection {
	p, err := csrf.New(csrf.Options{TrustedOrigins: []string{trusted}})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func netHTTP(b *testing.B) *http.CrossOriginProtection {
	p := http.NewCrossOriginProtection()
	if err := p.AddTrustedOrigin(trusted); err != nil {
		b.Fatal(err)
	}
	return p
}

func request(sfs, origin string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://api.example.com/orders", nil)
	if sfs != "" {
		r.Header.Set("Sec-Fetch-Site", sfs)
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

func runCheck(b *testing.B, c checker, r *http.Request, wantErr bool) {
	b.Helper()
	if err := c.Check(r); (err != nil) != wantErr {
		b.Fatalf("Check = %v, want error %v", err, wantErr)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = c.Check(r)
	}
}

type writer struct{ h http.Header }

func (w *writer) Header() http.Header         { return w.h }
func (w *writer) Write(b []byte) (int, error) { return len(b), nil }
func (w *writer) WriteHeader(int)             {}

func runHandler(b *testing.B, h http.Handler, r *http.Request) {
	b.Helper()
	w := &writer{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkCSRF(b *testing.B) {
	cases := []struct {
		name        string
		sfs, origin string
		wantErr     bool
	}{
		{"same-origin", "same-origin", "https://api.example.com", false},
		{"cross-site-rejected", "cross-site", "https://evil.example", true},
		{"trusted-origin", "cross-site", trusted, false},
		{"origin-fallback", "", "https://api.example.com", false},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/gatehouse", func(b *testing.B) {
			runCheck(b, gatehouse(b), request(tc.sfs, tc.origin), tc.wantErr)
		})
		b.Run(tc.name+"/net-http", func(b *testing.B) {
			runCheck(b, netHTTP(b), request(tc.sfs, tc.origin), tc.wantErr)
		})
	}
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	b.Run("handler-same-origin/gatehouse", func(b *testing.B) {
		runHandler(b, gatehouse(b).Handler(noop), request("same-origin", ""))
	})
	b.Run("handler-same-origin/net-http", func(b *testing.B) {
		runHandler(b, netHTTP(b).Handler(noop), request("same-origin", ""))
	})
}
