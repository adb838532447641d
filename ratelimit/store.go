package ratelimit

import (
	"context"
	"time"
)

// Decision is the outcome of one rate-limit check for one key.
type Decision struct {
	// Allowed reports whether the request was admitted. A rejected request
	// consumed nothing.
	Allowed bool
	// Limit is the bucket size (the rate's burst): the most requests that
	// may come at once.
	Limit int
	// Remaining is how many more requests of cost 1 would be admitted right
	// now (whole tokens left in the bucket after this request).
	Remaining int
	// RetryAfter is, for a rejected request, how long until the same request
	// would be admitted; 0 when allowed. It is negative when the request can
	// never be admitted because its cost exceeds the burst.
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again, that is, until
	// the key's state is as if it had never been seen.
	ResetAfter time.Duration
}

// Store keeps the state of rate-limit buckets. Implementations must be safe
// for concurrent use and must decide atomically per key: two concurrent
// calls for one key may never both spend the same token.
//
// The package provides MemoryStore; the redisstore module provides a Redis
// implementation shared by several instances of a service.
type Store interface {
	// Take spends cost tokens from the bucket of key under policy (the
	// Limiter's Name, which namespaces keys when limiters share a store) at
	// rate r. It admits the request only if the bucket holds cost tokens,
	// and a rejection spends nothing. cost is between 0 and r.Burst(); cost
	// 0 reports the bucket's state without changing it.
	Take(ctx context.Context, policy, key string, r Rate, cost int) (Decision, error)
	// Refund returns cost tokens to the bucket of key, as if a request of
	// that cost admitted by Take had never been made; a bucket never holds
	// more than its burst. Limiters use it to undo the earlier limits of a
	// request that a later limit rejected.
	Refund(ctx context.Context, policy, key string, r Rate, cost int) error
}

// gcra applies the generic cell rate algorithm to one bucket: tat is the
// stored theoretical arrival time (the instant at which the bucket will be
// full; any value at or before now means full) and now the current time, both
// in nanoseconds on one monotonic clock. It returns the new tat to store
// (unchanged when rejected) and the decision.
//
// A now that is older than the one another caller already applied (a stale
// clock reading, golang/go#71360) can only make the decision stricter: the
// tat never moves backwards and elapsed time is measured against the stored
// tat, so no token is ever earned twice.
func gcra(tat, now int64, r Rate, cost int) (int64, Decision) {
	interval := int64(r.interval)
	tau := interval * int64(r.burst) // ≤ MaxWindow, no overflow
	base := max(tat, now)
	next := base + interval*int64(cost)
	d := Decision{Limit: r.burst}
	if allowAt := next - tau; allowAt > now {
		d.RetryAfter = time.Duration(allowAt - now)
		d.ResetAfter = time.Duration(base - now)
		d.Remaining = int(max(tau-(base-now), 0) / interval)
		return tat, d
	}
	d.Allowed = true
	d.Remaining = int((tau - (next - now)) / interval)
	d.ResetAfter = time.Duration(next - now)
	return next, d
}

// refund returns the tat after giving back cost tokens: never earlier than
// now, which already means a full bucket.
func refund(tat, now int64, r Rate, cost int) int64 {
	return max(tat-int64(r.interval)*int64(cost), now)
}
