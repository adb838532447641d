package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/jwtauth/jwtauthtest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func jwtHarness(t *testing.T) jwtauthtest.Harness {
	client, prefix := testClient(t)
	r, err := NewJWTRevoker(client, JWTOptions{Prefix: prefix})
	require.NoError(t, err)
	f, err := NewJWTFamilies(client, JWTOptions{Prefix: prefix})
	require.NoError(t, err)
	return jwtauthtest.Harness{Revoker: r, Families: f, Now: time.Now, Advance: time.Sleep}
}

func TestJWTRevokerConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunRevoker(t, jwtHarness)
}

func TestJWTFamiliesConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunFamilies(t, jwtHarness)
}

func TestJWTStoresRefuseBadOptions(t *testing.T) {
	t.Parallel()
	_, err := NewJWTRevoker(nil, JWTOptions{})
	require.Error(t, err)
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	_, err = NewJWTFamilies(client, JWTOptions{Prefix: "a{b}"})
	require.Error(t, err)
}

func TestJWTRevokerKeepsSubjectsOutOfKeys(t *testing.T) {
	t.Parallel()
	client, prefix := testClient(t)
	r, err := NewJWTRevoker(client, JWTOptions{Prefix: prefix})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, r.RevokeSubject(ctx, "alice@example.com", time.Now(), time.Now().Add(time.Minute)))
	keys, err := client.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.NotContains(t, keys[0], "alice", "subjects (often e-mail addresses) are hashed")
	ttl, err := client.PTTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second, "every key has a TTL")
}

// TestJWTAuthOnRedis runs jwtauth's refresh rotation, reuse detection and
// logout with both Redis stores shared by two instances.
func TestJWTAuthOnRedis(t *testing.T) {
	t.Parallel()
	h := jwtHarness(t)
	key, err := jwtauth.NewKey("k1", jwtauth.HS256, []byte("redis-test-secret-redis-test-secret!"))
	require.NoError(t, err)
	keys, err := jwtauth.NewKeySet(key)
	require.NoError(t, err)
	instance := func() *jwtauth.Auth[jwtauth.Claims] {
		a, err := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Revoker: h.Revoker, Families: h.Families})
		require.NoError(t, err)
		return a
	}
	a, b := instance(), instance()
	ctx := context.Background()
	p, err := a.Issue(ctx, subject("alice"))
	require.NoError(t, err)
	q, err := b.Refresh(ctx, p.RefreshToken)
	require.NoError(t, err, "another instance refreshes")
	_, err = a.Refresh(ctx, p.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrRefreshReuse, "and the first instance sees the reuse")
	_, err = b.Verify(ctx, q.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "the whole session is revoked everywhere")

	p, err = a.Issue(ctx, subject("bob"))
	require.NoError(t, err)
	claims, err := b.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	require.NoError(t, b.Logout(ctx, claims))
	_, err = a.Verify(ctx, p.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
	_, err = a.Refresh(ctx, p.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
}

func TestJWTRevokerFailsClosedWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	r, err := NewJWTRevoker(client, JWTOptions{})
	require.NoError(t, err)
	key, err := jwtauth.NewKey("k1", jwtauth.HS256, []byte("redis-test-secret-redis-test-secret!"))
	require.NoError(t, err)
	keys, err := jwtauth.NewKeySet(key)
	require.NoError(t, err)
	a, err := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Revoker: r})
	require.NoError(t, err)
	p, err := a.Issue(context.Background(), subject("alice"))
	require.NoError(t, err)
	_, err = a.Verify(context.Background(), p.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrStoreUnavailable)
}

func subject(sub string) jwtauth.Claims {
	var c jwtauth.Claims
	c.Subject = sub
	return c
}
