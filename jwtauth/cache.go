package jwtauth

import (
	"sync"
	"time"
)

// tokenCache remembers verified access tokens signed with asymmetric keys,
// so that a token presented again skips the signature check and the JSON
// decoding. It is bounded; an entry is used only while the token is not
// expired and its key still verifies. Revocation is not cached: the caller
// asks the Revoker on every hit.
type tokenCache[T any] struct {
	mu  sync.RWMutex
	m   map[string]cacheEntry[T]
	max int
}

type cacheEntry[T any] struct {
	claims T
	key    *Key
	exp    time.Time
}

func newTokenCache[T any](size int) *tokenCache[T] {
	return &tokenCache[T]{m: make(map[string]cacheEntry[T], min(size, 1024)), max: size}
}

// get returns a copy of the cached claims of tok.
func (c *tokenCache[T]) get(tok string, now time.Time, snap *keySnapshot, leeway time.Duration) (*T, bool) {
	c.mu.RLock()
	e, ok := c.m[tok]
	c.mu.RUnlock()
	if !ok {
		return nil, false
	}
	k, live := snap.byKID[e.key.kid]
	if !now.Before(e.exp.Add(leeway)) || !live || k.key != e.key ||
		!(k.retireAt.IsZero() || now.Before(k.retireAt)) {
		c.mu.Lock()
		delete(c.m, tok)
		c.mu.Unlock()
		return nil, false
	}
	claims := e.claims
	return &claims, true
}

// put caches a copy of claims.
func (c *tokenCache[T]) put(tok string, claims *T, key *Key, now time.Time) {
	b := baseOf(claims)
	if b.ExpiresAt == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[tok] = cacheEntry[T]{claims: *claims, key: key, exp: b.ExpiresAt.Time}
}

// evict drops the expired entries among the first few the map yields, or
// else the first of them: map iteration order is randomised, so this is a
// cheap random eviction. c.mu is held.
func (c *tokenCache[T]) evict(now time.Time) {
	dropped, seen := 0, 0
	var victim string
	for tok, e := range c.m {
		if !now.Before(e.exp) {
			delete(c.m, tok)
			dropped++
		} else if seen == 0 {
			victim = tok
		}
		if seen++; seen >= 8 {
			break
		}
	}
	if dropped == 0 {
		delete(c.m, victim)
	}
}

// len returns the number of cached tokens.
func (c *tokenCache[T]) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
