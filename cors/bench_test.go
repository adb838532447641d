package cors

import (
	"net/http"
	"strings"
	"testing"
)

// The same cases run side by side with rs/cors in bench/cors.
func BenchmarkCORS(b *testing.B) {
	c, err := New(Options{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET", "POST", "PUT"},
		AllowedHeaders: []string{"Content-Type", "X-Request-Id"},
	})
	if err != nil {
		b.Fatal(err)
	}
	h := c.Handler(noop)
	cases := []struct {
		name string
		r    *http.Request
	}{
		{"actual-allowed", request("GET", "https://app.example.com")},
		{"actual-denied", request("GET", "https://evil.example")},
		{"actual-no-origin", request("GET", "")},
		{"preflight", request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type,x-request-id")},
		{"preflight-denied", request("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "PUT")},
		{"preflight-adversarial-acrh", request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", strings.Repeat(",", 1000))},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/gatehouse", func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, tc.r)
			}
		})
	}
}
