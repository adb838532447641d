package apikey

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Usage accounting defaults.
const (
	DefaultUsageFlushInterval = 10 * time.Second
	DefaultUsageMaxPending    = 10_000
	DefaultUsageFlushTimeout  = 5 * time.Second
	usageBatchSize            = 1000
)

// UsageOptions configures usage accounting: each accepted request adds one
// to its key's count in memory, and a background goroutine hands the
// aggregated counts and last-used times to Store.RecordUsage in batches.
// Requests never wait for the store. A key's UsageCount and LastUsed in the
// store lag by at most FlushInterval plus the time a flush takes; counts
// are lost only on a crash, when the pending set is full, or when the store
// keeps failing (see Authenticator.UsageDropped).
type UsageOptions struct {
	// Disabled turns usage accounting off: no goroutine, no Close needed.
	Disabled bool
	// FlushInterval is the longest time usage waits in memory. Default
	// DefaultUsageFlushInterval.
	FlushInterval time.Duration
	// MaxPending bounds how many distinct keys are aggregated between
	// flushes. Reaching it starts a flush at once; the use of further keys
	// is dropped and counted until the flush has run. Default
	// DefaultUsageMaxPending.
	MaxPending int
	// FlushTimeout bounds one flush. Default DefaultUsageFlushTimeout.
	FlushTimeout time.Duration
}

type usageAgg struct {
	count int64
	last  time.Time
}

// usageTracker aggregates key use in memory. Two maps alternate: requests
// write to cur while a flush drains the other, so that steady-state
// counting allocates nothing.
type usageTracker struct {
	store   Store
	audit   audit.Recorder
	max     int
	every   time.Duration
	timeout time.Duration

	mu     sync.Mutex
	cur    map[string]usageAgg
	spare  map[string]usageAgg
	closed bool

	flushMu  sync.Mutex // one flush at a time
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	dropped  atomic.Uint64
	failures atomic.Uint64
}

func newUsageTracker(store Store, opts UsageOptions, rec audit.Recorder) (*usageTracker, error) {
	if opts.FlushInterval < 0 || opts.MaxPending < 0 || opts.FlushTimeout < 0 {
		return nil, errors.New("apikey: usage options must not be negative")
	}
	u := &usageTracker{
		store:   store,
		audit:   rec,
		max:     opts.MaxPending,
		every:   opts.FlushInterval,
		timeout: opts.FlushTimeout,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if u.max == 0 {
		u.max = DefaultUsageMaxPending
	}
	if u.every == 0 {
		u.every = DefaultUsageFlushInterval
	}
	if u.timeout == 0 {
		u.timeout = DefaultUsageFlushTimeout
	}
	u.cur = make(map[string]usageAgg, min(u.max, 64))
	u.spare = make(map[string]usageAgg, min(u.max, 64))
	go u.run()
	return u, nil
}

// add counts one use of key id at now. It never blocks on the store.
func (u *usageTracker) add(id string, now time.Time) {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		u.dropped.Add(1)
		return
	}
	a, ok := u.cur[id]
	if !ok && len(u.cur) >= u.max {
		u.mu.Unlock()
		u.dropped.Add(1)
		u.wake()
		return
	}
	a.count++
	if now.After(a.last) {
		a.last = now
	}
	u.cur[id] = a
	full := len(u.cur) >= u.max
	u.mu.Unlock()
	if full {
		u.wake()
	}
}

func (u *usageTracker) wake() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

func (u *usageTracker) run() {
	defer close(u.done)
	t := time.NewTicker(u.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-u.kick:
		case <-u.stop:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), u.timeout)
		_ = u.flush(ctx)
		cancel()
	}
}

// flush hands the pending usage to the store. On failure the usage is
// merged back, as far as room allows, for the next flush.
func (u *usageTracker) flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.mu.Lock()
	batch := u.cur
	u.cur, u.spare = u.spare, nil
	u.mu.Unlock()

	var err error
	if len(batch) > 0 {
		list := make([]Usage, 0, len(batch))
		for id, a := range batch {
			list = append(list, Usage{ID: id, Count: a.count, LastUsed: a.last})
		}
		for i := 0; i < len(list) && err == nil; i += usageBatchSize {
			err = u.store.RecordUsage(ctx, list[i:min(i+usageBatchSize, len(list))])
		}
		if err != nil {
			u.failures.Add(1)
			u.report(ctx)
		}
	}

	u.mu.Lock()
	if err != nil {
		// Not knowing which batches landed, put everything back: a count
		// may be added twice rather than lost.
		for id, a := range batch {
			c, ok := u.cur[id]
			if !ok && len(u.cur) >= u.max {
				u.dropped.Add(uint64(a.count))
				continue
			}
			c.count += a.count
			if a.last.After(c.last) {
				c.last = a.last
			}
			u.cur[id] = c
		}
	}
	clear(batch)
	u.spare = batch
	u.mu.Unlock()
	if err != nil {
		return errors.Join(errors.New("apikey: recording usage"), err)
	}
	return nil
}

func (u *usageTracker) report(ctx context.Context) {
	if u.audit == nil {
		return
	}
	u.audit.Record(ctx, audit.Event{
		Time:        time.Now(),
		Type:        audit.SysStoreError,
		Severity:    audit.SeverityWarn,
		Outcome:     audit.OutcomeFailure,
		Source:      "apikey",
		Description: "recording api key usage failed; retrying at the next flush",
	})
}

// close stops the goroutine and flushes what is pending.
func (u *usageTracker) close(ctx context.Context) error {
	u.mu.Lock()
	u.closed = true
	u.mu.Unlock()
	u.stopOnce.Do(func() { close(u.stop) })
	select {
	case <-u.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return u.flush(ctx)
}
