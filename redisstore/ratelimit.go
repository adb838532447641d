package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-go/gatehouse/ratelimit"
	"github.com/redis/go-redis/v9"
)

// rlTakeLua is GCRA for one bucket, atomically, on Redis's clock.
//
// KEYS[1] is the bucket; ARGV holds the emission interval in microseconds,
// the burst and the cost. The bucket stores its theoretical arrival time
// (TAT: the instant it will be full again) in microseconds since the Unix
// epoch of the server's TIME, and expires at that instant, when it is
// indistinguishable from a bucket never used. A rejection writes nothing.
// It returns {allowed, remaining, retry_after_us, reset_after_us}.
//
// Every number stays an integer below 2^53 (the server's time is ~2^51 µs
// and a window is at most 100 years, ~2^51.5 µs), so Lua's doubles are
// exact.
const rlTakeLua = `
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tau = interval * burst
local base = tonumber(redis.call('GET', key)) or now
if base < now then base = now end
local tat = base + interval * cost
local allow_at = tat - tau
if allow_at > now then
	local left = tau - (base - now)
	if left < 0 then left = 0 end
	return {0, math.floor(left / interval), allow_at - now, base - now}
end
if cost > 0 then
	redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
end
return {1, math.floor((now - allow_at) / interval), 0, tat - now}
`

// rlRefundLua gives back ARGV[1] microseconds of a bucket's TAT, never
// below now (a full bucket, which is deleted).
const rlRefundLua = `
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local stored = tonumber(redis.call('GET', key))
if not stored then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = stored - tonumber(ARGV[1])
if tat <= now then
	redis.call('DEL', key)
	return 1
end
redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
return 1
`

// The scripts run with EVALSHA (their SHA-1 is computed once here) and fall
// back to EVAL, which loads them, only when the server does not know them.
var (
	rlTakeScript   = redis.NewScript(rlTakeLua)
	rlRefundScript = redis.NewScript(rlRefundLua)
)

// RateLimitOptions configures a RateLimitStore. The zero value is a working
// configuration.
type RateLimitOptions struct {
	// Prefix starts every key. Default DefaultPrefix ("gatehouse:").
	Prefix string
}

// RateLimitStore is a ratelimit.Store on Redis, for limits shared by every
// instance of a service:
//
//   - One round trip per decision: GCRA runs in one Lua script (EVALSHA),
//     atomically, so concurrent instances never spend the same token.
//   - Redis's TIME is the clock, so the instances' clocks do not matter.
//   - One key per bucket, so it works on Redis Cluster; keys are
//     prefix + "rl:" + a SHA-256 digest of the limiter's name and the key,
//     so client-chosen keys are neither stored in clear nor able to grow
//     Redis's memory beyond 40 bytes a key.
//   - Every key expires when its bucket is full again, at most one full
//     refill (burst × interval) after it was written; a rejected request
//     writes nothing.
//   - Time is counted in microseconds: an interval is rounded up to the
//     microsecond, so rates above one million per second per key are
//     limited to one million.
//
// Set ContextTimeoutEnabled on the client so that the limiter's Timeout
// bounds each call; otherwise the client's ReadTimeout and WriteTimeout do.
// A RateLimitStore is safe for concurrent use.
type RateLimitStore struct {
	client redis.UniversalClient
	prefix string
}

// NewRateLimitStore returns a store on client.
func NewRateLimitStore(client redis.UniversalClient, opts RateLimitOptions) (*RateLimitStore, error) {
	if client == nil {
		return nil, errors.New("redisstore: NewRateLimitStore needs a client")
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &RateLimitStore{client: client, prefix: prefix}, nil
}

// rlKey returns the Redis key of the bucket of key under policy.
func (s *RateLimitStore) rlKey(policy, key string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(policy)))])
	h.Write([]byte(policy))
	h.Write([]byte(key))
	var sum [sha256.Size]byte
	digest := h.Sum(sum[:0])
	return s.prefix + "rl:" + base64.RawURLEncoding.EncodeToString(digest[:18])
}

// rlMicros converts an interval to whole microseconds, rounding up.
func rlMicros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}

func rlCheck(r ratelimit.Rate, cost int) error {
	if r.IsZero() {
		return ratelimit.ErrZeroRate
	}
	if cost < 0 || cost > r.Burst() {
		return ratelimit.ErrCost
	}
	return nil
}

// Take implements ratelimit.Store.
func (s *RateLimitStore) Take(ctx context.Context, policy, key string, r ratelimit.Rate, cost int) (ratelimit.Decision, error) {
	if err := rlCheck(r, cost); err != nil {
		return ratelimit.Decision{}, err
	}
	res, err := rlTakeScript.Run(ctx, s.client, []string{s.rlKey(policy, key)},
		rlMicros(r.Interval()), r.Burst(), cost).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redisstore: rate limit: %w", err)
	}
	if len(res) != 4 {
		return ratelimit.Decision{}, fmt.Errorf("redisstore: rate limit: unexpected script reply of %d values", len(res))
	}
	return ratelimit.Decision{
		Allowed:    res[0] == 1,
		Limit:      r.Burst(),
		Remaining:  int(max(res[1], 0)),
		RetryAfter: time.Duration(res[2]) * time.Microsecond,
		ResetAfter: time.Duration(res[3]) * time.Microsecond,
	}, nil
}

// Refund implements ratelimit.Store.
func (s *RateLimitStore) Refund(ctx context.Context, policy, key string, r ratelimit.Rate, cost int) error {
	if err := rlCheck(r, cost); err != nil {
		return err
	}
	if cost == 0 {
		return nil
	}
	err := rlRefundScript.Run(ctx, s.client, []string{s.rlKey(policy, key)},
		rlMicros(r.Interval())*int64(cost)).Err()
	if err != nil {
		return fmt.Errorf("redisstore: rate limit refund: %w", err)
	}
	return nil
}
