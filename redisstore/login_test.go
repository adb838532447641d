package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/password/passwordtest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func newLoginStore(t *testing.T) password.Store {
	client, prefix := testClient(t)
	s, err := NewLoginStore(client, LoginOptions{Prefix: prefix})
	require.NoError(t, err)
	return s
}

// The same suites as the in-memory store: the counter rules, and login
// scenarios through a Tracker. Both drive time through the caller's clock.
func TestLoginStoreConformance(t *testing.T) {
	t.Parallel()
	passwordtest.TestStore(t, newLoginStore)
}

func TestLoginStoreTracker(t *testing.T) {
	t.Parallel()
	passwordtest.TestTracker(t, newLoginStore)
}

func TestLoginStoreKeys(t *testing.T) {
	t.Parallel()
	client, prefix := testClient(t)
	s, err := NewLoginStore(client, LoginOptions{Prefix: prefix})
	require.NoError(t, err)
	ctx := context.Background()
	lim := passwordtest.Limits()
	now := time.Now()
	k := password.Keys{User: "alice@example.com", IP: "2001:db8::"}
	for _, k := range []password.Keys{k, {User: "bob", IP: "192.0.2.1"}} {
		_, err = s.Begin(ctx, k, now, lim)
		require.NoError(t, err)
		_, err = s.FailIP(ctx, k.IP, now, lim)
		require.NoError(t, err)
	}
	_, err = s.Succeed(ctx, password.Keys{User: "bob", IP: "192.0.2.1"}, now, lim)
	require.NoError(t, err)

	keys, err := client.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	// alice: counter and pairs; bob: known (his counter and emptied pairs
	// hash are gone); two client addresses.
	require.Len(t, keys, 5, "%v", keys)
	for _, key := range keys {
		require.NotContains(t, key, "alice", "usernames are hashed")
		ttl, err := client.PTTL(ctx, key).Result()
		require.NoError(t, err)
		require.Greater(t, ttl, time.Duration(0), "%s has a TTL", key)
		require.LessOrEqual(t, ttl, lim.KnownFor+time.Minute)
	}
	// The three keys of one user share a Cluster hash tag.
	uk := s.loginUserKeys("alice@example.com")
	tag := func(k string) string { return k[strings.IndexByte(k, '{') : strings.IndexByte(k, '}')+1] }
	require.Equal(t, tag(uk[0]), tag(uk[1]))
	require.Equal(t, tag(uk[0]), tag(uk[2]))
	ttl, err := client.PTTL(ctx, uk[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, (lim.Window + time.Minute).Seconds(), ttl.Seconds(), 5, "a counter lives a window, plus a minute of clock skew")

	require.NoError(t, s.Reset(ctx, "alice@example.com"))
	n, err := client.Exists(ctx, uk[0], uk[1]).Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestLoginStoreRejectsBadOptions(t *testing.T) {
	t.Parallel()
	_, err := NewLoginStore(nil, LoginOptions{})
	require.ErrorContains(t, err, "redisstore: ")
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	_, err = NewLoginStore(client, LoginOptions{Prefix: "app{1}:"})
	require.ErrorContains(t, err, "redisstore: prefix")
}

func TestLoginStoreReportsAnUnreachableServer(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	s, err := NewLoginStore(client, LoginOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	k := password.Keys{User: "alice", IP: "192.0.2.1"}
	lim := passwordtest.Limits()
	_, err = s.Status(ctx, k, time.Now(), lim)
	require.ErrorContains(t, err, "redisstore: login status")
	_, err = s.Begin(ctx, k, time.Now(), lim)
	require.ErrorContains(t, err, "redisstore: login begin")
	_, err = s.FailIP(ctx, k.IP, time.Now(), lim)
	require.ErrorContains(t, err, "redisstore: login fail")
	require.ErrorContains(t, s.Release(ctx, k, time.Now(), lim), "redisstore: login release")
	_, err = s.Succeed(ctx, k, time.Now(), lim)
	require.ErrorContains(t, err, "redisstore: login succeed")
	require.ErrorContains(t, s.Reset(ctx, "alice"), "redisstore: login reset")

	// A tracker over it fails closed by default.
	tr, err := password.NewTracker(password.TrackerOptions{Store: s})
	require.NoError(t, err)
	err = tr.Login(ctx, password.Attempt{Username: "alice"}, func(context.Context) error { return nil })
	require.ErrorIs(t, err, password.ErrStoreUnavailable)
}
