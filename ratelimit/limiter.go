package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// DefaultTimeout bounds each call to a store other than a *MemoryStore made
// by Handler, unless Options.Timeout says otherwise.
const DefaultTimeout = 100 * time.Millisecond

// maxNameLen bounds a policy name.
const maxNameLen = 64

// Options configures a Limiter. Only Rate is required; every other zero
// value is a safe default.
type Options struct {
	// Rate is the limit for each key: ParseRate("5/minute"), PerHour(100),
	// FromLimit(rate.Every(time.Second), 10), ... Required.
	Rate Rate
	// Name names the policy: in the RateLimit-Policy and RateLimit headers,
	// in audit events, and as the namespace of its keys in the Store, so
	// that limiters sharing a store never share buckets unless they share a
	// name. Letters, digits, '.', '_' and '-', at most 64. Default "default".
	Name string
	// RateFor chooses the rate per request, for tiers (see Tiers): admin
	// 1000/h, staff 500/h, user 100/h. A zero Rate from it means Rate.
	// Default nil: Rate for every request.
	RateFor RateFunc
	// Key returns the key a request is counted under. When it reports no
	// key (ok false) the request is not limited by this limiter, so pair a
	// per-user limit with a per-IP one. Default ByIP: the client address as
	// clientip resolves it, IPv6 grouped by /64.
	Key KeyFunc
	// Cost returns how many tokens a request spends. Values below 1 count
	// as 1 (use Exempt for free requests); a cost above the burst is always
	// rejected. Default nil: 1 per request.
	Cost func(r *http.Request) int
	// Exempt reports requests this limiter ignores: health checks, internal
	// networks (see ExemptPrefixes). Default nil: none.
	Exempt func(r *http.Request) bool
	// Store keeps the buckets. Default: a MemoryStore of the limiter's own,
	// with default MemoryOptions (at most 1,048,576 keys, 32 MiB). Limiters
	// may share one store (their Names keep their buckets apart); use
	// redisstore's RateLimitStore to share limits between instances.
	Store Store
	// FailOpen lets requests through when the store fails (an error or a
	// timeout). Default false: fail closed with 503 Service Unavailable and
	// code "rate_limit_unavailable". Either way an audit event
	// (sys_store_error, outcome blocked or allowed) is recorded.
	FailOpen bool
	// Timeout bounds each store call made by Handler, through the request's
	// context, for stores other than *MemoryStore (which never waits).
	// Default DefaultTimeout (100 ms). A Redis client honours it only with
	// ContextTimeoutEnabled set; its Read/WriteTimeout bound it otherwise.
	Timeout time.Duration
	// Headers selects the rate-limit response headers. Default HeadersAll.
	// Retry-After is always sent with a 429.
	Headers HeaderMode
	// ErrorHandler writes rejections from Handler. err matches ErrLimited
	// (a *LimitError) or ErrUnavailable (a *StoreError). Retry-After and the
	// rate-limit headers are set before it is called. Default
	// DefaultErrorHandler.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives an excess_rate_limit_exceeded event for every rejected
	// request and a sys_store_error event for every store failure. nil:
	// none.
	Audit audit.Recorder
}

// Limiter limits the rate of requests per key with a token bucket (GCRA):
// for non-HTTP use through Allow, and as HTTP middleware through Handler.
//
// A Limiter is immutable after New and safe for concurrent use.
type Limiter struct {
	name     string
	rate     Rate
	rateFor  RateFunc
	key      KeyFunc
	cost     func(*http.Request) int
	exempt   func(*http.Request) bool
	store    Store
	mem      *MemoryStore // store, when it is the in-process one
	memHash  uint64       // mem.policyHash(name)
	failOpen bool
	timeout  time.Duration
	headers  HeaderMode
	onError  func(http.ResponseWriter, *http.Request, error)
	audit    audit.Recorder
	alone    *Group // this limiter alone, for Handler

	hdr      *policyHeaders                          // for rate
	hdrCache atomic.Pointer[map[Rate]*policyHeaders] // for RateFor's rates
}

