package audit

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Field length bounds: an event never carries more than this much of a
// client-controlled string.
const (
	maxPathLen      = 256
	maxUserAgentLen = 256
	maxMethodLen    = 16
)

// FromRequest starts an event about r: time, type, severity, request id (see
// RequestID), method, path (without the query, which may hold secrets) and
// user agent, the client-controlled ones cleaned and truncated.
//
// ClientIP is left unset because only the clientip package knows which
// proxies to trust; callers set it with clientip.From(r). Gatehouse's own
// packages do.
func FromRequest(r *http.Request, t Type, sev Severity) Event {
	e := Event{
		Time:      time.Now(),
		Type:      t,
		Severity:  sev,
		RequestID: RequestIDFrom(r.Context()),
		Method:    Clean(r.Method, maxMethodLen),
		UserAgent: Clean(r.UserAgent(), maxUserAgentLen),
	}
	if r.URL != nil {
		e.Path = Clean(r.URL.Path, maxPathLen)
	}
	return e
}

// Clean makes a client-controlled string safe for any log format: control
// characters (C0, DEL, C1), Unicode line and paragraph separators and bidi
// overrides become U+FFFD, invalid UTF-8 becomes U+FFFD, and the result is cut
// to at most max bytes (max <= 0: no cut) on a rune boundary, with "…"
// marking the cut. A string that needs none of this is returned as is,
// without allocating.
func Clean(s string, max int) string {
	const ellipsis = "…"
	truncated := false
	if max > 0 && len(s) > max {
		// Cut first so that the scan below is bounded.
		s, truncated = cutAt(s, max-len(ellipsis)), true
	}
	s = clean(s)
	if max > 0 && truncated {
		// Replacement characters are longer than the bytes they replace.
		return cutAt(s, max-len(ellipsis)) + ellipsis
	}
	if max > 0 && len(s) > max {
		return cutAt(s, max-len(ellipsis)) + ellipsis
	}
	return s
}

// cutAt returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cutAt(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func clean(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for _, r := range s[i:] { // ranging over invalid UTF-8 yields RuneError
		if unsafeRune(r, 1) {
			b.WriteRune(utf8.RuneError)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unsafeRune reports characters that can break or disguise a log line.
func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return true // invalid UTF-8
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true // C0, DEL, C1 (NEL is U+0085)
	case r == '\u2028', r == '\u2029':
		return true // line and paragraph separators
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true // bidi embeddings, overrides and isolates
	}
	return false
}
