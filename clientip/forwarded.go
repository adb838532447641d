package clientip

import (
	"net/netip"
	"strings"
)

// This file reads the RFC 7239 Forwarded header:
//
//	Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"
//
// Elements are separated by commas, parameters by semicolons, and a value is a
// token or a quoted-string, which may itself contain commas and semicolons.
// Parsing allocates nothing: element boundaries go into a fixed array on the
// stack, and only the last maxHops elements of a line are kept (they are the
// only ones a right-to-left walk can reach).

type span struct{ start, end int }

// elements records the spans of the comma-separated elements of line,
// honouring quoted strings. It returns the spans in a ring of the last maxHops
// elements: out[(first+k)%maxHops] for k in [0, n).
func elements(line string, out *[maxHops]span) (first, n int) {
	start, inQuote, escaped := 0, false, false
	push := func(end int) {
		if n < maxHops {
			out[(first+n)%maxHops] = span{start, end}
			n++
			return
		}
		out[first] = span{start, end}
		first = (first + 1) % maxHops
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			push(i)
			start = i + 1
		}
	}
	push(len(line))
	return first, n
}

// param returns the value of the named parameter of one Forwarded element,
// unquoted. ok is false when the element is malformed or names the parameter
// twice; found is false when the parameter is absent.
func param(elem, name string) (value string, found, ok bool) {
	for len(elem) > 0 {
		// Find the end of this pair, honouring quotes.
		end, inQuote, escaped := len(elem), false, false
		for i := 0; i < len(elem); i++ {
			c := elem[i]
			if escaped {
				escaped = false
				continue
			}
			if inQuote && c == '\\' {
				escaped = true
				continue
			}
			if c == '"' {
				inQuote = !inQuote
				continue
			}
			if c == ';' && !inQuote {
				end = i
				break
			}
		}
		if inQuote {
			return "", false, false
		}
		pair := strings.TrimSpace(elem[:end])
		if end < len(elem) {
			elem = elem[end+1:]
		} else {
			elem = ""
		}
		if pair == "" {
			continue
		}
		eq := strings.IndexByte(pair, '=')
		if eq <= 0 {
			return "", false, false
		}
		if !strings.EqualFold(pair[:eq], name) {
			continue
		}
		if found {
			return "", false, false // the same parameter twice: ambiguous
		}
		v, good := unquote(pair[eq+1:])
		if !good {
			return "", false, false
		}
		value, found = v, true
	}
	return value, found, true
}

// unquote returns a token as is, or the content of a quoted-string. Values
// that need backslash escapes are refused: no address or protocol name
// contains a quote or a backslash.
func unquote(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if v[0] == '"' {
		if len(v) < 2 || v[len(v)-1] != '"' {
			return "", false
		}
		v = v[1 : len(v)-1]
		if strings.ContainsAny(v, "\"\\") {
			return "", false
		}
		return v, true
	}
	for i := 0; i < len(v); i++ {
		if !isTokenChar(v[i]) {
			return "", false
		}
	}
	return v, true
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// walkForwarded walks the for= parameters of Forwarded right to left.
func (res *Resolver) walkForwarded(lines []string, addr netip.Addr) netip.Addr {
	var ring [maxHops]span
	hops := 0
	for li := len(lines) - 1; li >= 0; li-- {
		line := lines[li]
		first, n := elements(line, &ring)
		for k := n - 1; k >= 0; k-- {
			sp := ring[(first+k)%maxHops]
			elem := line[sp.start:sp.end]
			if strings.TrimSpace(elem) == "" {
				continue
			}
			if hops++; hops > maxHops {
				return addr
			}
			v, found, ok := param(elem, "for")
			if !ok || !found {
				return addr
			}
			a, err := ParseAddr(v)
			if err != nil {
				// "unknown", an obfuscated "_identifier", or garbage.
				return addr
			}
			addr = a
			if !res.Trusted(a) {
				return a
			}
		}
	}
	return addr
}

// forwardedProto returns the proto parameter of the last Forwarded element,
// the one the nearest proxy wrote.
func forwardedProto(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	var ring [maxHops]span
	line := lines[len(lines)-1]
	first, n := elements(line, &ring)
	sp := ring[(first+n-1)%maxHops]
	v, found, ok := param(line[sp.start:sp.end], "proto")
	if !ok || !found {
		return ""
	}
	return v
}
