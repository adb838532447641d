package ratelimit

import (
	"context"
	"errors"
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Memory store defaults and bounds.
const (
	// DefaultMaxKeys is the default bound of a MemoryStore: 1,048,576 keys,
	// at most 32 MiB of tables.
	DefaultMaxKeys = 1 << 20
	// defaultShards is the number of shards of a MemoryStore large enough
	// to give every shard 256 keys.
	defaultShards = 64
	// Idle keys are released by examining sweepSlots slots every sweepEvery
	// operations of a shard, sweepOtherSlots slots of another shard every
	// sweepOtherEvery operations of a shard, and growSweep slots before a
	// table grows (so that idle keys make room before memory does): about a
	// quarter of a slot of the shard's own table and an eighth of another's
	// per operation, in runs of whole cache lines.
	sweepEvery      = 64
	sweepSlots      = 16
	sweepOtherEvery = 1024
	sweepOtherSlots = 128
	growSweep       = 64
	// evictScan is how many slots an insertion into a full shard examines
	// for a bucket that may be evicted.
	evictScan = 128
)

// MemoryOptions configures a MemoryStore. The zero value is a working
// configuration.
type MemoryOptions struct {
	// MaxKeys bounds how many keys the store tracks, and so its memory:
	// tables of 16-byte slots at most 3/4 full and sized in powers of two,
	// that is at most MaxKeys × 32 bytes when MaxKeys is a power of two
	// (MaxKeys × 43 bytes otherwise). The store has up to 64 shards and
	// each holds MaxKeys/shards keys, so new keys may start sharing an
	// overflow bucket (see MemoryStore) a little before MaxKeys keys are
	// active. Default DefaultMaxKeys (1,048,576 keys, 32 MiB).
	MaxKeys int
	// Clock returns a monotonic reading: the time elapsed since a fixed,
	// arbitrary origin. It must never go backwards. For tests. Default: the
	// monotonic clock (time.Since of the store's creation).
	Clock func() time.Duration
}

// MemoryStore is the in-process Store: a bounded, sharded hash table of GCRA
// buckets, 16 bytes per slot.
//
//   - Sharded: each key hashes to one of up to 64 shards, each with its own
//     mutex, so there is no global lock.
//   - Keyed hashing: keys are hashed with hash/maphash under a seed drawn
//     at random for each store, and only the 64-bit hash is kept. Clients
//     cannot predict hashes, so they cannot craft two keys that share a
//     bucket; an accidental collision among a million keys has a
//     probability below 1e-7.
//   - Bounded: at most MaxKeys keys. Only buckets that are full again (the
//     same state as an unseen key) are ever evicted, so eviction can never
//     hand a client over its limit a fresh burst.
//   - Overflow: when a shard is full of buckets that are not full (all its
//     keys are actively limited), a new key shares the shard's overflow
//     bucket with every other new key of that shard until room frees up.
//     The overflow bucket is charged at each request's own rate, so an
//     attacker with unbounded keys (an IPv6 /32 has 2^32 /64 networks) gets
//     at most one extra rate per shard instead of unlimited fresh bursts,
//     and existing keys keep their exact state. Stats counts overflows.
//   - Idle keys are released incrementally: operations examine on average
//     a quarter of a slot of their shard and an eighth of a slot of another
//     shard (and a few more before a table would grow), delete the buckets
//     that are full again, and shrink tables as they empty, so memory
//     returns to its baseline after keys go idle. There is no background
//     goroutine and no stop-the-world sweep; Sweep walks all shards one at
//     a time for callers that want memory back sooner.
//   - Time is a monotonic clock reading, never the wall clock, and a stale
//     reading never earns tokens (see golang/go#71360).
//
// A MemoryStore is safe for concurrent use. Limiters that share one store
// are kept apart by their policy names.
type MemoryStore struct {
	seed        maphash.Seed
	shards      []shard
	shift       uint // 64 - log2(len(shards))
	perShardMax int
	maxSlots    int
	clock       func() time.Duration
	origin      time.Time
	nextSweep   atomic.Uint32 // the shard sweepOther visits next
}

type shard struct {
	mu        sync.Mutex
	t         table
	overflow  int64 // tat of the shared overflow bucket
	ops       uint32
	overflows uint64
	evictions uint64
	_         [64]byte // keep hot shards on separate cache lines
}

// NewMemoryStore returns an empty store.
func NewMemoryStore(opts MemoryOptions) (*MemoryStore, error) {
	maxKeys := opts.MaxKeys
	switch {
	case maxKeys == 0:
		maxKeys = DefaultMaxKeys
	case maxKeys < 0:
		return nil, errors.New("ratelimit: MaxKeys must not be negative")
	case maxKeys > 1<<30:
		return nil, errors.New("ratelimit: MaxKeys must be at most 2^30")
	}
	n := defaultShards
	for n > 1 && maxKeys/n < 256 {
		n /= 2
	}
	per := max(maxKeys/n, 1)
	// The smallest power of two that holds per keys at most 3/4 full.
	maxSlots := max(1<<bits.Len(uint((per*4+2)/3-1)), minSlots)
	s := &MemoryStore{
		seed:        maphash.MakeSeed(),
		shards:      make([]shard, n),
		shift:       uint(64 - bits.TrailingZeros(uint(n))),
		perShardMax: per,
		maxSlots:    maxSlots,
		clock:       opts.Clock,
		origin:      time.Now(),
	}
	if n == 1 {
		s.shift = 64 // h >> 64 is 0 in Go
	}
	return s, nil
}

func (s *MemoryStore) now() int64 {
	if s.clock != nil {
		return int64(s.clock())
	}
	return int64(time.Since(s.origin))
}

// policyHash returns the part of a key's hash that depends on its policy
// name: 0 for "", otherwise the name's keyed hash. XOR with the key's keyed
// hash is a bijection for a given policy, so keys of one policy collide
// only if maphash does.
func (s *MemoryStore) policyHash(policy string) uint64 {
	if policy == "" {
		return 0
	}
	return maphash.String(s.seed, policy) | 1
}

// keyHash maps (policy, key) to a non-zero 64-bit hash.
func (s *MemoryStore) keyHash(ph uint64, key string) uint64 {
	h := maphash.String(s.seed, key) ^ ph
	if h == 0 {
		h = 1
	}
	return h
}

func (s *MemoryStore) hash(policy, key string) uint64 {
	return s.keyHash(s.policyHash(policy), key)
}

// Take implements Store. It never blocks on I/O, ignores ctx and allocates
// nothing.
func (s *MemoryStore) Take(_ context.Context, policy, key string, r Rate, cost int) (Decision, error) {
	if err := checkTake(r, cost); err != nil {
		return Decision{}, err
	}
	return s.takeHash(s.hash(policy, key), r, cost), nil
}

// takeHash is Take for a hashed key and checked arguments.
func (s *MemoryStore) takeHash(h uint64, r Rate, cost int) Decision {
	sh := &s.shards[h>>s.shift]
	now := s.now()
	sh.mu.Lock()
	d := s.take(sh, h, now, r, cost)
	sh.ops++
	ops := sh.ops
	if ops%sweepEvery == 0 {
		sh.t.sweep(now, sweepSlots)
	}
	sh.mu.Unlock()
	if ops%sweepOtherEvery == 0 {
		s.sweepOther(now)
	}
	return d
}

// sweepOther sweeps a chunk of the next shard in turn, unless it is busy,
// so that shards no request reaches still release their idle keys.
func (s *MemoryStore) sweepOther(now int64) {
	sh := &s.shards[int(s.nextSweep.Add(1))&(len(s.shards)-1)]
	if sh.mu.TryLock() {
		sh.t.sweep(now, sweepOtherSlots)
		sh.mu.Unlock()
	}
}

// take runs under sh.mu. The path for a known key is gcra written out, to
// spare the calls on the hot path; TestKnownKeyPathMatchesGCRA keeps the two
// identical.
func (s *MemoryStore) take(sh *shard, h uint64, now int64, r Rate, cost int) Decision {
	t := &sh.t
	idx := -1
	if len(t.slots) != 0 {
		i, found := t.find(h)
		if found {
			sl := &t.slots[i]
			interval := int64(r.interval)
			tau := interval * int64(r.burst)
			base := max(sl.tat, now)
			next := base + interval*int64(cost)
			allowAt := next - tau
			if allowAt > now {
				return Decision{
					Limit:      r.burst,
					Remaining:  int(max(tau-(base-now), 0) / interval),
					RetryAfter: time.Duration(allowAt - now),
					ResetAfter: time.Duration(base - now),
				}
			}
			sl.tat = next
			return Decision{
				Allowed:    true,
				Limit:      r.burst,
				Remaining:  int((now - allowAt) / interval),
				ResetAfter: time.Duration(next - now),
			}
		}
		idx = i
	}
	return s.takeNew(sh, idx, h, now, r, cost)
}

// takeNew decides for a key that is not in the table (never seen, or
// released when its bucket was full again); idx is the empty slot lookup
// found, or -1.
func (s *MemoryStore) takeNew(sh *shard, idx int, h uint64, now int64, r Rate, cost int) Decision {
	t := &sh.t
	if cost == 0 {
		_, d := gcra(now, now, r, 0)
		return d
	}
	if t.count >= s.perShardMax {
		if !t.evictOne(now, evictScan) {
			var d Decision
			sh.overflows++
			sh.overflow, d = gcra(sh.overflow, now, r, cost)
			return d
		}
		sh.evictions++
		idx = -1 // the eviction moved entries
	}
	tat, d := gcra(now, now, r, cost) // a new bucket starts full
	if d.Allowed {
		if t.mustGrow(s.maxSlots) && t.sweep(now, growSweep) > 0 {
			idx = -1 // the sweep moved entries
		}
		t.insertAt(idx, h, tat, s.maxSlots)
	}
	return d
}

// Refund implements Store.
func (s *MemoryStore) Refund(_ context.Context, policy, key string, r Rate, cost int) error {
	if err := checkTake(r, cost); err != nil {
		return err
	}
	h := s.hash(policy, key)
	sh := &s.shards[h>>s.shift]
	now := s.now()
	sh.mu.Lock()
	if idx, tat, ok := sh.t.lookup(h); ok {
		if tat = refund(tat, now, r, cost); tat <= now {
			sh.t.deleteAt(idx)
		} else {
			sh.t.slots[idx].tat = tat
		}
	}
	sh.mu.Unlock()
	return nil
}

// Sweep releases every idle key (every bucket that is full again) and
// shrinks the tables. It locks one shard at a time, so concurrent
// operations on other shards proceed; call it from a ticker of your own to
// return memory sooner than the incremental release does.
func (s *MemoryStore) Sweep() {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.t.compact(s.now(), s.maxSlots)
		sh.mu.Unlock()
	}
}

// MemoryStats describes a MemoryStore at one moment.
type MemoryStats struct {
	Keys      int    // keys tracked (buckets that are not known to be full)
	Slots     int    // table slots allocated, 16 bytes each
	MaxKeys   int    // the bound on Keys
	Evictions uint64 // full buckets evicted to make room for new keys
	Overflows uint64 // requests of new keys charged to an overflow bucket
}

// Stats returns the store's counters, locking one shard at a time.
func (s *MemoryStore) Stats() MemoryStats {
	st := MemoryStats{MaxKeys: s.perShardMax * len(s.shards)}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		st.Keys += sh.t.count
		st.Slots += len(sh.t.slots)
		st.Evictions += sh.evictions
		st.Overflows += sh.overflows
		sh.mu.Unlock()
	}
	return st
}

// checkTake validates the arguments of Take and Refund.
func checkTake(r Rate, cost int) error {
	if r.IsZero() {
		return ErrZeroRate
	}
	if cost < 0 || cost > r.burst {
		return ErrCost
	}
	return nil
}
