// Package cors_test compares the cors package with github.com/rs/cors
// v1.11.1: the same configuration, the same requests and the same response
// writer (its header map reused and cleared between iterations) for both.
package cors_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/cors"
	rscors "github.com/rs/cors"
	"github.com/stretchr/testify/require"
)

var (
	origins = []string{"https://app.example.com"}
	methods = []string{http.MethodGet, http.MethodPost, http.MethodPut}
	headers = []string{"Content-Type", "X-Request-Id"}
)

func gatehouse(tb testing.TB) http.Handler {
	c, err := cors.New(cors.Options{AllowedOrigins: origins, AllowedMethods: methods, AllowedHeaders: headers})
	require.NoError(tb, err)
	return c.Handler(noop)
}

func rsCORS() http.Handler {
	return rscors.New(rscors.Options{AllowedOrigins: origins, AllowedMethods: methods, AllowedHeaders: headers}).Handler(noop)
}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

type benchCase struct {
	name   string
	r      *http.Request
	status int    // expected status (the no-op handler leaves 0 on actual requests)
	acao   string // expected Access-Control-Allow-Origin
}

func cases() []benchCase {
	req := func(method, origin string, kv ...string) *http.Request {
		r := httptest.NewRequest(method, "http://api.example.com/v1/items", nil)
		r.Header.Set("Origin", origin)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Set(kv[i], kv[i+1])
		}
		return r
	}
	return []benchCase{
		{"actual-allowed", req("GET", "https://app.example.com"), 0, "https://app.example.com"},
		{"actual-denied", req("GET", "https://evil.example"), 0, ""},
		{"preflight", req("OPTIONS", "https://app.example.com",
			"Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-request-id"), 204, "https://app.example.com"},
		{"preflight-adversarial-acrh", req("OPTIONS", "https://app.example.com",
			"Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", strings.Repeat(",", 1000)), -1, ""},
	}
}

// writer is a ResponseWriter whose header map is reused, so that the
// allocations measured are the middleware's own.
type writer struct {
	h      http.Header
	status int
}

func (w *writer) Header() http.Header         { return w.h }
func (w *writer) Write(b []byte) (int, error) { return len(b), nil }
func (w *writer) WriteHeader(s int)           { w.status = s }
func (w *writer) reset()                      { clear(w.h); w.status = 0 }

func BenchmarkCORS(b *testing.B) {
	impls := []struct {
		name string
		h    http.Handler
	}{{"gatehouse", gatehouse(b)}, {"rs-cors", rsCORS()}}
	for _, tc := range cases() {
		for _, impl := range impls {
			b.Run(tc.name+"/"+impl.name, func(b *testing.B) {
				w := &writer{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					w.reset()
					impl.h.ServeHTTP(w, tc.r)
				}
			})
		}
	}
}

// TestCasesAgree checks that both implementations reach the same decision on
// every benchmarked request, so that the benchmark compares equal work. On
// the adversarial preflight both refuse: rs/cors answers 204 without CORS
// headers, Gatehouse 403.
func TestCasesAgree(t *testing.T) {
	for _, tc := range cases() {
		for name, h := range map[string]http.Handler{"gatehouse": gatehouse(t), "rs-cors": rsCORS()} {
			w := &writer{h: http.Header{}}
			h.ServeHTTP(w, tc.r)
			require.Equal(t, tc.acao, w.h.Get("Access-Control-Allow-Origin"), "%s %s", tc.name, name)
			if tc.status >= 0 {
				require.Equal(t, tc.status, w.status, "%s %s", tc.name, name)
			}
		}
	}
}
