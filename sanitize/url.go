package sanitize

import (
	"bytes"
	"net/http"
	"strings"
	"unsafe"
)

// Location says where in a request a value was found.
type Location string

// Locations of findings.
const (
	LocationPath   Location = "path"
	LocationQuery  Location = "query"
	LocationHeader Location = "header"
	LocationBody   Location = "body"
)

// bytesOf returns the bytes of s without copying. The result must never be
// written to.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// target returns the request target as the client sent it, split into path
// and query. For requests that did not come from a server (RequestURI
// empty), it uses the URL's escaped form.
func target(r *http.Request) (uri, path, query string) {
	uri = r.RequestURI
	if uri == "" {
		if r.URL == nil {
			return "", "", ""
		}
		path, query = r.URL.EscapedPath(), r.URL.RawQuery
		return path + query, path, query
	}
	p := uri
	if p == "*" {
		return uri, "", ""
	}
	if p[0] != '/' {
		// absolute-form (scheme://authority/path) or authority-form (CONNECT)
		i := strings.Index(p, "://")
		if i < 0 {
			return uri, "", ""
		}
		p = p[i+3:]
		j := strings.IndexAny(p, "/?")
		if j < 0 {
			return uri, "", ""
		}
		p = p[j:]
	}
	path, query, _ = strings.Cut(p, "?")
	return uri, path, query
}

// checkURL applies the URL rules: target length, then the path, then each
// query parameter.
func (s *Sanitizer) checkURL(r *http.Request, sc *scratch) error {
	uri, path, query := target(r)
	if len(uri) > s.maxURL && s.off&bitURITooLong == 0 {
		return ErrURITooLong
	}
	if err := s.checkPath(path, sc); err != nil {
		return err
	}
	return s.checkParams(bytesOf(query), s.maxParams, s.maxValue, sc, LocationQuery)
}

// checkPath checks a raw (still percent-encoded) path: strict
// percent-encoding; then, on the path decoded up to three times (so that
// "%252e" counts as "."), control characters, invalid UTF-8, backslashes,
// overlong encodings and dot segments.
func (s *Sanitizer) checkPath(raw string, sc *scratch) error {
	b := bytesOf(raw)
	decode := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '%':
			if i+2 >= len(b) || hexVal[b[i+1]] < 0 || hexVal[b[i+2]] < 0 {
				if s.off&bitEncoding == 0 {
					return ErrInvalidEncoding
				}
				continue
			}
			decode = true
		case c >= 0x80:
			decode = true
		}
	}
	if decode {
		sc.buf = append(sc.buf[:0], b...)
		b = unescapeRepeated(sc.buf)
	}
	nonASCII := false
	for i, c := range b {
		switch {
		case c == '\\':
			if s.off&bitTraversal == 0 {
				return ErrPathTraversal
			}
		case c < 0x20 || c == 0x7f:
			if s.off&bitControl == 0 {
				return ErrControlCharacter
			}
		case c >= 0x80:
			nonASCII = true
			if s.off&bitTraversal == 0 && overlong(b[i:]) {
				return ErrPathTraversal
			}
		}
	}
	if nonASCII && s.off&bitUTF8 == 0 && !validUTF8(b) {
		return ErrInvalidUTF8
	}
	if s.off&bitTraversal == 0 && hasDotSegment(b) {
		return ErrPathTraversal
	}
	if nonASCII {
		if err := s.checkUnicode(b); err != nil {
			return err
		}
	}
	return inspect(s, sc, b, LocationPath)
}

// unescapeRepeated percent-decodes b in place, again and again while a
// valid escape remains, at most three times, and returns the result.
func unescapeRepeated(b []byte) []byte {
	for round := 0; round < 3; round++ {
		n, changed := unescapeInPlace(b, false)
		b = b[:n]
		if !changed || bytes.IndexByte(b, '%') < 0 {
			break
		}
	}
	return b
}

// unescapeInPlace decodes valid %XX escapes (and, with plus, "+" as space)
// in place, leaving invalid ones as they are. It returns the new length.
func unescapeInPlace(b []byte, plus bool) (int, bool) {
	w, changed := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '%' && i+2 < len(b) && hexVal[b[i+1]] >= 0 && hexVal[b[i+2]] >= 0:
			c = byte(hexVal[b[i+1]])<<4 | byte(hexVal[b[i+2]])
			i += 2
			changed = true
		case c == '+' && plus:
			c = ' '
			changed = true
		}
		b[w] = c
		w++
	}
	return w, changed
}

