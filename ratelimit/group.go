package ratelimit

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// Group applies several limiters to the same requests: per IP and per user,
// per minute and per day. A request passes only if every limiter admits it,
// and a request rejected by one limiter spends nothing from the others.
//
// The limiters are checked in order. When limiter i rejects, the tokens the
// request spent at limiters 0..i-1 are refunded at once, so the guarantee is
// exact in what is finally spent; while limiter i is being asked, a
// concurrent request to the same key of an earlier limiter sees those tokens
// as spent and may be rejected (never admitted) because of them. Put the
// limiter most likely to reject first. With a store shared between
// instances a refund costs a second round trip, on rejections only.
//
// A Group is immutable and safe for concurrent use.
type Group struct {
	limiters []*Limiter
}

// All returns a Group of the limiters, checked in the order given. Each
// keeps its own key, rate, cost, exemptions, store, failure policy, error
// handler and audit recorder; the response carries the RateLimit-Policy and
// RateLimit items of every limiter that applied, and X-RateLimit-* of the
// one with the fewest remaining requests. Names must differ.
func All(limiters ...*Limiter) (*Group, error) {
	if len(limiters) == 0 {
		return nil, errors.New("ratelimit: All needs at least one limiter")
	}
	seen := make(map[string]bool, len(limiters))
	for _, l := range limiters {
		if l == nil {
			return nil, errors.New("ratelimit: All got a nil limiter")
		}
		if seen[l.name] {
			return nil, errors.New("ratelimit: two limiters in All share the name " + strconv.Quote(l.name))
		}
		seen[l.name] = true
	}
	return &Group{limiters: append([]*Limiter(nil), limiters...)}, nil
}

// spent is one admitted limit of a request in progress.
type spent struct {
	l    *Limiter
	key  string
	rate Rate
	cost int
	d    Decision
}

// Handler returns middleware that applies every limiter of the group.
func (g *Group) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.check(w, r) {
			next.ServeHTTP(w, r)
		}
	})
}

// check applies the limiters; it reports true when the request may proceed,
// and otherwise has written the rejection.
func (g *Group) check(w http.ResponseWriter, r *http.Request) bool {
	var buf [4]spent
	done := buf[:0]
	ctx := r.Context()
	for _, l := range g.limiters {
		if l.exempt != nil && l.exempt(r) {
			continue
		}
		key, ok := l.key(r)
		if !ok {
			continue
		}
		rt := l.rate
		if l.rateFor != nil {
			if v := l.rateFor(r); !v.IsZero() {
				rt = v
			}
		}
		cost := 1
		if l.cost != nil {
			cost = max(l.cost(r), 1)
		}
		d, err := l.takeHTTP(ctx, key, rt, cost)
		if err != nil {
			if ctx.Err() == nil { // not a client that went away
				l.recordStoreError(r, err)
			}
			if l.failOpen {
				continue
			}
			g.undo(r, done)
			l.onError(w, r, &StoreError{Policy: l.name, Err: err})
			return false
		}
		if !d.Allowed {
			g.undo(r, done)
			l.writeRejectionHeaders(w, rt, d)
			l.recordLimited(r, d)
			l.onError(w, r, &LimitError{Policy: l.name, Decision: d})
			return false
		}
		done = append(done, spent{l: l, key: key, rate: rt, cost: cost, d: d})
	}
	writeHeaders(w, done)
	return true
}

// undo refunds what a rejected request spent at earlier limiters.
func (g *Group) undo(r *http.Request, done []spent) {
	for _, s := range done {
		s.l.refundHTTP(r.Context(), s.key, s.rate, s.cost)
	}
}

func (l *Limiter) recordLimited(r *http.Request, d Decision) {
	if l.audit == nil {
		return
	}
	e := event.New(r, "ratelimit", audit.ExcessRateLimitExceeded, audit.SeverityWarn, audit.OutcomeBlocked)
	e.Description = "rate limit exceeded"
	e.Details = map[string]string{
		"policy": l.name,
		"limit":  strconv.Itoa(d.Limit),
	}
	if d.RetryAfter < 0 {
		e.Details["reason"] = "cost_exceeds_burst"
	} else {
		e.Details["retry_after"] = strconv.FormatInt(ceilSeconds(d.RetryAfter), 10)
	}
	l.audit.Record(r.Context(), e)
}

func (l *Limiter) recordStoreError(r *http.Request, err error) {
	if l.audit == nil {
		return
	}
	outcome := audit.OutcomeBlocked
	if l.failOpen {
		outcome = audit.OutcomeAllowed
	}
	e := event.New(r, "ratelimit", audit.SysStoreError, audit.SeverityCritical, outcome)
	e.Description = "rate limit store failed"
	e.Details = map[string]string{
		"policy": l.name,
		"error":  audit.Clean(err.Error(), 200),
	}
	l.audit.Record(r.Context(), e)
}
