package apikey

import (
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultMaxKeys bounds a MemoryStore when MemoryOptions.MaxKeys is unset.
const DefaultMaxKeys = 100_000

// MemoryOptions configures a MemoryStore.
type MemoryOptions struct {
	// MaxKeys bounds how many keys (revoked and expired ones included) the
	// store holds; Create beyond it returns ErrStoreFull. Purge frees room.
	// Default DefaultMaxKeys.
	MaxKeys int
}

// MemoryStore is a Store in process memory, for tests, development and
// single-instance services whose keys may be lost on restart. It is bounded
// (MemoryOptions.MaxKeys) and safe for concurrent use. Lookups take a read
// lock and allocate nothing; keys are copied on write, so a *Key it returns
// never changes afterwards.
type MemoryStore struct {
	mu      sync.RWMutex
	max     int
	byHash  map[Hash]*Key
	byID    map[string]*Key
	byOwner map[string][]string // key ids, oldest first
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts MemoryOptions) *MemoryStore {
	max := opts.MaxKeys
	if max <= 0 {
		max = DefaultMaxKeys
	}
	return &MemoryStore{
		max:     max,
		byHash:  make(map[Hash]*Key),
		byID:    make(map[string]*Key),
		byOwner: make(map[string][]string),
	}
}

// Len returns how many keys the store holds.
func (m *MemoryStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.byID)
}

// Create implements Store.
func (m *MemoryStore) Create(_ context.Context, k *Key) error {
	if k == nil || k.ID == "" || k.Hash.IsZero() {
		return errInvalidKey
	}
	c := cloneKey(k)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[c.ID]; ok {
		return ErrDuplicate
	}
	if _, ok := m.byHash[c.Hash]; ok {
		return ErrDuplicate
	}
	if len(m.byID) >= m.max {
		return ErrStoreFull
	}
	m.byID[c.ID] = c
	m.byHash[c.Hash] = c
	m.byOwner[c.Owner] = append(m.byOwner[c.Owner], c.ID)
	return nil
}

// ByHash implements Store.
func (m *MemoryStore) ByHash(_ context.Context, h Hash) (*Key, error) {
	m.mu.RLock()
	k := m.byHash[h]
	m.mu.RUnlock()
	if k == nil {
		return nil, ErrNotFound
	}
	return k, nil
}

// ByID implements Store.
func (m *MemoryStore) ByID(_ context.Context, id string) (*Key, error) {
	m.mu.RLock()
	k := m.byID[id]
	m.mu.RUnlock()
	if k == nil {
		return nil, ErrNotFound
	}
	return k, nil
}

// ListByOwner implements Store.
func (m *MemoryStore) ListByOwner(_ context.Context, owner string) ([]Key, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := m.byOwner[owner]
	out := make([]Key, 0, len(ids))
	for _, id := range ids {
		out = append(out, *cloneKey(m.byID[id]))
	}
	return out, nil
}

// Revoke implements Store.
func (m *MemoryStore) Revoke(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.byID[id]
	if k == nil {
		return ErrNotFound
	}
	if !k.RevokedAt.IsZero() && !at.Before(k.RevokedAt) {
		return nil
	}
	c := cloneKey(k)
	c.RevokedAt = at
	m.replace(c)
	return nil
}

// RecordUsage implements Store.
func (m *MemoryStore) RecordUsage(_ context.Context, usage []Usage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range usage {
		k := m.byID[u.ID]
		if k == nil || (u.Count == 0 && !u.LastUsed.After(k.LastUsed)) {
			continue
		}
		c := cloneKey(k)
		c.UsageCount += u.Count
		if u.LastUsed.After(c.LastUsed) {
			c.LastUsed = u.LastUsed
		}
		m.replace(c)
	}
	return nil
}

// Purge removes keys that were revoked or expired before cutoff, to make
// room in a bounded store, and returns how many it removed.
func (m *MemoryStore) Purge(cutoff time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, k := range m.byID {
		if !k.Revoked(cutoff) && !k.Expired(cutoff) {
			continue
		}
		delete(m.byID, id)
		delete(m.byHash, k.Hash)
		ids := slices.DeleteFunc(m.byOwner[k.Owner], func(x string) bool { return x == id })
		if len(ids) == 0 {
			delete(m.byOwner, k.Owner)
		} else {
			m.byOwner[k.Owner] = ids
		}
		n++
	}
	return n
}

// replace swaps in a new version of a key; m.mu must be held.
func (m *MemoryStore) replace(c *Key) {
	m.byID[c.ID] = c
	m.byHash[c.Hash] = c
}
