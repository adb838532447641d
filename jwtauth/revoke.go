package jwtauth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// TokenRef identifies a verified token to a Revoker.
type TokenRef struct {
	ID        string    // jti; empty when the token has none
	Subject   string    // sub
	SessionID string    // sid: the login session (refresh family)
	IssuedAt  time.Time // iat; zero when the token has none
}

// Revoker records revoked tokens. Every entry has an end after which it may
// be forgotten: by then the tokens it revokes have expired anyway, so the
// list stays bounded by the tokens still alive.
//
// Implementations must be safe for concurrent use. IsRevoked is called for
// every verified token (also on verified-token cache hits), so it should be
// fast; an error is handled by Options.StoreFailOpen.
type Revoker interface {
	// RevokeToken revokes the token whose jti is id; exp is its expiry.
	RevokeToken(ctx context.Context, id string, exp time.Time) error
	// RevokeSubject revokes every token of subject issued at or before
	// before, compared in whole seconds (the precision of "iat"); a token
	// without "iat" counts as issued at the beginning of time. The entry
	// may be forgotten after until. Repeated calls keep the latest before.
	RevokeSubject(ctx context.Context, subject string, before, until time.Time) error
	// RevokeSession revokes every token whose "sid" is sessionID, until until.
	RevokeSession(ctx context.Context, sessionID string, until time.Time) error
	// IsRevoked reports whether any of the token's identifiers is revoked.
	IsRevoked(ctx context.Context, t TokenRef) (bool, error)
}

// DefaultMaxEntries bounds the in-memory stores when their options leave
// MaxEntries zero.
const DefaultMaxEntries = 100_000

// MemoryOptions configures the in-memory Revoker and FamilyStore.
type MemoryOptions struct {
	// MaxEntries bounds the number of entries. Default DefaultMaxEntries.
	// A full Revoker first forgets expired entries, then refuses new
	// revocations with ErrStoreFull (forgetting a live one would un-revoke a
	// token); a full FamilyStore forgets the session closest to its end,
	// whose refresh token then fails (the user logs in again).
	MaxEntries int
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

func (o *MemoryOptions) defaults() error {
	switch {
	case o.MaxEntries < 0:
		return errors.New("jwtauth: MaxEntries must not be negative")
	case o.MaxEntries == 0:
		o.MaxEntries = DefaultMaxEntries
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// revKind tells the three kinds of revocation apart in one map.
type revKind uint8

const (
	revToken revKind = iota + 1
	revSubject
	revSession
)

type revKey struct {
	kind revKind
	id   string
}

type revEntry struct {
	until  int64 // Unix nanoseconds
	before int64 // subject entries: Unix seconds of the cutoff
}

// MemoryRevoker is the in-memory Revoker: entries expire with the tokens
// they revoke, and the total is bounded. It is safe for concurrent use.
// Revocations are local to the process: use the Redis Revoker of the
// redisstore module when several instances serve the same tokens.
type MemoryRevoker struct {
	mu      sync.RWMutex
	entries map[revKey]revEntry
	heap    expiries[revKey]
	size    atomic.Int64 // len(entries), read without the lock
	max     int
	now     func() time.Time
}

// NewMemoryRevoker returns an empty in-memory Revoker.
func NewMemoryRevoker(o MemoryOptions) (*MemoryRevoker, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return &MemoryRevoker{entries: make(map[revKey]revEntry), max: o.MaxEntries, now: o.Now}, nil
}

// RevokeToken implements Revoker.
func (m *MemoryRevoker) RevokeToken(_ context.Context, id string, exp time.Time) error {
	return m.put(revKey{revToken, id}, exp, 0)
}

// RevokeSubject implements Revoker.
func (m *MemoryRevoker) RevokeSubject(_ context.Context, subject string, before, until time.Time) error {
	return m.put(revKey{revSubject, subject}, until, before.Unix())
}

// RevokeSession implements Revoker.
func (m *MemoryRevoker) RevokeSession(_ context.Context, sessionID string, until time.Time) error {
	return m.put(revKey{revSession, sessionID}, until, 0)
}

func (m *MemoryRevoker) put(k revKey, until time.Time, before int64) error {
	if k.id == "" {
		return errors.New("jwtauth: empty id")
	}
	now := m.now().UnixNano()
	u := until.UnixNano()
	if u <= now {
		return nil // already expired: nothing left to revoke
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, exists := m.entries[k]
	if exists {
		u = max(u, old.until)
		before = max(before, old.before)
	} else {
		m.expire(now)
		if len(m.entries) >= m.max {
			return ErrStoreFull
		}
	}
	m.entries[k] = revEntry{until: u, before: before}
	m.size.Store(int64(len(m.entries)))
	if !exists || u != old.until {
		m.heap.push(u, k)
		if len(m.heap) > 2*m.max {
			m.heap.rebuild(func(yield func(revKey, int64)) {
				for k, e := range m.entries {
					yield(k, e.until)
				}
			})
		}
	}
	return nil
}

// expire forgets the entries whose end passed. m.mu is held.
func (m *MemoryRevoker) expire(now int64) {
	for len(m.heap) > 0 && m.heap.peek().at <= now {
		x := m.heap.pop()
		if e, ok := m.entries[x.key]; ok && e.until <= now {
			delete(m.entries, x.key)
		}
	}
	m.size.Store(int64(len(m.entries)))
}

// IsRevoked implements Revoker. It never fails and, on an empty list,
// takes no lock.
func (m *MemoryRevoker) IsRevoked(_ context.Context, t TokenRef) (bool, error) {
	if m.size.Load() == 0 {
		return false, nil
	}
	now := m.now().UnixNano()
	m.mu.RLock()
	defer m.mu.RUnlock()
	if t.ID != "" {
		if e, ok := m.entries[revKey{revToken, t.ID}]; ok && e.until > now {
			return true, nil
		}
	}
	if t.SessionID != "" {
		if e, ok := m.entries[revKey{revSession, t.SessionID}]; ok && e.until > now {
			return true, nil
		}
	}
	if t.Subject != "" {
		if e, ok := m.entries[revKey{revSubject, t.Subject}]; ok && e.until > now {
			iat := int64(-1 << 62)
			if !t.IssuedAt.IsZero() {
				iat = t.IssuedAt.Unix()
			}
			if iat <= e.before {
				return true, nil
			}
		}
	}
	return false, nil
}

// Len returns the number of entries, expired ones not yet forgotten included.
func (m *MemoryRevoker) Len() int { return int(m.size.Load()) }
