package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/redisstore/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// testClient connects to GATEHOUSE_REDIS_URL or skips the test. It returns
// the client and a key prefix unique to the test, whose keys are deleted
// when the test ends, so that tests may run in parallel on one server.
func testClient(t testing.TB) (*redis.Client, string) {
	t.Helper()
	return redistest.Client(t)
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