// overlong reports whether b starts with an overlong or otherwise
// forbidden UTF-8 lead sequence: C0/C1 leads ("%c0%ae" for "."), E0 with a
// second byte below A0, F0 below 90. Old decoders turned these into "." "/"
// and "\".
func overlong(b []byte) bool {
	switch c := b[0]; {
	case c == 0xC0 || c == 0xC1:
		return true
	case c == 0xE0:
		return len(b) > 1 && b[1] >= 0x80 && b[1] < 0xA0
	case c == 0xF0:
		return len(b) > 1 && b[1] >= 0x80 && b[1] < 0x90
	}
	return false
}

// hasDotSegment reports whether the decoded path has a "." or ".." segment,
// also with a ";params" suffix ("..;/" as Tomcat reads it).
func hasDotSegment(b []byte) bool {
	for len(b) > 0 {
		seg := b
		if i := bytes.IndexByte(b, '/'); i >= 0 {
			seg, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if i := bytes.IndexByte(seg, ';'); i >= 0 {
			seg = seg[:i]
		}
		if (len(seg) == 1 && seg[0] == '.') || (len(seg) == 2 && seg[0] == '.' && seg[1] == '.') {
			return true
		}
	}
	return false
}

// checkParams checks an application/x-www-form-urlencoded sequence (a query
// string or a form body): the number of parameters, strict
// percent-encoding, and each decoded name and value.
func (s *Sanitizer) checkParams(q []byte, maxParams, maxLen int, sc *scratch, loc Location) error {
	n := 0
	for len(q) > 0 {
		kv := q
		if i := bytes.IndexByte(q, '&'); i >= 0 {
			kv, q = q[:i], q[i+1:]
		} else {
			q = nil
		}
		if len(kv) == 0 {
			continue
		}
		if n++; n > maxParams && s.off&bitTooManyParams == 0 {
			return ErrTooManyParams
		}
		k, v := kv, []byte(nil)
		if i := bytes.IndexByte(kv, '='); i >= 0 {
			k, v = kv[:i], kv[i+1:]
		}
		if err := s.checkParam(k, false, maxLen, sc, loc); err != nil {
			return err
		}
		if err := s.checkParam(v, true, maxLen, sc, loc); err != nil {
			return err
		}
	}
	return nil
}

// checkParam checks one encoded name or value. Values are text (tab, CR and
// LF allowed); names are not.
func (s *Sanitizer) checkParam(raw []byte, text bool, maxLen int, sc *scratch, loc Location) error {
	v := raw
	if bytes.IndexByte(raw, '%') >= 0 || bytes.IndexByte(raw, '+') >= 0 {
		for i := 0; i < len(raw); i++ {
			if raw[i] == '%' && (i+2 >= len(raw) || hexVal[raw[i+1]] < 0 || hexVal[raw[i+2]] < 0) && s.off&bitEncoding == 0 {
				return ErrInvalidEncoding
			}
		}
		sc.buf = append(sc.buf[:0], raw...)
		n, _ := unescapeInPlace(sc.buf, true)
		v = sc.buf[:n]
	}
	if len(v) > maxLen && s.off&bitValueTooLong == 0 {
		return ErrValueTooLong
	}
	return s.checkValue(sc, v, text, loc)
}

// checkValue applies the text rules to a decoded value: control characters
// (tab, LF and CR allowed in text), UTF-8, the Unicode checks and the
// detector.
func (s *Sanitizer) checkValue(sc *scratch, v []byte, text bool, loc Location) error {
	nonASCII := false
	if s.off&bitControl == 0 {
		for _, c := range v {
			if c < 0x20 {
				if text && (c == '\t' || c == '\n' || c == '\r') {
					continue
				}
				return ErrControlCharacter
			}
			if c >= 0x80 {
				nonASCII = true
			}
		}
	} else {
		nonASCII = !isASCII(v)
	}
	if nonASCII {
		if s.off&bitUTF8 == 0 && !validUTF8(v) {
			return ErrInvalidUTF8
		}
		if err := s.checkUnicode(v); err != nil {
			return err
		}
	}
	return inspect(s, sc, v, loc)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
