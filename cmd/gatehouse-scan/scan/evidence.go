package scan

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLine caps an evidence line: servers choose these bytes.
const maxLine = 240

// evidence builds the request and response lines of an exchange, showing
// the named request and response headers (those the finding rests on)
// and any extra response lines (a body excerpt).
func (ex *exchange) evidence(reqHeaders, respHeaders []string, extra ...string) Evidence {
	return Evidence{Request: ex.requestLines(reqHeaders), Response: ex.responseLines(respHeaders, extra...)}
}

func (ex *exchange) requestLines(names []string) []string {
	r := ex.req
	target := r.display
	if target == "" {
		target = r.url.RequestURI()
	}
	proto := ex.proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	lines := []string{clean(r.method + " " + target + " " + proto), clean("Host: " + r.url.Host)}
	for _, name := range names {
		for _, v := range r.header.Values(name) {
			switch http.CanonicalHeaderKey(name) {
			case "Authorization":
				v = r.authLabel
				if v == "" {
					v = "<redacted>"
				}
			case "Cookie":
				v = "<redacted>"
			}
			lines = append(lines, clean(name+": "+v))
		}
	}
	if r.bodyDesc != "" {
		lines = append(lines, "", clean(r.bodyDesc))
	}
	return lines
}

func (ex *exchange) responseLines(names []string, extra ...string) []string {
	lines := []string{clean(ex.proto + " " + ex.statusMsg)}
	for _, name := range names {
		vs := ex.header.Values(name)
		if len(vs) == 0 {
			lines = append(lines, "("+name+" absent)")
		}
		for _, v := range vs {
			if http.CanonicalHeaderKey(name) == "Set-Cookie" {
				v = redactSetCookie(v)
			}
			lines = append(lines, clean(name+": "+v))
		}
	}
	for _, e := range extra {
		lines = append(lines, clean(e))
	}
	return lines
}

// redactSetCookie keeps a cookie's name and attributes and hides its value.
func redactSetCookie(v string) string {
	pair, attrs, _ := strings.Cut(v, ";")
	name, val, _ := strings.Cut(pair, "=")
	out := strings.TrimSpace(name) + "=<redacted, " + fmt.Sprint(len(strings.TrimSpace(val))) + " bytes>"
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

// clean makes a server-chosen string safe to print: control characters,
// bidi overrides and line separators (terminal escapes, forged lines)
// become \x.. or \u.... escapes, invalid UTF-8 becomes U+FFFD, and the
// result is cut at maxLine runes (plus an ellipsis).
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		var piece string
		switch {
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case r >= 0x80 && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'):
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = string(r)
		}
		k := utf8.RuneCountInString(piece)
		if n+k > maxLine {
			b.WriteString("…")
			break
		}
		n += k
		b.WriteString(piece)
	}
	return b.String()
}

// excerpt returns up to 120 bytes of body around index i, as a quoted
// evidence line.
func excerpt(body []byte, i, n int) string {
	start := max(0, i-40)
	end := min(len(body), i+n+80)
	for start > 0 && !utf8.RuneStart(body[start]) {
		start--
	}
	for end < len(body) && !utf8.RuneStart(body[end]) {
		end++
	}
	s := string(body[start:end])
	if start > 0 {
		s = "…" + s
	}
	if end < len(body) {
		s += "…"
	}
	return "body: " + s
}
