package jwtauth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FamilyStore keeps, for each refresh-token family (one login session),
// the id of the one refresh token that may be exchanged next. It is what
// makes refresh tokens single-use and turns the replay of a used one into
// the revocation of the whole family (RFC 9700, section 4.14.2).
//
// Implementations must be safe for concurrent use, and Rotate must be
// atomic: of two concurrent Rotate calls with the same old id, at most one
// may succeed.
type FamilyStore interface {
	// Start records a new family whose current refresh token is jti. The
	// family may be forgotten after until (its refresh token's expiry).
	Start(ctx context.Context, family, jti string, until time.Time) error
	// Rotate replaces the family's current token old by next and extends
	// the family to until. When old is not current (a used token was
	// replayed), it revokes the family and returns ErrRefreshReuse. It
	// returns ErrSessionRevoked for a revoked family and ErrUnknownSession
	// for one it does not know.
	Rotate(ctx context.Context, family, old, next string, until time.Time) error
	// Revoke ends the family; it is remembered as revoked until until, so
	// that a later Rotate reports ErrSessionRevoked.
	Revoke(ctx context.Context, family string, until time.Time) error
}

type famEntry struct {
	current string
	revoked bool
	until   int64 // Unix nanoseconds
}

// MemoryFamilies is the in-memory FamilyStore, bounded (see MemoryOptions).
// It is safe for concurrent use. Families are local to the process: use
// the Redis FamilyStore of the redisstore module when several instances
// serve the same refresh tokens.
type MemoryFamilies struct {
	mu      sync.Mutex
	entries map[string]famEntry
	heap    expiries[string]
	max     int
	now     func() time.Time
}

// NewMemoryFamilies returns an empty in-memory FamilyStore.
func NewMemoryFamilies(o MemoryOptions) (*MemoryFamilies, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return &MemoryFamilies{entries: make(map[string]famEntry), max: o.MaxEntries, now: o.Now}, nil
}

// Start implements FamilyStore.
func (f *MemoryFamilies) Start(_ context.Context, family, jti string, until time.Time) error {
	if family == "" || jti == "" {
		return errors.New("jwtauth: empty family or token id")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, exists := f.entries[family]; exists {
		return errors.New("jwtauth: family already exists")
	}
	f.set(family, famEntry{current: jti, until: until.UnixNano()}, true)
	return nil
}

// Rotate implements FamilyStore.
func (f *MemoryFamilies) Rotate(_ context.Context, family, old, next string, until time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now().UnixNano()
	e, ok := f.entries[family]
	switch {
	case !ok || e.until <= now:
		return ErrUnknownSession
	case e.revoked:
		return ErrSessionRevoked
	case e.current != old:
		e.revoked = true
		f.entries[family] = e
		return ErrRefreshReuse
	}
	e.current = next
	u := max(e.until, until.UnixNano())
	extended := u != e.until
	e.until = u
	f.set(family, e, extended)
	return nil
}

// Revoke implements FamilyStore.
func (f *MemoryFamilies) Revoke(_ context.Context, family string, until time.Time) error {
	if family == "" {
		return errors.New("jwtauth: empty family")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.entries[family]
	u := max(e.until, until.UnixNano())
	f.set(family, famEntry{revoked: true, until: u}, !ok || u != e.until)
	return nil
}

// set stores e, making room first for a new family. f.mu is held.
func (f *MemoryFamilies) set(family string, e famEntry, push bool) {
	if _, exists := f.entries[family]; !exists {
		now := f.now().UnixNano()
		for len(f.heap) > 0 && (f.heap.peek().at <= now || len(f.entries) >= f.max) {
			x := f.heap.pop()
			if cur, ok := f.entries[x.key]; ok && (cur.until == x.at || cur.until <= now) {
				delete(f.entries, x.key) // expired, or the session closest to its end
			}
		}
	}
	f.entries[family] = e
	if push {
		f.heap.push(e.until, family)
		if len(f.heap) > 2*f.max {
			f.heap.rebuild(func(yield func(string, int64)) {
				for k, v := range f.entries {
					yield(k, v.until)
				}
			})
		}
	}
}

// Len returns the number of families held.
func (f *MemoryFamilies) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}
