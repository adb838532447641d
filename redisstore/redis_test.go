package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// testClient connects to GATEHOUSE_REDIS_URL or skips the test. It returns
// the client and a key prefix unique to the test, whose keys are deleted
// when the test ends, so that tests may run in parallel on one server.
func testClient(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("GATEHOUSE_REDIS_URL")
	if url == "" {
		t.Skip("GATEHOUSE_REDIS_URL is not set; run with GATEHOUSE_REDIS_URL=redis://127.0.0.1:6379/0 (or bash .ci/run, which starts Redis)")
	}
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, Ping(ctx, client), "GATEHOUSE_REDIS_URL is set but Redis does not answer")

	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "gatehouse-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		_ = client.Close()
	})
	return client, prefix
}

func TestConnection(t *testing.T) {
	t.Parallel()
	client, prefix := testClient(t)
	ctx := context.Background()
	key := prefix + "conn"
	require.NoError(t, client.Set(ctx, key, "ok", time.Minute).Err())
	got, err := client.Get(ctx, key).Result()
	require.NoError(t, err)
	require.Equal(t, "ok", got)
	ttl, err := client.TTL(ctx, key).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second)
	now, err := client.Time(ctx).Result()
	require.NoError(t, err)
	require.WithinDuration(t, time.Now(), now, time.Minute, "server clock is sane")
}

func TestPingReportsAnUnreachableServer(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer client.Close()
	err := Ping(context.Background(), client)
	require.ErrorContains(t, err, "redisstore: ping")
}
