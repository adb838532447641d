// Package apikeytest checks that an apikey.Store behaves as the package
// expects. The in-memory store, the cache and the PostgreSQL store of the
// sqlstore module all pass the same suite:
//
//	func TestStore(t *testing.T) {
//		apikeytest.TestStore(t, func(t *testing.T) apikey.Store { return newStore(t) })
//	}
package apikeytest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

// TestStore runs the Store suite. newStore returns an empty store for each
// subtest; subtests run in parallel.
func TestStore(t *testing.T, newStore func(t *testing.T) apikey.Store) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}

// base is a time with microsecond precision, as stores keep it.
var base = time.Date(2025, 3, 4, 5, 6, 7, 891011000, time.UTC)

var seq struct {
	sync.Mutex
	n int
}

// NewKey returns a key with every field set, unique id and hash, owned by
// owner. Times are in UTC with microsecond precision.
func NewKey(owner string) *apikey.Key {
	seq.Lock()
	seq.n++
	n := seq.n
	seq.Unlock()
	var r [8]byte
	_, _ = rand.Read(r[:])
	id := fmt.Sprintf("k%d_%x", n, r)
	return &apikey.Key{
		ID:              id,
		Prefix:          "gk_test",
		Hash:            sha256.Sum256([]byte(id)),
		Owner:           owner,
		Name:            "deploy key O'Brien; DROP TABLE",
		Scopes:          []string{"repo:read", "repo:write"},
		AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/48")},
		Rate:            "100/h",
		Created:         base,
		Expires:         base.Add(90 * 24 * time.Hour),
	}
}

// RequireSameKey fails unless got holds want's fields (times compared as
// instants).
func RequireSameKey(t testing.TB, want, got *apikey.Key) {
	t.Helper()
	require.NotNil(t, got)
	norm := func(k apikey.Key) apikey.Key {
		for _, p := range []*time.Time{&k.Created, &k.Expires, &k.RevokedAt, &k.LastUsed} {
			if !p.IsZero() {
				*p = p.UTC()
			}
		}
		if len(k.Scopes) == 0 {
			k.Scopes = nil
		}
		if len(k.AllowedNetworks) == 0 {
			k.AllowedNetworks = nil
		}
		return k
	}
	require.Equal(t, norm(*want), norm(*got))
}

