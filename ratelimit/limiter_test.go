package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func mustNew(t testing.TB, opts Options) *Limiter {
	t.Helper()
	l, err := New(opts)
	require.NoError(t, err)
	return l
}

func get(h http.Handler, remote string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"a missing rate is rejected at New", Options{}, "Options.Rate is required"},
		{"a name with a quote is rejected at New", Options{Rate: PerSecond(1), Name: `a"b`}, "Name"},
		{"a name with a space is rejected at New", Options{Rate: PerSecond(1), Name: "a b"}, "Name"},
		{"an over-long name is rejected at New", Options{Rate: PerSecond(1), Name: string(make([]byte, 65))}, "Name longer"},
		{"a negative timeout is rejected at New", Options{Rate: PerSecond(1), Timeout: -time.Second}, "Timeout"},
		{"an unknown header mode is rejected at New", Options{Rate: PerSecond(1), Headers: 9}, "HeaderMode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts)
			require.ErrorContains(t, err, "ratelimit: ")
			require.ErrorContains(t, err, tt.want)
		})
	}
	l := mustNew(t, Options{Rate: PerMinute(5)})
	require.Equal(t, "default", l.Name())
	require.Equal(t, PerMinute(5), l.Rate())
}

func TestRejectionResponse(t *testing.T) {
	t.Parallel()
	rec := audit.NewMemory(10)
	s, _ := newTestStore(t, 0)
	l := mustNew(t, Options{Name: "login", Rate: PerMinute(5), Store: s, Audit: rec})
	h := l.Handler(okHandler)
	for i := range 5 {
		res := get(h, "192.0.2.1:1234")
		require.Equal(t, http.StatusOK, res.Code)
		require.Equal(t, strconv.Itoa(4-i), res.Header().Get("X-RateLimit-Remaining"))
	}
	res := get(h, "192.0.2.1:1234")
	require.Equal(t, http.StatusTooManyRequests, res.Code)
	require.Equal(t, "application/problem+json", res.Header().Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(res.Body.Bytes(), &body))
	require.Equal(t, "rate_limited", body["code"])
	require.EqualValues(t, 429, body["status"])
	require.Equal(t, "12", res.Header().Get("Retry-After"))
	require.Equal(t, "5", res.Header().Get("X-RateLimit-Limit"))
	require.Equal(t, "0", res.Header().Get("X-RateLimit-Remaining"))
	reset, err := strconv.ParseInt(res.Header().Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	require.InDelta(t, time.Now().Add(time.Minute).Unix(), reset, 2)
	require.Equal(t, `"login";q=5;w=60`, res.Header().Get("RateLimit-Policy"))
	require.Equal(t, `"login";r=0;t=12`, res.Header().Get("RateLimit"))

	require.Equal(t, http.StatusOK, get(h, "192.0.2.2:1234").Code, "another client has its own bucket")

	events, err := rec.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	require.Equal(t, audit.ExcessRateLimitExceeded, e.Type)
	require.Equal(t, audit.OutcomeBlocked, e.Outcome)
	require.Equal(t, "ratelimit", e.Source)
	require.Equal(t, "192.0.2.1", e.ClientIP.String())
	require.Equal(t, map[string]string{"policy": "login", "limit": "5", "retry_after": "12"}, e.Details)
}

// sfItem matches one RateLimit or RateLimit-Policy list member of
// draft-ietf-httpapi-ratelimit-headers-11: a String with integer parameters.
var sfItem = regexp.MustCompile(`^"[A-Za-z0-9._-]+"(;[a-z]+=[0-9]+)+$`)

func TestDraftHeaderSyntax(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t, 0)
	l := mustNew(t, Options{Name: "api", Rate: PerSecond(10).WithBurst(20), Store: s, Headers: HeadersDraft})
	h := l.Handler(okHandler)
	res := get(h, "192.0.2.1:1")
	require.Equal(t, `"api";q=20;w=2`, res.Header().Get("RateLimit-Policy"))
	require.Equal(t, `"api";r=19;t=1`, res.Header().Get("RateLimit"))
	require.Empty(t, res.Header().Get("X-RateLimit-Limit"), "HeadersDraft sends no legacy header")
	for range 19 {
		res = get(h, "192.0.2.1:1")
		require.Regexp(t, sfItem, res.Header().Get("RateLimit"))
		require.Regexp(t, sfItem, res.Header().Get("RateLimit-Policy"))
	}
	clock.Advance(50 * time.Millisecond)
	res = get(h, "192.0.2.1:1")
	require.Equal(t, http.StatusTooManyRequests, res.Code)
	require.Equal(t, "1", res.Header().Get("Retry-After"), "50 ms rounds up to one second")
	require.Equal(t, `"api";r=0;t=1`, res.Header().Get("RateLimit"), "t does not end after Retry-After")
}

func TestHeaderModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		mode          HeaderMode
		legacy, draft bool
	}{
		{"HeadersAll sends both sets", HeadersAll, true, true},
		{"HeadersLegacy sends X-RateLimit only", HeadersLegacy, true, false},
		{"HeadersDraft sends RateLimit only", HeadersDraft, false, true},
		{"HeadersNone sends neither", HeadersNone, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := mustNew(t, Options{Rate: Every(time.Hour, 1), Headers: tt.mode}).Handler(okHandler)
			for _, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
				res := get(h, "192.0.2.1:1")
				require.Equal(t, want, res.Code)
				require.Equal(t, tt.legacy, res.Header().Get("X-RateLimit-Limit") != "")
				require.Equal(t, tt.legacy, res.Header().Get("X-RateLimit-Remaining") != "")
				require.Equal(t, tt.legacy, res.Header().Get("X-RateLimit-Reset") != "")
				require.Equal(t, tt.draft, res.Header().Get("RateLimit-Policy") != "")
				require.Equal(t, tt.draft, res.Header().Get("RateLimit") != "")
				require.Equal(t, want == http.StatusTooManyRequests, res.Header().Get("Retry-After") == "3600")
			}
		})
	}
}

func TestCostPerRequest(t *testing.T) {
	t.Parallel()
	rec := audit.NewMemory(10)
	l := mustNew(t, Options{
		Rate:  PerMinute(10),
		Audit: rec,
		Cost: func(r *http.Request) int {
			n, _ := strconv.Atoi(r.Header.Get("Cost"))
			return n
		},
	})
	h := l.Handler(okHandler)
	require.Equal(t, "6", get(h, "192.0.2.1:1", "Cost", "4").Header().Get("X-RateLimit-Remaining"))
	require.Equal(t, "5", get(h, "192.0.2.1:1", "Cost", "0").Header().Get("X-RateLimit-Remaining"), "a cost below 1 counts as 1")
	require.Equal(t, "4", get(h, "192.0.2.1:1", "Cost", "-7").Header().Get("X-RateLimit-Remaining"))

	res := get(h, "192.0.2.1:1", "Cost", "11")
	require.Equal(t, http.StatusTooManyRequests, res.Code, "a cost above the burst is always rejected")
	require.Empty(t, res.Header().Get("Retry-After"), "no wait would help")
	require.Contains(t, res.Body.String(), `"code":"rate_limited"`)
	require.Equal(t, "3", get(h, "192.0.2.1:1", "Cost", "1").Header().Get("X-RateLimit-Remaining"), "and it spent nothing")

	events, err := rec.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, "cost_exceeds_burst", events[0].Details["reason"])
}

func TestExemptRequestsAreNotCounted(t *testing.T) {
	t.Parallel()
	l := mustNew(t, Options{
		Rate:   Every(time.Hour, 1),
		Exempt: func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})
	h := l.Handler(okHandler)
	for range 5 {
		r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, rec.Header().Get("X-RateLimit-Limit"))
	}
	require.Equal(t, http.StatusOK, get(h, "192.0.2.1:1").Code)
	require.Equal(t, http.StatusTooManyRequests, get(h, "192.0.2.1:1").Code)
}

func TestRequestsWithoutAKeyAreNotLimited(t *testing.T) {
	t.Parallel()
	l := mustNew(t, Options{Rate: Every(time.Hour, 1), Key: ByHeader("X-Tenant")})
	h := l.Handler(okHandler)
	for range 3 {
		require.Equal(t, http.StatusOK, get(h, "192.0.2.1:1").Code)
	}
	require.Equal(t, http.StatusOK, get(h, "192.0.2.1:1", "X-Tenant", "acme").Code)
	require.Equal(t, http.StatusTooManyRequests, get(h, "192.0.2.1:1", "X-Tenant", "acme").Code)
	require.Equal(t, http.StatusOK, get(h, "192.0.2.1:1", "X-Tenant", "globex").Code)
}

func TestLimiterAllow(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	l := mustNew(t, Options{Rate: PerMinute(5), Store: s})
	ctx := context.Background()
	d, err := l.Allow(ctx, "k", 2)
	require.NoError(t, err)
	require.Equal(t, Decision{Allowed: true, Limit: 5, Remaining: 3, ResetAfter: 24 * time.Second}, d)
	d, err = l.Allow(ctx, "k", 6)
	require.NoError(t, err)
	require.Equal(t, Decision{Limit: 5, RetryAfter: -1}, d, "a cost above the burst can never pass")
	_, err = l.Allow(ctx, "k", -1)
	require.ErrorIs(t, err, ErrCost)
	d, err = l.AllowRate(ctx, "k", PerMinute(60), 0)
	require.NoError(t, err)
	require.Equal(t, 36, d.Remaining, "the same bucket at another rate: 24 s of debt is 24 tokens at 1/s")
	require.NoError(t, l.Refund(ctx, "k", Rate{}, 2))
	d, err = l.Allow(ctx, "k", 0)
	require.NoError(t, err)
	require.Equal(t, 5, d.Remaining)
	require.ErrorIs(t, l.Refund(ctx, "k", Rate{}, 6), ErrCost)
	require.NoError(t, l.Refund(ctx, "k", Rate{}, 0))
}

