// Package apikey issues and checks API keys the way GitHub and Stripe
// tokens work: recognizable, checksummed keys of 256 random bits, stored
// only as a hash, checked by middleware that never reads the URL.
//
// A key looks like
//
//	gk_live_4Qz0c1eW9nS3fT6yJ2vK8pL5mA7dB0xR1hU3gE9iZc2_3kT9aQ
//
// a prefix naming its kind, a base62 secret from crypto/rand and a CRC-32
// checksum (see Parse for the exact format). Mistyped and made-up keys fail
// the checksum and are refused in tens of nanoseconds without a lookup;
// leaked keys are found by secret scanners with ScanPattern or
// PrefixPattern. The secret is shown once, at creation; stores keep its
// SHA-256, or better its HMAC-SHA256 under a server-side pepper (Hasher),
// find it by hash and compare in constant time.
//
// Usage:
//
//	store, _ := apikey.NewCache(apikey.NewMemoryStore(apikey.MemoryOptions{}), apikey.CacheOptions{})
//	// or sqlstore.NewAPIKeyStore(db) for PostgreSQL
//	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: store, Pepper: pepper, Prefix: "gk_live"})
//	auth, err := apikey.New(apikey.Options{Store: store, Pepper: pepper, Prefixes: []string{"gk_live"}, Audit: rec})
//	defer auth.Close(context.Background()) // flushes usage counts
//
//	secret, key, err := mgr.Create(ctx, apikey.CreateRequest{Owner: "u_42", Name: "CI", Scopes: []string{"repo:read"}})
//	// show secret to the user once
//
//	mux.Handle("GET /repos", auth.RequireScopes("repo:read")(listRepos))
//	http.ListenAndServe(":8080", auth.Handler(mux))
//	// in a handler: k, _ := apikey.FromContext(r.Context())
//
// The middleware reads the key from X-API-Key and Authorization: Bearer
// (Options.Sources; never from the URL query). Missing, malformed, unknown,
// revoked and expired keys all get the same 401 problem (code
// "invalid_api_key") with a WWW-Authenticate challenge; only the audit event
// says which. A key used from outside its AllowedNetworks gets 403
// "ip_not_allowed", one lacking a scope 403 "insufficient_scope". Each
// accepted request counts towards the key's UsageCount and LastUsed, which
// are aggregated in memory and written in batches, off the request path.
package apikey
