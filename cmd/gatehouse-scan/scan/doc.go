// Package scan audits the security of an HTTP API from the outside: the
// checks behind the gatehouse-scan command, importable by tests and other
// programs.
//
//	report, err := scan.Run(ctx, scan.Config{
//		Target:    "https://api.example.com/",
//		Origin:    "https://app.example.com", // the browser origin the API allows
//		Protected: []string{"/api/me"},        // must answer 401 without credentials
//		Token:     os.Getenv("GATEHOUSE_SCAN_TOKEN"),
//	})
//	if err != nil { ... }
//	report.WriteText(os.Stdout, scan.TextOptions{})
//	if report.Fails(scan.High) { os.Exit(1) }
//
// Every Finding has a stable rule ID (see Rules and the README for the
// list), a Severity, the request and response lines that prove it, and the
// Gatehouse option that fixes it. Reports are written as a table
// (WriteText), JSON (WriteJSON) or SARIF 2.1.0 (WriteSARIF).
//
// # What it sends
//
// Checks run one request at a time, in this order: the target itself
// (following at most three same-origin redirects), TLS handshakes limited
// to TLS 1.0 and 1.1 and a plain-HTTP request (https targets only), a path
// that does not exist, GETs with hostile Origin headers and two
// preflights, each Protected path without credentials, with the Token, with
// forged tokens and with the Token in the query string, a GET with a
// malformed query string, a TRACE, and, last, the Rate requests.
//
// # Safety
//
// Only the target's host is contacted: the dialer refuses every other
// address, redirects are never followed off the target's origin, no proxy
// from the environment is used, and Protected paths must be on the
// target's origin. At most Budget requests (200 by default; the Rate
// requests come on top) are sent, each bounded by Timeout, and at most
// MaxBody bytes of each response are read. Without AllowUnsafe only GET,
// OPTIONS and TRACE are sent; with it, malformed-JSON and 2 MiB POST
// bodies go to the target and the Protected paths, both unterminated JSON
// so that no handler can act on them. The Token is never printed; be aware
// that the query-string check puts it in the target's access logs, so scan
// with a short-lived token.
//
// # Precision
//
// The checks are built to report nothing on a correctly configured API:
// HSTS is judged only over TLS, framing only by what browsers honour, CORS
// only when a hostile origin is actually allowed (an exact allow-list with
// Vary passes), cookies only when they look like sessions (CSRF cookies,
// which script must read, and cookies being deleted are exempt),
// authentication only on the Protected paths, rate limiting only with
// Rate, and an answer of 429 to any check is treated as inconclusive, not
// as a weakness.
package scan
