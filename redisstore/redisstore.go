package redisstore

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix stores use when none is configured.
const DefaultPrefix = "gatehouse:"

// Ping checks that the server answers, for health checks and start-up.
func Ping(ctx context.Context, client redis.UniversalClient) error {
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}
