// Package ratelimit limits how often a client may call a service: a token
// bucket per key (the generic cell rate algorithm, GCRA), with rate and
// burst exactly as golang.org/x/time/rate defines them, in memory or shared
// between instances through Redis.
//
// Limits are written as rate strings, the syntax Django and FastAPI users
// know from django-ratelimit and slowapi ("5/minute", "100/h",
// "10/s burst 20"), or built from x/time/rate values:
//
//	rate, err := ratelimit.ParseRate("5/minute") // or ratelimit.PerMinute(5)
//	if err != nil {
//		log.Fatal(err)
//	}
//	login, err := ratelimit.New(ratelimit.Options{Name: "login", Rate: rate}) // per client IP
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("POST /login", login.Handler(loginHandler))
//
// A rejected request gets 429 Too Many Requests with an
// application/problem+json body (code "rate_limited"), a Retry-After in
// whole seconds rounded up (a client that waits that long is admitted), the
// de-facto X-RateLimit-Limit/Remaining/Reset headers and the IETF draft
// RateLimit-Policy and RateLimit fields (see HeaderMode). An audit event
// excess_rate_limit_exceeded is recorded.
//
// # Guarantees
//
//   - Over any interval of length T a key is admitted at most
//     Burst + T/Interval times, whatever the pattern of requests (there are
//     no window edges to exploit) and however many goroutines or instances
//     ask at once.
//   - A rejected request spends nothing, a cost above the burst is always
//     rejected, and with several limits on one route (All) a request that
//     one limit rejects spends nothing from the others.
//   - The in-memory store (MemoryStore) is sharded, bounded by a maximum
//     number of keys, evicts only buckets that are full again (so eviction
//     never hands a client over its limit a new burst), releases idle keys
//     incrementally, keeps 16 bytes per slot, and measures time with the
//     monotonic clock, never letting a stale reading earn tokens
//     (golang/go#71360).
//   - The Redis store of the redisstore module runs GCRA in one Lua script
//     with Redis's own clock, one round trip per decision.
//   - A store failure fails closed (503, code "rate_limit_unavailable") or
//     open, as Options.FailOpen says, within Options.Timeout, and is always
//     recorded as a sys_store_error audit event.
//
// # Keys, tiers and several limits
//
// Requests are keyed by client IP (ByIP, through package clientip, IPv6
// grouped by /64), by a value from the context that an authentication
// middleware left there (ByContext: the user or the API key id), by header
// (ByHeader), by route (ByRoute), by several at once (Composite), or by any
// KeyFunc. Tiers picks the rate per request from a role or a plan. All
// combines limits: per IP and per user, per minute and per day.
package ratelimit
