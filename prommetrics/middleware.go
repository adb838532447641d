package prommetrics

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// UnmatchedRoute is the route label of requests that no route claimed: 404s,
// and requests rejected by a middleware before the router saw them.
const UnmatchedRoute = "unmatched"

// MiddlewareOptions configures Middleware.
type MiddlewareOptions struct {
	// Buckets are the latency histogram's classic buckets, in seconds.
	// Default: 1 ms to 10 s, roughly doubling.
	Buckets []float64

	// NativeHistogram also records the latency as a native (sparse)
	// histogram with a bucket factor of 1.1, for Prometheus servers that
	// scrape them. Default false.
	NativeHistogram bool

	// MaxRoutes bounds how many distinct route label values are kept; any
	// further route is counted as "other". Default 256. Route values come
	// from registered ServeMux patterns or names the application sets, so
	// the bound only guards against a route function that leaks raw paths.
	MaxRoutes int
}

var defaultBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Middleware counts requests by route, method and status class, observes
// their latency, and tracks how many are in flight. Safe for concurrent use.
//
// The route label is the ServeMux pattern that served the request, captured
// by CaptureRoute around the mux, or a name set with SetRoute. It is never
// the raw path: a request that no route claimed is "unmatched".
type Middleware struct {
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	maxRoutes int

	mu     sync.RWMutex
	series map[seriesKey]*series
	routes map[string]struct{}
}

type seriesKey struct {
	route  string
	method uint8
	class  uint8
}

type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// NewMiddleware registers the HTTP metrics on reg.
func NewMiddleware(reg prometheus.Registerer, opts MiddlewareOptions) (*Middleware, error) {
	if reg == nil {
		return nil, fmt.Errorf("prommetrics: nil Registerer")
	}
	buckets := opts.Buckets
	if len(buckets) == 0 {
		buckets = defaultBuckets
	}
	for i := 1; i < len(buckets); i++ {
		if buckets[i] <= buckets[i-1] {
			return nil, fmt.Errorf("prommetrics: buckets must be strictly increasing")
		}
	}
	if opts.MaxRoutes < 0 {
		return nil, fmt.Errorf("prommetrics: MaxRoutes must not be negative")
	}
	maxRoutes := opts.MaxRoutes
	if maxRoutes == 0 {
		maxRoutes = 256
	}
	hopts := prometheus.HistogramOpts{
		Name:    "gatehouse_http_request_duration_seconds",
		Help:    "Time to serve HTTP requests through the Gatehouse stack, by route pattern, method and status class.",
		Buckets: buckets,
	}
	if opts.NativeHistogram {
		hopts.NativeHistogramBucketFactor = 1.1
		hopts.NativeHistogramMaxBucketNumber = 160
		hopts.NativeHistogramMinResetDuration = time.Hour
	}
	labels := []string{"route", "method", "code"}
	m := &Middleware{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status class (2xx, 4xx, ...).",
		}, labels),
		durations: prometheus.NewHistogramVec(hopts, labels),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		maxRoutes: maxRoutes,
		series:    map[seriesKey]*series{},
		routes:    map[string]struct{}{},
	}
	for _, c := range []prometheus.Collector{m.requests, m.durations, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("prommetrics: %w", err)
		}
	}
	return m, nil
}

// methods are the method label values; anything else is "other".
var methods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", otherLabel}

func methodIndex(m string) uint8 {
	for i, s := range methods[:len(methods)-1] {
		if s == m {
			return uint8(i)
		}
	}
	return uint8(len(methods) - 1)
}

var classes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx", otherLabel}

func classIndex(status int) uint8 {
	if status < 100 || status > 599 {
		return uint8(len(classes) - 1)
	}
	return uint8(status/100 - 1)
}

type routeKey struct{}

// state is what one request carries through the stack: the route name
// and the status written.
type state struct {
	http.ResponseWriter
	route   string
	status  int
	written bool
}

func (s *state) WriteHeader(code int) {
	// Informational responses other than 101 are not the final status.
	if !s.written && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *state) Write(b []byte) (int, error) {
	if !s.written {
		s.status, s.written = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// Hijack, deadlines).
func (s *state) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Handler returns the middleware. Put it outermost, so that requests
// rejected by other middleware (429, 403, 401) are counted too, and wrap the
// router with CaptureRoute so that the route label is known.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		st := &state{ResponseWriter: w}
		defer func() {
			m.inFlight.Dec()
			status := st.status
			if !st.written {
				status = http.StatusOK
			}
			p := recover()
			if p != nil {
				// net/http answers a panicking handler by dropping the
				// connection; count it as a server error and re-panic.
				status = http.StatusInternalServerError
			}
			s := m.lookup(st.route, methodIndex(r.Method), classIndex(status))
			s.requests.Inc()
			s.duration.Observe(time.Since(start).Seconds())
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(st, r.WithContext(context.WithValue(r.Context(), routeKey{}, st)))
	})
}

// CaptureRoute wraps a router (an *http.ServeMux or anything that sets
// r.Pattern) and records the pattern that served each request as its route
// label. Middleware between Handler and CaptureRoute may copy the request
// freely.
func CaptureRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if st, ok := r.Context().Value(routeKey{}).(*state); ok && st.route == "" && r.Pattern != "" {
			st.route = r.Pattern
		}
	})
}

// SetRoute names the route of r for the route label, for handlers not
// served by a ServeMux pattern. The name must come from a fixed set chosen
// by the application, never from the request.
func SetRoute(r *http.Request, name string) {
	if st, ok := r.Context().Value(routeKey{}).(*state); ok {
		st.route = name
	}
}

// lookup returns the series for a label combination, creating it once.
func (m *Middleware) lookup(route string, method, class uint8) *series {
	if route == "" {
		route = UnmatchedRoute
	}
	k := seriesKey{route: route, method: method, class: class}
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if ok {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.series[k]; ok {
		return s
	}
	if _, known := m.routes[route]; !known {
		if len(m.routes) >= m.maxRoutes {
			route = otherLabel
			k.route = otherLabel
			if s, ok := m.series[k]; ok {
				return s
			}
		} else {
			m.routes[route] = struct{}{}
		}
	}
	lv := []string{route, methods[method], classes[class]}
	s = &series{requests: m.requests.WithLabelValues(lv...), duration: m.durations.WithLabelValues(lv...)}
	m.series[k] = s
	return s
}
