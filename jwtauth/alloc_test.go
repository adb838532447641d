package jwtauth_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// discard is a ResponseWriter that keeps nothing, so that only the
// middleware's own allocations are counted.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func TestHugeAndDottedTokensAreRefusedWithConstantAllocations(t *testing.T) {
	c := newClock()
	a := newAuth(t, c, nil)
	ctx := context.Background()
	inputs := map[string]string{
		"1 MiB token":          strings.Repeat("a", 1<<20),
		"1 MiB of dots":        strings.Repeat(".", 1<<20),
		"a header of dots":     strings.Repeat(".", 8000),
		"dots after a segment": "eyJhbGciOiJIUzI1NiJ9" + strings.Repeat(".", 8000),
	}
	for name, tok := range inputs {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() { _, _ = a.Verify(ctx, tok) })
			require.Zero(t, allocs, "Verify allocates nothing to refuse it")

			h := a.Handler(whoami)
			r, _ := http.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			w := &discard{h: http.Header{}}
			h.ServeHTTP(w, r) // warm the header map
			allocs = testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
			require.Zero(t, allocs, "the middleware refuses it with O(1) allocations")
		})
	}
}
