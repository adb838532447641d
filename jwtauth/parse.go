package jwtauth

import (
	"encoding/json"
	"unicode/utf8"
)

// Token size bounds.
const (
	// DefaultMaxTokenBytes is the default bound on a token's length.
	// Longer tokens are refused before any decoding.
	DefaultMaxTokenBytes = 8 << 10
	// maxHeaderSegment bounds the encoded JOSE header.
	maxHeaderSegment = 2048
)

// joseHeader holds the JOSE header parameters verification reads. Every
// other parameter, notably "jku", "x5u", "jwk" and "x5c", is ignored: keys
// come only from the key source, never from the token.
type joseHeader struct {
	alg    []byte
	kid    []byte
	typ    []byte
	hasKID bool
	hasTyp bool
}

// splitToken checks that tok is a compact JWS (three non-empty base64url
// segments) and returns the segments. It reads tok once and allocates
// nothing, whatever tok holds.
func splitToken(tok string) (header, payload, sig string, err error) {
	d1, d2 := -1, -1
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c == '.' {
			switch {
			case d1 < 0:
				d1 = i
			case d2 < 0:
				d2 = i
			default:
				return "", "", "", ErrMalformedToken
			}
			continue
		}
		if b64Alphabet[c] == b64Invalid {
			return "", "", "", ErrMalformedToken
		}
	}
	if d2 < 0 || d1 == 0 || d2 == d1+1 || d2 == len(tok)-1 {
		return "", "", "", ErrMalformedToken
	}
	return tok[:d1], tok[d1+1 : d2], tok[d2+1:], nil
}

// parseHeader decodes and reads the JOSE header segment, using buf for the
// decoded bytes. Header parameter names are case-sensitive (RFC 7515,
// section 4); a duplicate or a case variant of alg, kid, typ or crit is
// refused rather than resolved, so that no other parser can read the
// header differently. Any "crit" is refused: this package understands no
// extension (RFC 7515, section 4.1.11).
func parseHeader(seg string, buf []byte) (joseHeader, error) {
	var h joseHeader
	if len(seg) > maxHeaderSegment {
		return h, ErrMalformedToken
	}
	n, ok := b64Decode(buf, seg)
	if !ok {
		return h, ErrMalformedToken
	}
	b := buf[:n]
	// RFC 7515: the header is UTF-8 JSON. encoding/json would replace bad
	// bytes; refusing them keeps every parser reading the same strings.
	if !utf8.Valid(b) || !json.Valid(b) {
		return h, ErrMalformedToken
	}
	m := newMembers(b)
	hasAlg := false
	for m.next() {
		if hasEscape(m.key) {
			return h, ErrMalformedToken
		}
		switch string(m.key) {
		case "alg":
			v, ok := plainString(m.val)
			if !ok || hasAlg {
				return h, ErrMalformedToken
			}
			h.alg, hasAlg = v, true
		case "kid":
			v, ok := stringValue(m.val)
			if !ok || h.hasKID || len(v) > maxKIDLen {
				return h, ErrMalformedToken
			}
			h.kid, h.hasKID = v, true
		case "typ":
			v, ok := stringValue(m.val)
			if !ok || h.hasTyp {
				return h, ErrMalformedToken
			}
			h.typ, h.hasTyp = v, true
		case "crit":
			return h, ErrCriticalHeader
		default:
			var low [12]byte
			if f, ok := foldASCII(low[:], m.key); ok {
				switch string(f) {
				case "alg", "kid", "typ", "crit":
					return h, ErrMalformedToken
				}
			}
		}
	}
	if m.bad {
		return h, ErrMalformedToken
	}
	if !hasAlg {
		return h, ErrAlgorithm
	}
	return h, nil
}

// stringValue returns the content of a JSON string value, decoding escapes
// (rare: only a producer escaping '/' needs them) on a slow path.
func stringValue(v []byte) ([]byte, bool) {
	if s, ok := plainString(v); ok {
		return s, true
	}
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, false
	}
	return []byte(s), true
}

// typMatches reports whether a "typ" value names the media type want
// ("at+jwt"): compared case-insensitively, with the optional
// "application/" prefix (RFC 7515, section 4.1.9).
func typMatches(typ []byte, want string) bool {
	if len(typ) > len("application/") && equalFoldASCII(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	return equalFoldASCII(typ, want)
}