var cases = []struct {
	name string
	run  func(t *testing.T, s apikey.Store)
}{
	{"a created key is found by hash and by id with every field intact", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		require.NoError(t, s.Create(ctx, k))
		got, err := s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		RequireSameKey(t, k, got)
		got, err = s.ByID(ctx, k.ID)
		require.NoError(t, err)
		RequireSameKey(t, k, got)
	}},
	{"a key without expiry, scopes, networks or rate round-trips", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		k.Expires, k.Scopes, k.AllowedNetworks, k.Rate, k.Name = time.Time{}, nil, nil, "", ""
		require.NoError(t, s.Create(ctx, k))
		got, err := s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		RequireSameKey(t, k, got)
		require.True(t, got.Expires.IsZero())
		require.True(t, got.RevokedAt.IsZero())
		require.True(t, got.LastUsed.IsZero())
	}},
	{"unknown hashes and ids are ErrNotFound", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		require.NoError(t, s.Create(ctx, NewKey("alice")))
		_, err := s.ByHash(ctx, sha256.Sum256([]byte("nope")))
		require.ErrorIs(t, err, apikey.ErrNotFound)
		_, err = s.ByID(ctx, "nope")
		require.ErrorIs(t, err, apikey.ErrNotFound)
		_, err = s.ByID(ctx, "' OR '1'='1")
		require.ErrorIs(t, err, apikey.ErrNotFound)
	}},
	{"a second key with the same id or the same hash is ErrDuplicate", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		require.NoError(t, s.Create(ctx, k))
		sameID := NewKey("bob")
		sameID.ID = k.ID
		require.ErrorIs(t, s.Create(ctx, sameID), apikey.ErrDuplicate)
		sameHash := NewKey("bob")
		sameHash.Hash = k.Hash
		require.ErrorIs(t, s.Create(ctx, sameHash), apikey.ErrDuplicate)
		list, err := s.ListByOwner(ctx, "bob")
		require.NoError(t, err)
		require.Empty(t, list)
	}},
	{"the store keeps its own copy of a created key", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		want := *k
		want.Scopes = append([]string(nil), k.Scopes...)
		require.NoError(t, s.Create(ctx, k))
		k.Scopes[0] = "admin"
		k.Owner = "mallory"
		got, err := s.ByID(ctx, want.ID)
		require.NoError(t, err)
		RequireSameKey(t, &want, got)
	}},
	{"ListByOwner returns only the owner's keys, oldest first, revoked ones included", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		var ids []string
		for i := range 3 {
			k := NewKey("alice")
			k.Created = base.Add(time.Duration(i) * time.Minute)
			require.NoError(t, s.Create(ctx, k))
			ids = append(ids, k.ID)
			require.NoError(t, s.Create(ctx, NewKey("bob")))
		}
		require.NoError(t, s.Revoke(ctx, ids[1], base))
		list, err := s.ListByOwner(ctx, "alice")
		require.NoError(t, err)
		require.Len(t, list, 3)
		for i, k := range list {
			require.Equal(t, ids[i], k.ID)
			require.Equal(t, "alice", k.Owner)
		}
		require.True(t, list[1].Revoked(base))
		none, err := s.ListByOwner(ctx, "carol")
		require.NoError(t, err)
		require.Empty(t, none)
	}},
	{"keys returned by ListByOwner are copies", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		require.NoError(t, s.Create(ctx, k))
		list, err := s.ListByOwner(ctx, "alice")
		require.NoError(t, err)
		list[0].Scopes[0] = "admin"
		list[0].Owner = "mallory"
		got, err := s.ByID(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, "repo:read", got.Scopes[0])
		require.Equal(t, "alice", got.Owner)
	}},
	{"Revoke sets RevokedAt, never postpones it, and ErrNotFound for an unknown id", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		require.NoError(t, s.Create(ctx, k))
		grace := base.Add(time.Hour)
		require.NoError(t, s.Revoke(ctx, k.ID, grace))
		got, err := s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.True(t, grace.Equal(got.RevokedAt))
		require.False(t, got.Revoked(base), "valid until the revocation time")
		require.True(t, got.Revoked(grace))

		require.NoError(t, s.Revoke(ctx, k.ID, base.Add(2*time.Hour)), "a later revocation is accepted")
		got, err = s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.True(t, grace.Equal(got.RevokedAt), "but does not postpone")

		require.NoError(t, s.Revoke(ctx, k.ID, base))
		got, err = s.ByID(ctx, k.ID)
		require.NoError(t, err)
		require.True(t, base.Equal(got.RevokedAt), "an earlier revocation wins")

		require.ErrorIs(t, s.Revoke(ctx, "nope", base), apikey.ErrNotFound)
	}},
	{"RecordUsage adds counts, moves LastUsed forward only and ignores unknown ids", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		a, b := NewKey("alice"), NewKey("alice")
		require.NoError(t, s.Create(ctx, a))
		require.NoError(t, s.Create(ctx, b))
		t1, t2 := base.Add(time.Minute), base.Add(2*time.Minute)
		require.NoError(t, s.RecordUsage(ctx, []apikey.Usage{
			{ID: a.ID, Count: 3, LastUsed: t2},
			{ID: "unknown", Count: 5, LastUsed: t2},
			{ID: b.ID, Count: 1, LastUsed: t1},
		}))
		require.NoError(t, s.RecordUsage(ctx, []apikey.Usage{{ID: a.ID, Count: 2, LastUsed: t1}}))
		require.NoError(t, s.RecordUsage(ctx, nil))
		got, err := s.ByID(ctx, a.ID)
		require.NoError(t, err)
		require.EqualValues(t, 5, got.UsageCount)
		require.True(t, t2.Equal(got.LastUsed), "LastUsed never moves back")
		got, err = s.ByHash(ctx, b.Hash)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.UsageCount)
		require.True(t, t1.Equal(got.LastUsed))
	}},
	{"RecordUsage sums repeated ids within one batch", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		a := NewKey("alice")
		require.NoError(t, s.Create(ctx, a))
		require.NoError(t, s.RecordUsage(ctx, []apikey.Usage{
			{ID: a.ID, Count: 1, LastUsed: base.Add(time.Second)},
			{ID: a.ID, Count: 2, LastUsed: base.Add(3 * time.Second)},
			{ID: a.ID, Count: 4, LastUsed: base.Add(2 * time.Second)},
		}))
		got, err := s.ByID(ctx, a.ID)
		require.NoError(t, err)
		require.EqualValues(t, 7, got.UsageCount)
		require.True(t, base.Add(3*time.Second).Equal(got.LastUsed))
	}},
	{"concurrent RecordUsage calls lose no count", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		a := NewKey("alice")
		require.NoError(t, s.Create(ctx, a))
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					errs <- s.RecordUsage(ctx, []apikey.Usage{{ID: a.ID, Count: 1, LastUsed: base.Add(time.Duration(w*each+i) * time.Second)}})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := s.ByID(ctx, a.ID)
		require.NoError(t, err)
		require.EqualValues(t, workers*each, got.UsageCount)
		require.True(t, base.Add((workers*each-1)*time.Second).Equal(got.LastUsed))
	}},
	{"a key returned before a revocation is not changed by it", func(t *testing.T, s apikey.Store) {
		ctx := context.Background()
		k := NewKey("alice")
		require.NoError(t, s.Create(ctx, k))
		before, err := s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.NoError(t, s.Revoke(ctx, k.ID, base))
		require.True(t, before.RevokedAt.IsZero(), "keys handed out are snapshots")
		after, err := s.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.False(t, after.RevokedAt.IsZero())
	}},
	{"a canceled context is an error, not a miss", func(t *testing.T, s apikey.Store) {
		k := NewKey("alice")
		require.NoError(t, s.Create(context.Background(), k))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.ByHash(ctx, k.Hash)
		if err != nil {
			require.False(t, errors.Is(err, apikey.ErrNotFound), "a failure must not look like an unknown key")
		}
	}},
}
