// Package prommetrics exports Gatehouse's security decisions as Prometheus
// metrics, with a series count that no client can inflate.
//
// Gatehouse packages report through audit events; Recorder is an
// audit.Recorder that counts them. Middleware counts requests by route
// pattern (never the raw path), method and status class. Every label takes
// its value from a fixed set or from the routes the application registered,
// so paths, query strings, user ids and client addresses never become
// series.
//
//	reg := prometheus.NewRegistry()
//	metrics, err := prommetrics.NewRecorder(reg, prommetrics.RecorderOptions{Dropped: queue.Dropped})
//	if err != nil {
//		log.Fatal(err)
//	}
//	events := audit.Multi(metrics, audit.NewAsync(audit.NewSlog(nil), audit.AsyncOptions{}))
//	// pass events as the Audit recorder of every Gatehouse package
//
// The core module does not import Prometheus; this nested module does.
package prommetrics

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/prometheus/client_golang/prometheus"
)

// Label values used when an event carries a value outside the known set.
const (
	otherLabel = "other"
	noneLabel  = "none"
)

// RecorderOptions configures a Recorder.
type RecorderOptions struct {
	// Dropped reports how many audit events a queue has dropped, typically
	// (*audit.Async).Dropped. When set, gatehouse_audit_dropped_total is
	// registered and reads it at scrape time. Default nil: not registered.
	Dropped func() uint64
}

// Recorder counts security events. It implements audit.Recorder; compose it
// with other recorders through audit.Multi. Record costs no allocation once
// a type/severity/outcome combination has been seen. Safe for concurrent use.
type Recorder struct {
	events      *prometheus.CounterVec
	storeErrors *prometheus.CounterVec

	typeIndex map[audit.Type]int // known types; unknown ones share the last slot
	types     []string           // label value per slot
	// series[(typeSlot*severities+severity)*outcomes+outcome], created lazily
	series []atomic.Pointer[prometheus.Counter]
	// storeSeries[pkgSlot*storeOutcomes+outcome]
	storeSeries []atomic.Pointer[prometheus.Counter]
	mu          sync.Mutex // serializes series creation
}

const (
	severities    = 3
	outcomes      = 6 // none, success, failure, blocked, allowed, other
	storeOutcomes = 3 // fail_closed, fail_open, error
)

var outcomeLabels = [outcomes]string{noneLabel, "success", "failure", "blocked", "allowed", otherLabel}

var storeOutcomeLabels = [storeOutcomes]string{"fail_closed", "fail_open", "error"}

// storePackages are the event sources whose store errors are labelled by
// name; any other source is "other".
var storePackages = []string{"apikey", "audit", "csrf", "jwtauth", "password", "ratelimit", "sqlstore", "redisstore"}

// NewRecorder registers the security-event metrics on reg and returns the
// recorder that feeds them.
func NewRecorder(reg prometheus.Registerer, opts RecorderOptions) (*Recorder, error) {
	if reg == nil {
		return nil, fmt.Errorf("prommetrics: nil Registerer")
	}
	r := &Recorder{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_security_events_total",
			Help: "Security events recorded by Gatehouse, by OWASP event type, severity and outcome.",
		}, []string{"type", "severity", "outcome"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_store_errors_total",
			Help: "Storage backend failures seen by Gatehouse packages, by package and by what the failure policy did (fail_closed, fail_open).",
		}, []string{"package", "outcome"}),
		typeIndex: map[audit.Type]int{},
	}
	for i, t := range audit.KnownTypes() {
		r.typeIndex[t] = i
		r.types = append(r.types, string(t))
	}
	r.types = append(r.types, otherLabel)
	r.series = make([]atomic.Pointer[prometheus.Counter], len(r.types)*severities*outcomes)
	r.storeSeries = make([]atomic.Pointer[prometheus.Counter], (len(storePackages)+1)*storeOutcomes)

	collectors := []prometheus.Collector{r.events, r.storeErrors}
	if opts.Dropped != nil {
		collectors = append(collectors, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_audit_dropped_total",
			Help: "Audit events dropped because the asynchronous queue was full or closed.",
		}, func() float64 { return float64(opts.Dropped()) }))
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("prommetrics: %w", err)
		}
	}
	return r, nil
}

// Record counts e. Label values come from fixed sets: an unknown type or
// outcome is counted as "other".
func (r *Recorder) Record(_ context.Context, e audit.Event) {
	ti, ok := r.typeIndex[e.Type]
	if !ok {
		ti = len(r.types) - 1
	}
	sev := int(e.Severity)
	if sev >= severities {
		sev = severities - 1
	}
	oi := outcomeIndex(e.Outcome)
	idx := (ti*severities+sev)*outcomes + oi
	c := r.series[idx].Load()
	if c == nil {
		c = r.create(&r.series[idx], func() prometheus.Counter {
			return r.events.WithLabelValues(r.types[ti], audit.Severity(sev).String(), outcomeLabels[oi])
		})
	}
	(*c).Inc()

	if e.Type == audit.SysStoreError {
		r.storeError(e)
	}
}

func (r *Recorder) storeError(e audit.Event) {
	pi := len(storePackages)
	for i, p := range storePackages {
		if p == e.Source {
			pi = i
			break
		}
	}
	oi := 2
	switch e.Outcome {
	case audit.OutcomeBlocked:
		oi = 0
	case audit.OutcomeAllowed:
		oi = 1
	}
	idx := pi*storeOutcomes + oi
	c := r.storeSeries[idx].Load()
	if c == nil {
		c = r.create(&r.storeSeries[idx], func() prometheus.Counter {
			pkg := otherLabel
			if pi < len(storePackages) {
				pkg = storePackages[pi]
			}
			return r.storeErrors.WithLabelValues(pkg, storeOutcomeLabels[oi])
		})
	}
	(*c).Inc()
}

// create makes the series behind slot once.
func (r *Recorder) create(slot *atomic.Pointer[prometheus.Counter], mk func() prometheus.Counter) *prometheus.Counter {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := slot.Load(); c != nil {
		return c
	}
	c := mk()
	slot.Store(&c)
	return &c
}

func outcomeIndex(o audit.Outcome) int {
	switch o {
	case "":
		return 0
	case audit.OutcomeSuccess:
		return 1
	case audit.OutcomeFailure:
		return 2
	case audit.OutcomeBlocked:
		return 3
	case audit.OutcomeAllowed:
		return 4
	}
	return 5
}
