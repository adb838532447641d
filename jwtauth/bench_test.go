package jwtauth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/jwtauth"
)

func benchAuth(b *testing.B, k *jwtauth.Key, cache int) (*jwtauth.Auth[AppClaims], string) {
	c := newClock()
	a := newAuth(b, c, func(o *jwtauth.Options[AppClaims]) { o.Keys = mustSet(b, k); o.CacheSize = cache; o.Now = nil })
	p, err := a.Issue(context.Background(), user("alice", "read write", "user"))
	if err != nil {
		b.Fatal(err)
	}
	return a, p.AccessToken
}

func BenchmarkVerify(b *testing.B) {
	testKeys(b)
	for _, tc := range []struct {
		name  string
		key   *jwtauth.Key
		cache int
	}{
		{"HS256", mustKey(b, "k", jwtauth.HS256, hmacKey1), 0},
		{"RS256", mustKey(b, "k", jwtauth.RS256, rsaKey), 0},
		{"ES256", mustKey(b, "k", jwtauth.ES256, ecKey), 0},
		{"EdDSA", mustKey(b, "k", jwtauth.EdDSA, edKey), 0},
		{"ES256-cached", mustKey(b, "k", jwtauth.ES256, ecKey), 1024},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, tok := benchAuth(b, tc.key, tc.cache)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMiddleware(b *testing.B) {
	a, tok := benchAuth(b, mustKey(b, "k", jwtauth.HS256, hmacKey1), 0)
	h := a.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tc := range []struct{ name, tok string }{
		{"valid-HS256", tok},
		{"1MiB-token", strings.Repeat("a", 1<<20)},
		{"dots", strings.Repeat(".", 8000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tc.tok)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}
