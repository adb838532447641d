package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func TestAllValidatesLimiters(t *testing.T) {
	t.Parallel()
	a := mustNew(t, Options{Name: "a", Rate: PerSecond(1)})
	a2 := mustNew(t, Options{Name: "a", Rate: PerSecond(2)})
	tests := []struct {
		name     string
		limiters []*Limiter
		want     string
	}{
		{"no limiter is rejected", nil, "at least one"},
		{"a nil limiter is rejected", []*Limiter{a, nil}, "nil limiter"},
		{"two limiters with one name are rejected", []*Limiter{a, a2}, "share the name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := All(tt.limiters...)
			require.ErrorContains(t, err, "ratelimit: ")
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRequestRejectedByOneLimitSpendsNothingFromTheOthers(t *testing.T) {
	t.Parallel()
	rec := audit.NewMemory(10)
	perIP := mustNew(t, Options{Name: "ip", Rate: PerMinute(10)})
	perUser := mustNew(t, Options{Name: "user", Rate: PerMinute(2), Key: ByContext(fromCtx("user")), Audit: rec})
	g, err := All(perIP, perUser)
	require.NoError(t, err)
	h := g.Handler(okHandler)
	do := func(user string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.1:1"
		if user != "" {
			r = withValue(r, "user", user)
		}
		res := httptest.NewRecorder()
		h.ServeHTTP(res, r)
		return res
	}
	res := do("alice")
	require.Equal(t, http.StatusOK, res.Code)
	require.Equal(t, []string{`"ip";q=10;w=60`, `"user";q=2;w=60`}, res.Header().Values("RateLimit-Policy"))
	require.Equal(t, []string{`"ip";r=9;t=6`, `"user";r=1;t=30`}, res.Header().Values("RateLimit"))
	require.Equal(t, "1", res.Header().Get("X-RateLimit-Remaining"), "X-RateLimit-* follows the tightest limit")
	require.Equal(t, "2", res.Header().Get("X-RateLimit-Limit"))

	require.Equal(t, http.StatusOK, do("alice").Code)
	for range 5 {
		res := do("alice")
		require.Equal(t, http.StatusTooManyRequests, res.Code)
		require.Equal(t, `"user";q=2;w=60`, res.Header().Get("RateLimit-Policy"))
	}
	d, err := perIP.Allow(context.Background(), ipKey(netipAddr("192.0.2.1")), 0)
	require.NoError(t, err)
	require.Equal(t, 8, d.Remaining, "the per-IP bucket holds only the two admitted requests")

	// Anonymous requests pass the per-user limit untouched and spend per IP.
	require.Equal(t, http.StatusOK, do("").Code)
	events, err := rec.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, events, 5)
	require.Equal(t, "user", events[0].Details["policy"])
}

func TestGroupFailurePolicyIsPerLimiter(t *testing.T) {
	t.Parallel()
	boom := errors.New("down")
	first := mustNew(t, Options{Name: "first", Rate: Every(time.Hour, 1)})
	open := mustNew(t, Options{Name: "open", Rate: PerSecond(1), Store: failingStore{boom}, FailOpen: true})
	closed := mustNew(t, Options{Name: "closed", Rate: PerSecond(1), Store: failingStore{boom}})

	g, err := All(first, open)
	require.NoError(t, err)
	res := get(g.Handler(okHandler), "192.0.2.1:1")
	require.Equal(t, http.StatusOK, res.Code, "a fail-open limiter lets the request through")
	require.Equal(t, []string{`"first";q=1;w=3600`}, res.Header().Values("RateLimit-Policy"))

	g, err = All(first, closed)
	require.NoError(t, err)
	res = get(g.Handler(okHandler), "192.0.2.2:1")
	require.Equal(t, http.StatusServiceUnavailable, res.Code)
	d, err := first.Allow(context.Background(), ipKey(netipAddr("192.0.2.2")), 0)
	require.NoError(t, err)
	require.Equal(t, 1, d.Remaining, "the failed request's token was refunded")
}

func TestGroupOfLegacyAndDraftHeaderModes(t *testing.T) {
	t.Parallel()
	a := mustNew(t, Options{Name: "a", Rate: PerMinute(3), Headers: HeadersDraft})
	b := mustNew(t, Options{Name: "b", Rate: PerMinute(30), Headers: HeadersLegacy})
	c := mustNew(t, Options{Name: "c", Rate: PerMinute(30), Headers: HeadersNone})
	g, err := All(a, b, c)
	require.NoError(t, err)
	res := get(g.Handler(okHandler), "192.0.2.1:1")
	require.Equal(t, http.StatusOK, res.Code)
	require.Equal(t, []string{`"a";q=3;w=60`}, res.Header().Values("RateLimit-Policy"))
	require.Equal(t, "30", res.Header().Get("X-RateLimit-Limit"), "only b sends legacy headers")
	require.Equal(t, "29", res.Header().Get("X-RateLimit-Remaining"))
}
