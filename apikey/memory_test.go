package apikey_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/apikey/apikeytest"
	"github.com/stretchr/testify/require"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	apikeytest.TestStore(t, func(*testing.T) apikey.Store {
		return apikey.NewMemoryStore(apikey.MemoryOptions{})
	})
}

func TestMemoryStoreIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := apikey.NewMemoryStore(apikey.MemoryOptions{MaxKeys: 3})
	var first *apikey.Key
	for i := range 3 {
		k := apikeytest.NewKey("alice")
		if i == 0 {
			first = k
		}
		require.NoError(t, s.Create(ctx, k))
	}
	require.ErrorIs(t, s.Create(ctx, apikeytest.NewKey("alice")), apikey.ErrStoreFull)
	require.Equal(t, 3, s.Len())

	// Purging revoked keys frees room.
	require.NoError(t, s.Revoke(ctx, first.ID, time.Unix(1, 0)))
	require.Equal(t, 0, s.Purge(time.Unix(0, 0)), "not yet revoked at the cutoff")
	require.Equal(t, 1, s.Purge(time.Unix(2, 0)), "expired keys stay until their expiry passes the cutoff")
	require.Equal(t, 2, s.Len())
	_, err := s.ByHash(ctx, first.Hash)
	require.ErrorIs(t, err, apikey.ErrNotFound)
	list, err := s.ListByOwner(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.NoError(t, s.Create(ctx, apikeytest.NewKey("alice")))
}

func TestMemoryStoreRefusesKeysWithoutIDOrHash(t *testing.T) {
	t.Parallel()
	s := apikey.NewMemoryStore(apikey.MemoryOptions{})
	k := apikeytest.NewKey("alice")
	k.ID = ""
	require.Error(t, s.Create(context.Background(), k))
	k = apikeytest.NewKey("alice")
	k.Hash = apikey.Hash{}
	require.Error(t, s.Create(context.Background(), k))
	require.Error(t, s.Create(context.Background(), nil))
}
