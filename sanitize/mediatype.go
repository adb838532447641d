package sanitize

import (
	"fmt"
	"strings"
)

// bodyKind is how a body of a given media type is checked.
type bodyKind uint8

const (
	kindOpaque    bodyKind = iota // size-limited only
	kindJSON                      // application/json, */*+json
	kindText                      // text/*, */*+xml
	kindForm                      // application/x-www-form-urlencoded
	kindMultipart                 // multipart/form-data
)

// mediaRange is one allowed entry of Options.ContentTypes: "type/subtype",
// "type/*" or "*/*", stored in lower case.
type mediaRange struct{ typ, sub string }

func parseMediaRange(s string) (mediaRange, error) {
	t, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !ok || !isToken(t) || !isToken(sub) || (t == "*" && sub != "*") {
		return mediaRange{}, fmt.Errorf("sanitize: invalid media type %q in ContentTypes", s)
	}
	return mediaRange{t, sub}, nil
}

func (m mediaRange) match(typ, sub string) bool {
	return (m.typ == "*" || strings.EqualFold(m.typ, typ)) && (m.sub == "*" || strings.EqualFold(m.sub, sub))
}

// splitContentType splits a Content-Type value into type, subtype and the
// parameter string, without allocating. ok is false when the media type is
// not "token/token".
func splitContentType(v string) (typ, sub, params string, ok bool) {
	mt := v
	if i := strings.IndexByte(v, ';'); i >= 0 {
		mt, params = v[:i], v[i+1:]
	}
	mt = trimOWS(mt)
	typ, sub, ok = strings.Cut(mt, "/")
	if !ok || !isToken(typ) || !isToken(sub) {
		return "", "", "", false
	}
	return typ, sub, params, true
}

func classify(typ, sub string) bodyKind {
	switch {
	case strings.EqualFold(typ, "application") && strings.EqualFold(sub, "json"),
		hasSuffixFold(sub, "+json"):
		return kindJSON
	case strings.EqualFold(typ, "application") && strings.EqualFold(sub, "x-www-form-urlencoded"):
		return kindForm
	case strings.EqualFold(typ, "multipart") && strings.EqualFold(sub, "form-data"):
		return kindMultipart
	case strings.EqualFold(typ, "text"), hasSuffixFold(sub, "+xml"):
		return kindText
	}
	return kindOpaque
}

// charsetOK reports whether the parameters name no charset, or UTF-8 (or
// its subset US-ASCII). It does not allocate; malformed parameters are
// reported as not OK.
func charsetOK(params string) bool {
	for params != "" {
		var p string
		p, params = cutParam(params)
		name, value, found := strings.Cut(p, "=")
		name = trimOWS(name)
		if name == "" && !found {
			continue
		}
		if !found || !isToken(name) {
			return false
		}
		if !strings.EqualFold(name, "charset") {
			continue
		}
		value = trimOWS(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if !strings.EqualFold(value, "utf-8") && !strings.EqualFold(value, "utf8") && !strings.EqualFold(value, "us-ascii") {
			return false
		}
	}
	return true
}

// cutParam returns the first ";"-separated parameter and the rest, keeping
// semicolons inside quoted strings.
func cutParam(s string) (param, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ';' && !inQuote:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
