package prommetrics

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func newRecorder(t testing.TB, opts RecorderOptions) (*Recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r, err := NewRecorder(reg, opts)
	require.NoError(t, err)
	return r, reg
}

func TestRecorderCountsEventsByTypeSeverityAndOutcome(t *testing.T) {
	t.Parallel()
	rec, reg := newRecorder(t, RecorderOptions{})
	ctx := context.Background()
	for range 3 {
		rec.Record(ctx, audit.Event{Type: audit.AuthnLoginFail, Severity: audit.SeverityWarn, Outcome: audit.OutcomeFailure})
	}
	rec.Record(ctx, audit.Event{Type: audit.ExcessRateLimitExceeded, Severity: audit.SeverityWarn, Outcome: audit.OutcomeBlocked})
	rec.Record(ctx, audit.Event{Type: "made_up_by_an_app", Severity: 42, Outcome: "weird"})
	rec.Record(ctx, audit.Event{Type: audit.AuthnTokenCreated})

	require.Equal(t, 3.0, testutil.ToFloat64(rec.events.WithLabelValues("authn_login_fail", "warn", "failure")))
	require.Equal(t, 1.0, testutil.ToFloat64(rec.events.WithLabelValues("excess_rate_limit_exceeded", "warn", "blocked")))
	require.Equal(t, 1.0, testutil.ToFloat64(rec.events.WithLabelValues("other", "critical", "other")), "unknown values fold into fixed labels")
	require.Equal(t, 1.0, testutil.ToFloat64(rec.events.WithLabelValues("authn_token_created", "info", "none")))
	require.Equal(t, 4, testutil.CollectAndCount(rec.events), "only combinations seen are exported")

	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestRecorderCountsStoreErrorsByPackageAndPolicy(t *testing.T) {
	t.Parallel()
	rec, _ := newRecorder(t, RecorderOptions{})
	ctx := context.Background()
	rec.Record(ctx, audit.Event{Type: audit.SysStoreError, Severity: audit.SeverityCritical, Outcome: audit.OutcomeBlocked, Source: "ratelimit"})
	rec.Record(ctx, audit.Event{Type: audit.SysStoreError, Severity: audit.SeverityCritical, Outcome: audit.OutcomeAllowed, Source: "ratelimit"})
	rec.Record(ctx, audit.Event{Type: audit.SysStoreError, Severity: audit.SeverityCritical, Outcome: audit.OutcomeFailure, Source: "someone-elses"})
	require.Equal(t, 1.0, testutil.ToFloat64(rec.storeErrors.WithLabelValues("ratelimit", "fail_closed")))
	require.Equal(t, 1.0, testutil.ToFloat64(rec.storeErrors.WithLabelValues("ratelimit", "fail_open")))
	require.Equal(t, 1.0, testutil.ToFloat64(rec.storeErrors.WithLabelValues("other", "error")))
	require.Equal(t, 3.0, testutil.ToFloat64(rec.events.WithLabelValues("sys_store_error", "critical", "blocked"))+
		testutil.ToFloat64(rec.events.WithLabelValues("sys_store_error", "critical", "allowed"))+
		testutil.ToFloat64(rec.events.WithLabelValues("sys_store_error", "critical", "failure")))
}

func TestRecorderExportsQueueDrops(t *testing.T) {
	t.Parallel()
	var dropped uint64 = 7
	_, reg := newRecorder(t, RecorderOptions{Dropped: func() uint64 { return dropped }})
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP gatehouse_audit_dropped_total Audit events dropped because the asynchronous queue was full or closed.
# TYPE gatehouse_audit_dropped_total counter
gatehouse_audit_dropped_total 7
`), "gatehouse_audit_dropped_total"))
}

func TestRecorderRejectsNilRegistererAndDoubleRegistration(t *testing.T) {
	t.Parallel()
	_, err := NewRecorder(nil, RecorderOptions{})
	require.ErrorContains(t, err, "prommetrics: nil Registerer")
	reg := prometheus.NewRegistry()
	_, err = NewRecorder(reg, RecorderOptions{})
	require.NoError(t, err)
	_, err = NewRecorder(reg, RecorderOptions{})
	require.ErrorContains(t, err, "prommetrics: ")
}

func TestRecorderComposesWithOtherRecorders(t *testing.T) {
	t.Parallel()
	rec, _ := newRecorder(t, RecorderOptions{})
	ring := audit.NewMemory(10)
	audit.Multi(rec, ring).Record(context.Background(), audit.Event{Type: audit.AuthzFail, Severity: audit.SeverityWarn, Outcome: audit.OutcomeBlocked})
	require.Equal(t, 1, ring.Len())
	require.Equal(t, 1.0, testutil.ToFloat64(rec.events.WithLabelValues("authz_fail", "warn", "blocked")))
}

func TestRecordAllocatesNothingOnceSeen(t *testing.T) {
	rec, _ := newRecorder(t, RecorderOptions{})
	e := audit.Event{Type: audit.AuthnLoginFail, Severity: audit.SeverityWarn, Outcome: audit.OutcomeFailure}
	ctx := context.Background()
	rec.Record(ctx, e)
	require.Zero(t, testing.AllocsPerRun(1000, func() { rec.Record(ctx, e) }))
}

func BenchmarkRecord(b *testing.B) {
	rec, _ := newRecorder(b, RecorderOptions{})
	e := audit.Event{Type: audit.AuthnLoginFail, Severity: audit.SeverityWarn, Outcome: audit.OutcomeFailure}
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec.Record(ctx, e)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rec.Record(ctx, e)
			}
		})
	})
}

func newMiddleware(t testing.TB, opts MiddlewareOptions) (*Middleware, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMiddleware(reg, opts)
	require.NoError(t, err)
	return m, reg
}

// cloning stands for any middleware (clientip, request id, auth) that
// passes a copy of the request down the chain.
func cloning(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), struct{ k int }{1}, "v")))
	})
}

func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "0" {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) })
	mux.HandleFunc("/custom", func(w http.ResponseWriter, r *http.Request) { SetRoute(r, "custom-handler") })
	return mux
}

func TestMiddlewareLabelsByPatternMethodAndClass(t *testing.T) {
	t.Parallel()
	m, reg := newMiddleware(t, MiddlewareOptions{})
	h := m.Handler(cloning(CaptureRoute(testMux())))
	do := func(method, target string) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec.Code
	}
	require.Equal(t, 200, do("GET", "/api/users/7"))
	require.Equal(t, 200, do("GET", "/api/users/8?x=1"))
	require.Equal(t, 404, do("GET", "/api/users/0"))
	require.Equal(t, 201, do("POST", "/api/chat"))
	require.Equal(t, 404, do("GET", "/nope/123"))
	require.Equal(t, 200, do("BREW", "/custom"))

	count := func(route, method, class string) float64 {
		return testutil.ToFloat64(m.requests.WithLabelValues(route, method, class))
	}
	require.Equal(t, 2.0, count("GET /api/users/{id}", "GET", "2xx"), "the pattern, not the path")
	require.Equal(t, 1.0, count("GET /api/users/{id}", "GET", "4xx"))
	require.Equal(t, 1.0, count("POST /api/chat", "POST", "2xx"))
	require.Equal(t, 1.0, count(UnmatchedRoute, "GET", "4xx"), "unmatched paths fold into one label")
	require.Equal(t, 1.0, count("custom-handler", "other", "2xx"), "unknown methods fold into other")
	require.Zero(t, testutil.ToFloat64(m.inFlight))

	problems, err := testutil.GatherAndLint(reg)
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestMiddlewareCountsRejectionsBeforeTheRouter(t *testing.T) {
	t.Parallel()
	m, _ := newMiddleware(t, MiddlewareOptions{})
	limiter := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
		})
	}
	h := m.Handler(limiter(CaptureRoute(testMux())))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/chat", nil))
	require.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues(UnmatchedRoute, "POST", "4xx")))
}

func TestMiddlewareCountsAPanicAsServerErrorAndRepanics(t *testing.T) {
	t.Parallel()
	m, _ := newMiddleware(t, MiddlewareOptions{})
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	require.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
	require.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues(UnmatchedRoute, "GET", "5xx")))
	require.Zero(t, testutil.ToFloat64(m.inFlight))
}

func TestMiddlewareKeepsFlusherReachable(t *testing.T) {
	t.Parallel()
	m, _ := newMiddleware(t, MiddlewareOptions{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, http.NewResponseController(w).Flush())
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	require.True(t, rec.Flushed)
}

func TestMiddlewareOptionsAreValidated(t *testing.T) {
	t.Parallel()
	_, err := NewMiddleware(prometheus.NewRegistry(), MiddlewareOptions{Buckets: []float64{1, 0.5}})
	require.ErrorContains(t, err, "strictly increasing")
	_, err = NewMiddleware(prometheus.NewRegistry(), MiddlewareOptions{MaxRoutes: -1})
	require.Error(t, err)
	_, err = NewMiddleware(nil, MiddlewareOptions{})
	require.Error(t, err)
	_, err = NewMiddleware(prometheus.NewRegistry(), MiddlewareOptions{NativeHistogram: true})
	require.NoError(t, err)
}

func TestMiddlewareFoldsRoutesBeyondTheBound(t *testing.T) {
	t.Parallel()
	m, _ := newMiddleware(t, MiddlewareOptions{MaxRoutes: 2})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetRoute(r, r.URL.Path) // a route function that leaks raw paths
	}))
	for i := range 50 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", fmt.Sprintf("/leak/%d", i), nil))
	}
	require.Equal(t, 3, testutil.CollectAndCount(m.requests), "two routes and other")
	require.Equal(t, 48.0, testutil.ToFloat64(m.requests.WithLabelValues("other", "GET", "2xx")))
}

// TestSeriesStayBoundedUnderHostileTraffic drives 10,000 requests with
// distinct paths, query strings, user ids and client addresses, and events
// with distinct actors and details, and checks the series count against
// routes x methods x status classes and event types x severities x outcomes.
func TestSeriesStayBoundedUnderHostileTraffic(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := NewMiddleware(reg, MiddlewareOptions{})
	require.NoError(t, err)
	rec, err := NewRecorder(reg, RecorderOptions{})
	require.NoError(t, err)
	mux := testMux()
	h := m.Handler(cloning(CaptureRoute(mux)))
	methodsUsed := []string{"GET", "POST", "DELETE", "PROPFIND", "X-" + "EVIL"}
	eventTypes := []audit.Type{audit.AuthnLoginFail, audit.ExcessRateLimitExceeded, audit.MaliciousCSRF, "attacker_chosen_type"}
	for i := range 10000 {
		target := fmt.Sprintf("/api/users/%d?user=%d&q=%x", i, i*7, i*31)
		if i%3 == 0 {
			target = fmt.Sprintf("/random/%d/path", i)
		}
		r := httptest.NewRequest(methodsUsed[i%len(methodsUsed)], target, nil)
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1234", i>>16&255, i>>8&255, i&255)
		h.ServeHTTP(httptest.NewRecorder(), r)
		rec.Record(context.Background(), audit.Event{
			Type: eventTypes[i%len(eventTypes)], Severity: audit.Severity(i % 5), Outcome: audit.Outcome(fmt.Sprint(i % 9)),
			Actor: fmt.Sprintf("user-%d", i), Path: target, Details: map[string]string{"i": fmt.Sprint(i)},
		})
	}
	routes := 3 + 1 // three mux patterns and "unmatched"
	require.LessOrEqual(t, testutil.CollectAndCount(m.requests), routes*len(methods)*len(classes))
	require.LessOrEqual(t, testutil.CollectAndCount(rec.events), (len(audit.KnownTypes())+1)*severities*outcomes)
	// Concretely: no label value anywhere contains a path, a user id or an address.
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				require.NotContains(t, l.GetValue(), "user-")
				require.NotContains(t, l.GetValue(), "/random/")
				require.NotContains(t, l.GetValue(), "10.")
				require.NotRegexp(t, `/api/users/\d`, l.GetValue())
			}
		}
	}
}

func BenchmarkMiddleware(b *testing.B) {
	m, _ := newMiddleware(b, MiddlewareOptions{})
	h := m.Handler(CaptureRoute(testMux()))
	r := httptest.NewRequest("GET", "/api/users/7", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
