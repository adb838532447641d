package apikey_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/apikey/apikeytest"
	"github.com/stretchr/testify/require"
)

func TestCacheIsAStore(t *testing.T) {
	t.Parallel()
	apikeytest.TestStore(t, func(t *testing.T) apikey.Store {
		c, err := apikey.NewCache(apikey.NewMemoryStore(apikey.MemoryOptions{}), apikey.CacheOptions{})
		require.NoError(t, err)
		return c
	})
}

// countingStore counts ByHash calls and can block them or fail them.
type countingStore struct {
	apikey.Store
	byHash atomic.Int64
	hook   func() // runs inside ByHash, after the lookup
	fail   error
}

func (s *countingStore) ByHash(ctx context.Context, h apikey.Hash) (*apikey.Key, error) {
	s.byHash.Add(1)
	if s.fail != nil {
		return nil, s.fail
	}
	k, err := s.Store.ByHash(ctx, h)
	if s.hook != nil {
		s.hook()
	}
	return k, err
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newCache(t *testing.T, opts apikey.CacheOptions) (*apikey.Cache, *countingStore, *fakeClock) {
	t.Helper()
	next := &countingStore{Store: apikey.NewMemoryStore(apikey.MemoryOptions{})}
	c, err := apikey.NewCache(next, opts)
	require.NoError(t, err)
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c.SetNow(clock.Now)
	return c, next, clock
}

func TestCacheServesHitsFromMemoryUntilTheTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, next, clock := newCache(t, apikey.CacheOptions{TTL: 10 * time.Second})
	k := apikeytest.NewKey("alice")
	require.NoError(t, c.Create(ctx, k))
	for range 5 {
		got, err := c.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.Equal(t, k.ID, got.ID)
	}
	require.EqualValues(t, 1, next.byHash.Load())
	hits, misses := c.Stats()
	require.EqualValues(t, 4, hits)
	require.EqualValues(t, 1, misses)
	clock.Add(10 * time.Second)
	_, err := c.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.EqualValues(t, 2, next.byHash.Load(), "an expired entry is looked up again")
}

func TestCacheRemembersUnknownHashesBriefly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, next, clock := newCache(t, apikey.CacheOptions{NegativeTTL: 2 * time.Second})
	k := apikeytest.NewKey("alice")
	for range 3 {
		_, err := c.ByHash(ctx, k.Hash)
		require.ErrorIs(t, err, apikey.ErrNotFound)
	}
	require.EqualValues(t, 1, next.byHash.Load())
	clock.Add(2 * time.Second)
	_, err := c.ByHash(ctx, k.Hash)
	require.ErrorIs(t, err, apikey.ErrNotFound)
	require.EqualValues(t, 2, next.byHash.Load())

	// Creating the key through the cache forgets the negative entry.
	require.NoError(t, c.Create(ctx, k))
	got, err := c.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.Equal(t, k.ID, got.ID)
}

func TestCacheWithoutNegativeEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, next, _ := newCache(t, apikey.CacheOptions{NegativeTTL: -1})
	for range 3 {
		_, err := c.ByHash(ctx, apikeytest.NewKey("a").Hash)
		require.ErrorIs(t, err, apikey.ErrNotFound)
	}
	require.EqualValues(t, 3, next.byHash.Load())
	require.Zero(t, c.Len())
}

func TestCacheDoesNotCacheStoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, next, _ := newCache(t, apikey.CacheOptions{})
	next.fail = errors.New("connection refused")
	for range 2 {
		_, err := c.ByHash(ctx, apikeytest.NewKey("a").Hash)
		require.ErrorContains(t, err, "connection refused")
		require.NotErrorIs(t, err, apikey.ErrNotFound)
	}
	require.Zero(t, c.Len())
}

func TestCacheRevokeTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, clock := newCache(t, apikey.CacheOptions{TTL: time.Hour})
	k := apikeytest.NewKey("alice")
	require.NoError(t, c.Create(ctx, k))
	got, err := c.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.True(t, got.RevokedAt.IsZero())
	require.NoError(t, c.Revoke(ctx, k.ID, clock.Now()))
	got, err = c.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.True(t, got.Revoked(clock.Now()), "the cached entry was invalidated by Revoke")
}

// A lookup that read the store before a revocation and finishes after it
// must not put the pre-revocation key in the cache.
func TestCacheDoesNotKeepALookupThatRacedWithRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, next, clock := newCache(t, apikey.CacheOptions{TTL: time.Hour})
	k := apikeytest.NewKey("alice")
	require.NoError(t, c.Create(ctx, k))

	inLookup, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	next.hook = func() {
		once.Do(func() {
			close(inLookup)
			<-release
		})
	}
	done := make(chan *apikey.Key)
	go func() {
		got, _ := c.ByHash(ctx, k.Hash)
		done <- got
	}()
	<-inLookup // the lookup holds the unrevoked key
	require.NoError(t, c.Revoke(ctx, k.ID, clock.Now()))
	close(release)
	stale := <-done
	require.True(t, stale.RevokedAt.IsZero(), "the racing lookup saw the old key")
	got, err := c.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.True(t, got.Revoked(clock.Now()), "but did not cache it")
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _, clock := newCache(t, apikey.CacheOptions{MaxEntries: 50})
	var keys []*apikey.Key
	for range 60 {
		k := apikeytest.NewKey("alice")
		require.NoError(t, c.Create(ctx, k))
		keys = append(keys, k)
	}
	for range 3 {
		for _, k := range keys {
			_, err := c.ByHash(ctx, k.Hash)
			require.NoError(t, err)
			_, err = c.ByHash(ctx, apikeytest.NewKey("x").Hash)
			require.ErrorIs(t, err, apikey.ErrNotFound)
			require.LessOrEqual(t, c.Len(), 50)
		}
		clock.Add(time.Second)
	}
	// Revoking any key, cached or evicted, still takes effect.
	for _, k := range keys {
		require.NoError(t, c.Revoke(ctx, k.ID, clock.Now()))
		got, err := c.ByHash(ctx, k.Hash)
		require.NoError(t, err)
		require.True(t, got.Revoked(clock.Now()))
	}
}

func TestCacheOptionsAreValidated(t *testing.T) {
	t.Parallel()
	_, err := apikey.NewCache(nil, apikey.CacheOptions{})
	require.Error(t, err)
	_, err = apikey.NewCache(apikey.NewMemoryStore(apikey.MemoryOptions{}), apikey.CacheOptions{TTL: -1})
	require.Error(t, err)
}