func TestAllowAllocatesNothing(t *testing.T) {
	l := mustNew(t, Options{Rate: PerSecond(1000)})
	ctx := context.Background()
	keys := []string{"a", "b", "c"}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		_, _ = l.Allow(ctx, keys[i%3], 1)
		i++
	})
	require.Zero(t, allocs)
}

// failingStore fails every call.
type failingStore struct{ err error }

func (f failingStore) Take(context.Context, string, string, Rate, int) (Decision, error) {
	return Decision{}, f.err
}
func (f failingStore) Refund(context.Context, string, string, Rate, int) error { return f.err }

// stuckStore waits until the context ends.
type stuckStore struct{}

func (stuckStore) Take(ctx context.Context, _, _ string, _ Rate, _ int) (Decision, error) {
	<-ctx.Done()
	return Decision{}, ctx.Err()
}
func (stuckStore) Refund(ctx context.Context, _, _ string, _ Rate, _ int) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestStoreFailurePolicy(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	tests := []struct {
		name     string
		failOpen bool
		code     int
		outcome  audit.Outcome
	}{
		{"a store error fails closed by default with 503", false, http.StatusServiceUnavailable, audit.OutcomeBlocked},
		{"a store error with FailOpen lets the request through", true, http.StatusOK, audit.OutcomeAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := audit.NewMemory(10)
			var gotErr error
			l := mustNew(t, Options{
				Name: "api", Rate: PerSecond(1), Store: failingStore{boom}, FailOpen: tt.failOpen, Audit: rec,
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					gotErr = err
					DefaultErrorHandler(w, r, err)
				},
			})
			res := get(l.Handler(okHandler), "192.0.2.1:1")
			require.Equal(t, tt.code, res.Code)
			if !tt.failOpen {
				require.Contains(t, res.Body.String(), `"code":"rate_limit_unavailable"`)
				require.NotContains(t, res.Body.String(), "refused", "the store error is not echoed")
				require.ErrorIs(t, gotErr, ErrUnavailable)
				require.ErrorIs(t, gotErr, boom)
				var se *StoreError
				require.ErrorAs(t, gotErr, &se)
				require.Equal(t, "api", se.Policy)
			}
			events, err := rec.Query(context.Background(), audit.Filter{})
			require.NoError(t, err)
			require.Len(t, events, 1)
			require.Equal(t, audit.SysStoreError, events[0].Type)
			require.Equal(t, tt.outcome, events[0].Outcome)
			require.Equal(t, audit.SeverityCritical, events[0].Severity)
			require.Equal(t, "connection refused", events[0].Details["error"])
		})
	}
}

func TestStoreTimeoutIsBounded(t *testing.T) {
	t.Parallel()
	l := mustNew(t, Options{Rate: PerSecond(1), Store: stuckStore{}, Timeout: 30 * time.Millisecond})
	start := time.Now()
	res := get(l.Handler(okHandler), "192.0.2.1:1")
	require.Equal(t, http.StatusServiceUnavailable, res.Code)
	require.Less(t, time.Since(start), 2*time.Second)
}

func TestErrorsMatchSentinels(t *testing.T) {
	t.Parallel()
	le := &LimitError{Policy: "login", Decision: Decision{RetryAfter: time.Second}}
	require.ErrorIs(t, le, ErrLimited)
	require.Equal(t, "ratelimit: rate limit login exceeded", le.Error())
	se := &StoreError{Policy: "login", Err: context.DeadlineExceeded}
	require.ErrorIs(t, se, ErrUnavailable)
	require.ErrorIs(t, se, context.DeadlineExceeded)
	require.NotErrorIs(t, se, ErrLimited)
}

func TestCustomErrorHandlerKeepsRetryAfter(t *testing.T) {
	t.Parallel()
	var got *LimitError
	l := mustNew(t, Options{
		Rate: Every(time.Minute, 1),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			require.True(t, errors.As(err, &got))
			w.WriteHeader(http.StatusTeapot)
		},
	})
	h := l.Handler(okHandler)
	get(h, "192.0.2.1:1")
	res := get(h, "192.0.2.1:1")
	require.Equal(t, http.StatusTeapot, res.Code)
	require.Equal(t, "60", res.Header().Get("Retry-After"))
	require.Equal(t, "default", got.Policy)
	require.False(t, got.Decision.Allowed)
}

func TestClientThatWentAwayIsNotAStoreFailure(t *testing.T) {
	t.Parallel()
	rec := audit.NewMemory(4)
	l := mustNew(t, Options{Rate: PerSecond(1), Store: stuckStore{}, Audit: rec})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	l.Handler(okHandler).ServeHTTP(w, r)
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	events, err := rec.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Empty(t, events)
}
