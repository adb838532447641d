// Package csrf protects cookie-authenticated APIs against cross-site request
// forgery.
//
// Two complementary defences are provided:
//
//   - Protection checks the browser's own statement of where a request comes
//     from: the Sec-Fetch-Site header first, then the Origin header, compared
//     as a full origin (scheme, host, port) against the request's own origin
//     and a list of trusted origins. This needs no state and no client code.
//   - Tokens implements signed double-submit tokens for clients that send
//     neither header: an HMAC-signed token bound to the session, set in a
//     cookie that the page's script reads and echoes in the X-CSRF-Token
//     header on unsafe requests.
//
// Usage:
//
//	p, err := csrf.New(csrf.Options{TrustedOrigins: []string{"https://app.example.com"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", p.Handler(mux))
//
// Double-submit tokens:
//
//	tokens, err := csrf.NewTokens(csrf.TokenOptions{Key: key, SessionID: sessionOf})
//	// at login: tok, err := tokens.Issue(w, sessionID)
//	handler := tokens.Handler(mux)
//
// Every rejection is an error that satisfies errors.Is(err, ErrCSRF); the
// default response is a 403 application/problem+json body with code
// "csrf_failed", and a malicious_csrf audit event is recorded when an
// audit.Recorder is configured. Safe methods (GET, HEAD, OPTIONS) are never
// checked: applications must not change state on them.
package csrf
