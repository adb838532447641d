package apikey

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Cache defaults.
const (
	DefaultCacheTTL         = 10 * time.Second
	DefaultCacheNegativeTTL = 2 * time.Second
	DefaultCacheMaxEntries  = 10_000
)

// CacheOptions configures a Cache.
type CacheOptions struct {
	// TTL is how long a found key is served from memory. Default
	// DefaultCacheTTL. It bounds how long another instance may still
	// accept a key revoked elsewhere.
	TTL time.Duration
	// NegativeTTL is how long an unknown hash is remembered as unknown.
	// Default DefaultCacheNegativeTTL; negative: unknown hashes are not
	// cached. It bounds how long another instance may refuse a key just
	// created elsewhere.
	NegativeTTL time.Duration
	// MaxEntries bounds the entries, found and unknown together; when
	// full, expired entries and then arbitrary ones are evicted. Default
	// DefaultCacheMaxEntries.
	MaxEntries int
}

// Cache is a Store that keeps ByHash answers in memory for a short time in
// front of another Store, so that a busy key costs one database query per
// TTL rather than one per request.
//
// Revocation: Revoke through the Cache invalidates its entry before
// returning, and a lookup that raced with it is not cached, so once Revoke
// returns this instance never accepts the key again. Other instances, with
// caches of their own, may accept it until their entry expires: at most TTL
// after the revocation. Give the Manager and the Authenticator the same
// Cache.
//
// Store errors are not cached. Create, ByID, ListByOwner and RecordUsage go
// straight to the next store (Create also forgets a cached "unknown" for
// the new key's hash). LastUsed and UsageCount of cached keys are as old as
// the entry.
//
// A Cache is safe for concurrent use; a hit takes a read lock and
// allocates nothing.
type Cache struct {
	next   Store
	ttl    time.Duration
	negTTL time.Duration // < 0: no negative entries
	max    int
	now    func() time.Time

	mu      sync.RWMutex
	entries map[Hash]cacheEntry
	ids     map[string]Hash // key id -> hash of its positive entry
	gen     uint64          // bumped by every invalidation

	hits, misses atomic.Uint64
}

type cacheEntry struct {
	key     *Key // nil: the hash is unknown
	expires time.Time
}

// NewCache returns a Cache in front of next.
func NewCache(next Store, opts CacheOptions) (*Cache, error) {
	if next == nil {
		return nil, errors.New("apikey: cache needs a store")
	}
	if opts.TTL < 0 || opts.MaxEntries < 0 {
		return nil, errors.New("apikey: cache TTL and MaxEntries must not be negative")
	}
	c := &Cache{
		next:    next,
		ttl:     opts.TTL,
		negTTL:  opts.NegativeTTL,
		max:     opts.MaxEntries,
		now:     time.Now,
		entries: make(map[Hash]cacheEntry),
		ids:     make(map[string]Hash),
	}
	if c.ttl == 0 {
		c.ttl = DefaultCacheTTL
	}
	if c.negTTL == 0 {
		c.negTTL = DefaultCacheNegativeTTL
	}
	if c.max == 0 {
		c.max = DefaultCacheMaxEntries
	}
	return c, nil
}

// Stats returns how many ByHash calls were answered from memory and how
// many went to the next store.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// Len returns how many entries the cache holds.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// ByHash implements Store, from memory when it can.
func (c *Cache) ByHash(ctx context.Context, h Hash) (*Key, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.entries[h]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		c.hits.Add(1)
		if e.key == nil {
			return nil, ErrNotFound
		}
		return e.key, nil
	}
	c.misses.Add(1)
	k, err := c.next.ByHash(ctx, h)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if k == nil && err == nil {
		err = ErrNotFound
	}
	if err != nil && c.negTTL < 0 {
		return nil, err
	}
	c.mu.Lock()
	// An invalidation since our read means the answer may predate a
	// revocation: use it for this request, but do not keep it.
	if c.gen == gen {
		if err != nil {
			c.insert(h, cacheEntry{expires: now.Add(c.negTTL)}, now)
		} else {
			c.insert(h, cacheEntry{key: k, expires: now.Add(c.ttl)}, now)
		}
	}
	c.mu.Unlock()
	return k, err
}

// insert adds an entry, evicting when full; c.mu must be held.
func (c *Cache) insert(h Hash, e cacheEntry, now time.Time) {
	if old, ok := c.entries[h]; ok && old.key != nil {
		delete(c.ids, old.key.ID)
	}
	if _, ok := c.entries[h]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[h] = e
	if e.key != nil {
		if oh, ok := c.ids[e.key.ID]; ok && oh != h {
			delete(c.entries, oh)
		}
		c.ids[e.key.ID] = h
	}
}

// evict frees at least one slot: expired entries among the first few the
// map yields, or else one arbitrary entry (map order is randomized).
func (c *Cache) evict(now time.Time) {
	const scan = 32
	n, freed := 0, false
	var victim Hash
	for h, e := range c.entries {
		if !now.Before(e.expires) {
			c.remove(h, e)
			freed = true
		} else if n == 0 {
			victim = h
		}
		n++
		if n >= scan {
			break
		}
	}
	if !freed && n > 0 {
		c.remove(victim, c.entries[victim])
	}
}

func (c *Cache) remove(h Hash, e cacheEntry) {
	delete(c.entries, h)
	if e.key != nil && c.ids[e.key.ID] == h {
		delete(c.ids, e.key.ID)
	}
}

// invalidateID forgets the entry of key id and any lookup in flight.
func (c *Cache) invalidateID(id string) {
	c.mu.Lock()
	c.gen++
	if h, ok := c.ids[id]; ok {
		c.remove(h, c.entries[h])
	}
	c.mu.Unlock()
}

// Revoke implements Store and invalidates the key's entry.
func (c *Cache) Revoke(ctx context.Context, id string, at time.Time) error {
	err := c.next.Revoke(ctx, id, at)
	// Invalidate even on error: the revocation may have been applied.
	c.invalidateID(id)
	return err
}

// Create implements Store and forgets a cached "unknown" for k's hash.
func (c *Cache) Create(ctx context.Context, k *Key) error {
	err := c.next.Create(ctx, k)
	if k != nil {
		c.mu.Lock()
		c.gen++
		if e, ok := c.entries[k.Hash]; ok {
			c.remove(k.Hash, e)
		}
		c.mu.Unlock()
	}
	return err
}

// ByID implements Store; it is not cached.
func (c *Cache) ByID(ctx context.Context, id string) (*Key, error) { return c.next.ByID(ctx, id) }

// ListByOwner implements Store; it is not cached.
func (c *Cache) ListByOwner(ctx context.Context, owner string) ([]Key, error) {
	return c.next.ListByOwner(ctx, owner)
}

// RecordUsage implements Store; it is not cached.
func (c *Cache) RecordUsage(ctx context.Context, usage []Usage) error {
	return c.next.RecordUsage(ctx, usage)
}
