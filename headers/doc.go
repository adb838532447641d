// Package headers sets security response headers, checks the Host header
// against an allow-list, and redirects plain HTTP to HTTPS.
//
// The zero Options send the OWASP-recommended set for an API:
//
//	X-Content-Type-Options: nosniff
//	X-Frame-Options: DENY
//	Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
//	Referrer-Policy: no-referrer
//	Cross-Origin-Opener-Policy: same-origin
//	Cross-Origin-Resource-Policy: same-origin
//	Permissions-Policy: accelerometer=(), camera=(), geolocation=(), ... (powerful features denied)
//	X-Permitted-Cross-Domain-Policies: none
//	Cache-Control: no-store
//	X-XSS-Protection: 0
//	Strict-Transport-Security: max-age=31536000; includeSubDomains   (HTTPS requests only)
//
// Usage:
//
//	h, err := headers.New(headers.Options{AllowedHosts: []string{"api.example.com"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", h.Handler(mux))
//
// Every value is computed and validated in New, and the middleware assigns
// precomputed values into the response header map: the default path
// allocates nothing. A Content-Security-Policy holding NonceSource is the
// exception: each response gets a fresh 128-bit nonce, which templates read
// with Nonce(r.Context()). HTMLApp returns options for server-rendered HTML.
//
// Headers are set before the wrapped handler runs; a handler may replace or
// delete any of them for its own response. Deprecated headers
// (Feature-Policy, Expect-CT, Public-Key-Pins) are never sent, and
// X-XSS-Protection is only ever "0".
//
// HSTS is sent only on requests that arrived over HTTPS: r.TLS is set, or
// the clientip.Resolver in Options says a trusted proxy received HTTPS.
// X-Forwarded-Host is never read: AllowedHosts checks the Host header, and
// HTTPS redirects go to a configured host or to a Host that passed
// AllowedHosts.
package headers