// New validates opts and returns a Limiter.
func New(opts Options) (*Limiter, error) {
	if opts.Rate.IsZero() {
		return nil, errors.New(`ratelimit: Options.Rate is required, e.g. ratelimit.ParseRate("5/minute")`)
	}
	l := &Limiter{
		name:     opts.Name,
		rate:     opts.Rate,
		rateFor:  opts.RateFor,
		key:      opts.Key,
		cost:     opts.Cost,
		exempt:   opts.Exempt,
		store:    opts.Store,
		failOpen: opts.FailOpen,
		timeout:  opts.Timeout,
		headers:  opts.Headers,
		onError:  opts.ErrorHandler,
		audit:    opts.Audit,
	}
	if l.name == "" {
		l.name = "default"
	}
	if err := validName(l.name); err != nil {
		return nil, err
	}
	if l.key == nil {
		l.key = ByIP
	}
	if l.store == nil {
		mem, err := NewMemoryStore(MemoryOptions{})
		if err != nil {
			return nil, err
		}
		l.store = mem
	}
	if l.mem, _ = l.store.(*MemoryStore); l.mem != nil {
		l.memHash = l.mem.policyHash(l.name)
	}
	switch {
	case l.timeout == 0:
		l.timeout = DefaultTimeout
	case l.timeout < 0:
		return nil, errors.New("ratelimit: Timeout must not be negative")
	}
	if l.headers > HeadersNone {
		return nil, fmt.Errorf("ratelimit: unknown HeaderMode %d", l.headers)
	}
	if l.onError == nil {
		l.onError = DefaultErrorHandler
	}
	l.hdr = newPolicyHeaders(l.name, l.rate)
	l.alone = &Group{limiters: []*Limiter{l}}
	return l, nil
}

func validName(s string) error {
	if len(s) > maxNameLen {
		return fmt.Errorf("ratelimit: Name longer than %d bytes", maxNameLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("ratelimit: Name %q may hold only letters, digits, '.', '_' and '-'", s)
		}
	}
	return nil
}

// Name returns the policy name.
func (l *Limiter) Name() string { return l.name }

// Rate returns the configured rate.
func (l *Limiter) Rate() Rate { return l.rate }

// Allow spends cost tokens from key's bucket at the limiter's Rate and
// reports whether the request is admitted. A rejected request spends
// nothing. Cost 0 reports the bucket's state without spending; a negative
// cost is ErrCost; a cost above the burst is always rejected, with a
// negative RetryAfter. An error comes only from the store; the caller
// chooses what to do with it (Handler applies Options.FailOpen).
//
// With the default MemoryStore, Allow allocates nothing.
func (l *Limiter) Allow(ctx context.Context, key string, cost int) (Decision, error) {
	return l.AllowRate(ctx, key, l.rate, cost)
}

// AllowRate is Allow at another rate, for tiers. The bucket of key is the
// same whatever the rate, and its state is a time (when it will be full
// again), so a key that changes tier keeps its debt in time: two requests
// at 5/minute (24 s) count as 24 spent at 60/minute. The zero Rate means the
// limiter's Rate.
func (l *Limiter) AllowRate(ctx context.Context, key string, r Rate, cost int) (Decision, error) {
	if r.IsZero() {
		r = l.rate
	}
	if cost < 0 {
		return Decision{}, ErrCost
	}
	if cost > r.burst {
		return Decision{Limit: r.burst, RetryAfter: -1}, nil
	}
	if l.mem != nil {
		return l.mem.takeHash(l.mem.keyHash(l.memHash, key), r, cost), nil
	}
	return l.store.Take(ctx, l.name, key, r, cost)
}

// Refund gives back cost tokens spent by an admitted request of key at rate
// r (the zero Rate means the limiter's Rate), for work that should not
// count after all; the bucket never exceeds its burst.
func (l *Limiter) Refund(ctx context.Context, key string, r Rate, cost int) error {
	if r.IsZero() {
		r = l.rate
	}
	if cost < 0 || cost > r.burst {
		return ErrCost
	}
	if cost == 0 {
		return nil
	}
	return l.store.Refund(ctx, l.name, key, r, cost)
}

// takeHTTP is AllowRate under the Handler's store timeout.
func (l *Limiter) takeHTTP(ctx context.Context, key string, r Rate, cost int) (Decision, error) {
	if cost > r.burst {
		return Decision{Limit: r.burst, RetryAfter: -1}, nil
	}
	if l.mem != nil {
		return l.mem.takeHash(l.mem.keyHash(l.memHash, key), r, cost), nil
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	return l.store.Take(ctx, l.name, key, r, cost)
}

// refundHTTP is Refund under the Handler's store timeout; errors are
// dropped, which only leaves the tokens spent (the safe direction).
func (l *Limiter) refundHTTP(ctx context.Context, key string, r Rate, cost int) {
	if l.mem != nil {
		_ = l.mem.Refund(ctx, l.name, key, r, cost)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	_ = l.store.Refund(ctx, l.name, key, r, cost)
}

// Handler returns middleware that admits requests within the limit and
// answers the others with 429 Too Many Requests (see Options). To apply
// several limits to one route, use All rather than nesting Handlers, so
// that a request rejected by one limit spends nothing from the others.
func (l *Limiter) Handler(next http.Handler) http.Handler {
	return l.alone.Handler(next)
}
