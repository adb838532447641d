// Package redistest gives tests a Redis client and a key prefix of their
// own, whose keys are deleted when the test ends, so that tests may run in
// parallel against one server.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvVar names the environment variable holding the server's URL.
const EnvVar = "GATEHOUSE_REDIS_URL"

// Client connects to the server named by GATEHOUSE_REDIS_URL, or skips the
// test with a message saying how to run it. It returns the client and a
// unique key prefix ending in ':'.
func Client(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := URL(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		t.Fatalf("redistest: %s is set but Redis does not answer: %v", EnvVar, err)
	}
	t.Cleanup(func() { _ = client.Close() }) // runs after Prefix's cleanup
	return client, Prefix(t, client)
}

// URL returns GATEHOUSE_REDIS_URL or skips the test.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvVar)
	if url == "" {
		t.Skip(EnvVar + " is not set; run with " + EnvVar + "=redis://127.0.0.1:6379/0 (or bash .ci/run, which starts Redis)")
	}
	return url
}

// Prefix returns a fresh key prefix whose keys are deleted from client's
// server when the test ends.
func Prefix(t testing.TB, client redis.UniversalClient) string {
	t.Helper()
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
	})
	return prefix
}
