package jwtauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

func TestVerifiedTokenCache(t *testing.T) {
	t.Parallel()
	testKeys(t)
	ctx := context.Background()
	c := newClock()
	keys := mustSet(t, mustKey(t, "ec", jwtauth.ES256, ecKey), mustKey(t, "k1", jwtauth.HS256, hmacKey1))
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Keys = keys; o.CacheSize = 4 })

	p, err := a.Issue(ctx, user("alice", "read", "user"))
	require.NoError(t, err)
	first, err := a.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	require.Equal(t, 1, jwtauth.CacheLenForTest(a))
	first.Role = "admin" // a handler scribbling on its claims
	hit, err := a.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "user", hit.Role, "a cache hit returns a fresh copy")

	t.Run("revocation is effective on a cache hit", func(t *testing.T) {
		q, err := a.Issue(ctx, user("bob", "", ""))
		require.NoError(t, err)
		claims, err := a.Verify(ctx, q.AccessToken)
		require.NoError(t, err)
		require.NoError(t, a.RevokeToken(ctx, claims))
		_, err = a.Verify(ctx, q.AccessToken)
		require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
		require.NoError(t, a.RevokeSubject(ctx, "alice"))
		_, err = a.Verify(ctx, p.AccessToken)
		require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
	})

	t.Run("a cached token expires with its exp", func(t *testing.T) {
		c.Advance(time.Second)
		q, err := a.Issue(ctx, user("carol", "", ""))
		require.NoError(t, err)
		_, err = a.Verify(ctx, q.AccessToken)
		require.NoError(t, err)
		c.Advance(15 * time.Minute)
		_, err = a.Verify(ctx, q.AccessToken)
		require.ErrorIs(t, err, jwtauth.ErrTokenExpired)
	})

	t.Run("a cached token stops verifying when its key is retired", func(t *testing.T) {
		q, err := a.Issue(ctx, user("dave", "", ""))
		require.NoError(t, err)
		_, err = a.Verify(ctx, q.AccessToken)
		require.NoError(t, err)
		require.NoError(t, keys.Add(mustKey(t, "ec2", jwtauth.EdDSA, edKey)))
		require.NoError(t, keys.Activate("ec2"))
		require.NoError(t, keys.Retire("ec"))
		_, err = a.Verify(ctx, q.AccessToken)
		require.ErrorIs(t, err, jwtauth.ErrUnknownKID)
	})

	t.Run("the cache is bounded", func(t *testing.T) {
		for range 20 {
			q, err := a.Issue(ctx, user("erin", "", ""))
			require.NoError(t, err)
			_, err = a.Verify(ctx, q.AccessToken)
			require.NoError(t, err)
			require.LessOrEqual(t, jwtauth.CacheLenForTest(a), 4)
		}
	})
}

func TestHMACTokensAreNotCached(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.CacheSize = 4 })
	p, err := a.Issue(context.Background(), user("alice", "", ""))
	require.NoError(t, err)
	_, err = a.Verify(context.Background(), p.AccessToken)
	require.NoError(t, err)
	require.Equal(t, 0, jwtauth.CacheLenForTest(a))
}
