package apikey

import (
	"context"
	"errors"
	"time"
)

// Store keeps keys. The in-memory MemoryStore is the default;
// sqlstore.APIKeyStore keeps them in PostgreSQL, and Cache sits in front of
// either. Implementations must be safe for concurrent use and pass
// apikeytest.TestStore.
//
// A store never sees a key, only its Hash. Times are stored with at least
// microsecond precision.
type Store interface {
	// Create adds k. k.ID and k.Hash must be set; a key with the same ID
	// or Hash already present gives ErrDuplicate. The store keeps its own
	// copy of k.
	Create(ctx context.Context, k *Key) error
	// ByHash returns the key with hash h, revoked and expired keys
	// included, or ErrNotFound. The result may be shared: read-only.
	ByHash(ctx context.Context, h Hash) (*Key, error)
	// ByID returns the key with the given ID, or ErrNotFound. The result
	// may be shared: read-only.
	ByID(ctx context.Context, id string) (*Key, error)
	// ListByOwner returns the owner's keys, revoked and expired included,
	// oldest first, in copies the caller may keep.
	ListByOwner(ctx context.Context, owner string) ([]Key, error)
	// Revoke sets the key's RevokedAt to at, or keeps an earlier RevokedAt
	// (revocation is never postponed). It returns ErrNotFound for an
	// unknown id.
	Revoke(ctx context.Context, id string, at time.Time) error
	// RecordUsage adds each Usage's Count to its key's UsageCount and moves
	// LastUsed forward to the Usage's LastUsed (never back). Unknown ids
	// are ignored.
	RecordUsage(ctx context.Context, usage []Usage) error
}

// Store errors.
var (
	// ErrNotFound: no key with that hash or id (or, from the Manager, none
	// that the caller owns).
	ErrNotFound = errors.New("apikey: key not found")
	// ErrDuplicate: a key with the same id or hash exists.
	ErrDuplicate = errors.New("apikey: duplicate key")
	// ErrStoreFull: a bounded store holds as many keys as it may.
	ErrStoreFull = errors.New("apikey: store full")

	errInvalidKey = errors.New("apikey: a stored key needs an id and a hash")
)

var (
	_ Store = (*MemoryStore)(nil)
	_ Store = (*Cache)(nil)
)
