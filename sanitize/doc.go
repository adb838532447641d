// Package sanitize is a request-hygiene gate: it rejects hostile input
// before it reaches handlers, and logs suspicious input, without ever
// rewriting data.
//
// A Sanitizer checks, in one pass and without copying the body twice:
//
//   - the request target: length (414), strict percent-encoding, NUL and
//     control characters, invalid UTF-8, and path traversal in the path
//     (dot segments, backslashes, encoded, double-encoded and overlong
//     variants); the number and size of query parameters;
//   - headers: count and size (431), control characters, invalid UTF-8;
//   - the body: size (413, refused from Content-Length before anything is
//     read), Content-Type per method (415), and by type: JSON (exactly one
//     RFC 8259 value, depth, string/array/object sizes, duplicate member
//     names compared after unescaping and case folding, escaped control
//     characters, unpaired surrogates), text and forms (UTF-8, control
//     characters, field count and size), multipart uploads (parts, file and
//     total size, extensions that must match the sniffed content, file
//     names without traversal or bidi tricks);
//   - optionally, Unicode normalization (UnicodeNFC, UnicodeSmuggling);
//   - and it runs a Detector on decoded values, which flags likely XSS,
//     SQL injection, path traversal and command injection, in log-only
//     (default) or blocking mode.
//
// Every rejection answers with the rule's status and an
// application/problem+json body whose code names the rule
// ("json_duplicate_key"), never echoes the input, and records an
// input_validation_fail audit event; findings record malicious_* events.
//
//	api, err := sanitize.New(sanitize.Options{Audit: events}) // JSON API defaults
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("/api/", api.Handler(apiHandler))
//
// Routes with other needs get their own Sanitizer, from a copy of the
// base options:
//
//	uploadOpts := base
//	uploadOpts.ContentTypes = map[string][]string{"POST": {"multipart/form-data"}}
//	uploadOpts.MaxUploadBytes = 20 << 20
//	chatOpts := base
//	chatOpts.Detection = sanitize.DetectBlock
//
// A handler reads the body as usual (it is exactly what the client sent),
// or without a copy through Body. Handlers that store identifiers use
// IdentifierKey and ValidUsername; handlers that store uploaded files use
// SafeFilename.
//
// # Why nothing is escaped or stripped
//
// "Sanitizing" middleware that HTML-escapes every string and deletes SQL
// keywords corrupts legitimate data ("O'Brien" becomes "O&#39;Brien",
// "please update my plan" loses a word) and stops neither attack: XSS is
// prevented at output, by escaping for the context the value lands in
// (html/template does that, see EscapeHTML for hand-written HTML), and
// SQL injection by parameterized queries. The OWASP Input Validation and
// XSS Prevention cheat sheets call input escaping an anti-pattern. This
// package validates structure (sizes, encodings, syntax), refuses what no
// legitimate client sends, and treats attack detection as a signal: by
// default it logs, it never edits.
package sanitize
