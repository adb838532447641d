// Package cors implements the server side of the CORS protocol of the Fetch
// standard (https://fetch.spec.whatwg.org/#http-cors-protocol): it tells
// browsers which other origins' scripts may read this server's responses.
//
// Usage:
//
//	c, err := cors.New(cors.Options{
//		AllowedOrigins:   []string{"https://app.example.com", "https://*.preview.example.com"},
//		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodDelete},
//		AllowedHeaders:   []string{"Authorization", "X-Request-Id"},
//		AllowCredentials: true,
//		MaxAge:           600,
//	})
//	if err != nil {
//		log.Fatal(err) // malformed or dangerous configuration
//	}
//	http.ListenAndServe(":8080", c.Handler(mux))
//
// The zero Options allow no cross-origin access. New refuses configurations
// that are malformed or unsafe: "*" or "null" together with credentials,
// origins with a path, userinfo or no scheme, wildcards that are not a whole
// leading label ("https://*.example.com" is accepted; it never matches
// "https://evilexample.com" or "https://example.com.evil.net").
//
// Behaviour, following the Fetch standard:
//   - A preflight is an OPTIONS request with a non-empty
//     Access-Control-Request-Method. An allowed preflight is answered with
//     204 (Options.OptionsSuccessStatus) and echoes the origin, the method
//     and the requested header names; a wildcard is never sent where
//     browsers would read it literally, and "*" in AllowedHeaders never
//     covers Authorization. A rejected preflight gets no CORS header: 403
//     with an application/problem+json body whose code is
//     "cors_preflight_rejected" (see ErrorHandler, ErrRejected and Reason).
//   - Every other request is served. It gets Access-Control-Allow-Origin
//     only when its origin is allowed; a request from another origin is
//     served without CORS headers (the browser then withholds the response
//     from the script) and recorded as a malicious_cors audit event when
//     Options.Audit is set.
//   - Vary is appended to, never overwritten: "Origin" on every actual
//     response, "Origin, Access-Control-Request-Method,
//     Access-Control-Request-Headers" (and
//     "Access-Control-Request-Private-Network" with AllowPrivateNetwork) on
//     every preflight response.
//   - Access-Control-Request-Headers is matched case-insensitively, in any
//     order, with duplicates, optional whitespace and several field lines,
//     in bounded time and without allocation however long the field. The
//     CORS-safelisted names (Accept, Accept-Language, Content-Language,
//     Content-Type) are always allowed.
//
// Every request path allocates nothing when Options.Audit is nil.
//
// CORS is not a defence against cross-site request forgery: a disallowed
// origin can still send simple requests, it only cannot read the answers.
// Pair it with the csrf package for cookie-authenticated APIs.
package cors
