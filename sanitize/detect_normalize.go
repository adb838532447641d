package sanitize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalized is a value as the detector reads it.
type normalized struct {
	b       []byte // decoded, NFKC, ASCII lower case, without NUL
	decoded bool   // some escape or reference was decoded
	nul     bool   // the decoded value held a NUL byte
	nfkc    bool   // NFKC changed something
}

// maxDecodeRounds bounds repeated decoding: "%25252e" needs three.
const maxDecodeRounds = 3

// normalize decodes v for the analyzers: percent-encoding (%XX and IIS
// %uXXXX), HTML character references (&#60; &#x3c; &lt; &colon; ...), and
// JavaScript escapes (\x3c \u003c \u{3c}), repeated while something changes
// and at most maxDecodeRounds times; then overlong UTF-8 forms of ASCII
// characters become those characters, invalid UTF-8 becomes U+FFFD, the
// text is decomposed for compatibility (fullwidth "＜" is "<"), ASCII is
// lower-cased and
// NUL bytes are dropped. The result lives in sc and is valid until the
// next call.
func normalize[T ~string | ~[]byte](sc *detectScratch, v T) normalized {
	var n normalized
	// Fast path: plain ASCII with nothing to decode is only lower-cased.
	plain := true
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= utf8.RuneSelf || c == 0 || c == '%' || c == '&' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		out := append(sc.a[:0], v...)
		for i, c := range out {
			if 'A' <= c && c <= 'Z' {
				out[i] = c + 'a' - 'A'
			}
		}
		sc.a = out
		n.b = out
		return n
	}
	src := append(sc.a[:0], v...)
	dst := sc.b[:0]
	for round := 0; round < maxDecodeRounds; round++ {
		var changed bool
		dst, changed = decodeOnce(dst[:0], src)
		if !changed {
			break
		}
		n.decoded = true
		src, dst = dst, src
	}
	// src holds the decoded text. In one pass: lower-case ASCII, drop NUL,
	// decode overlong forms of ASCII, replace invalid UTF-8.
	dst = dst[:0]
	ascii := true
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				n.nul = true
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+'a'-'A')
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		if r, size, ok := overlongASCII(src[i:]); ok {
			if r == 0 {
				n.nul = true
			} else {
				dst = append(dst, lowerASCII(byte(r)))
			}
			n.decoded = true
			i += size
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		dst = utf8.AppendRune(dst, r) // invalid bytes become U+FFFD
		ascii = false
		i += size
	}
	src, dst = dst, src
	if !ascii {
		// Compatibility decomposition character by character (NFKD without
		// reordering or recomposition, which cannot produce ASCII): enough
		// to turn "＜" into "<" and "．" into ".", without allocating.
		dst = dst[:0]
		changed := false
		for i := 0; i < len(src); {
			p := norm.NFKC.Properties(src[i:])
			size := p.Size()
			if size == 0 {
				size = 1
			}
			if d := p.Decomposition(); len(d) > 0 {
				for _, c := range d {
					dst = append(dst, lowerASCII(c))
				}
				changed = true
			} else {
				dst = append(dst, src[i:i+size]...)
			}
			i += size
		}
		if changed {
			src, dst = dst, src
			n.nfkc = true
		}
	}
	sc.a, sc.b = src, dst
	n.b = src
	return n
}

// overlongASCII decodes an overlong two- or three-byte encoding of an ASCII
// character (C0 AE for ".", E0 80 AF for "/").
func overlongASCII(b []byte) (rune, int, bool) {
	switch {
	case len(b) >= 2 && (b[0] == 0xC0 || b[0] == 0xC1) && b[1]&0xC0 == 0x80:
		return rune(b[0]&0x01)<<6 | rune(b[1]&0x3F), 2, true
	case len(b) >= 3 && b[0] == 0xE0 && b[1] >= 0x80 && b[1] < 0x82 && b[2]&0xC0 == 0x80:
		return rune(b[1]&0x01)<<6 | rune(b[2]&0x3F), 3, true
	}
	return 0, 0, false
}

// decodeOnce appends src to dst with one level of escapes decoded.
func decodeOnce(dst, src []byte) ([]byte, bool) {
	changed := false
	for i := 0; i < len(src); {
		c := src[i]
		switch c {
		case '%':
			if i+2 < len(src) && hexVal[src[i+1]] >= 0 && hexVal[src[i+2]] >= 0 {
				dst = append(dst, byte(hexVal[src[i+1]])<<4|byte(hexVal[src[i+2]]))
				i += 3
				changed = true
				continue
			}
			if i+5 < len(src) && (src[i+1] == 'u' || src[i+1] == 'U') {
				if r, ok := hexN(src[i+2 : i+6]); ok {
					dst = utf8.AppendRune(dst, r)
					i += 6
					changed = true
					continue
				}
			}
		case '&':
			if r, n := charRef(src[i:]); n > 0 {
				dst = utf8.AppendRune(dst, r)
				i += n
				changed = true
				continue
			}
		case '\\':
			if r, n := jsEscape(src[i:]); n > 0 {
				dst = utf8.AppendRune(dst, r)
				i += n
				changed = true
				continue
			}
		}
		dst = append(dst, c)
		i++
	}
	return dst, changed
}

func hexN(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		v := hexVal[c]
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// jsEscape decodes \xHH, \uHHHH and \u{H...} at the start of b.
func jsEscape(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	switch b[1] {
	case 'x', 'X':
		if r, ok := hexN(b[2:4]); ok {
			return r, 4
		}
	case 'u', 'U':
		if b[2] == '{' {
			end := 3
			for end < len(b) && end < 10 && hexVal[b[end]] >= 0 {
				end++
			}
			if end > 3 && end < len(b) && b[end] == '}' {
				if r, ok := hexN(b[3:end]); ok && r <= utf8.MaxRune {
					return r, end + 1
				}
			}
			return 0, 0
		}
		if len(b) >= 6 {
			if r, ok := hexN(b[2:6]); ok {
				return r, 6
			}
		}
	}
	return 0, 0
}

// charRef decodes an HTML character reference at the start of b the way a
// browser does in an attribute value: numeric references with or without
// ";" and with any number of leading zeros, and the named references that
// can spell markup or a URL scheme.
func charRef(b []byte) (rune, int) {
	if len(b) < 3 {
		return 0, 0
	}
	if b[1] == '#' {
		i, base := 2, rune(10)
		if b[2] == 'x' || b[2] == 'X' {
			i, base = 3, 16
		}
		start := i
		var r rune
		for i < len(b) {
			var d rune
			c := b[i]
			switch {
			case c >= '0' && c <= '9':
				d = rune(c - '0')
			case base == 16 && hexVal[c] >= 0:
				d = rune(hexVal[c])
			default:
				goto done
			}
			if r < 0x110000 {
				r = r*base + d
			}
			i++
		}
	done:
		if i == start {
			return 0, 0
		}
		if i < len(b) && b[i] == ';' {
			i++
		}
		if r == 0 || r > utf8.MaxRune || (r >= 0xD800 && r < 0xE000) {
			r = utf8.RuneError
		}
		return r, i
	}
	end := 1
	for end < len(b) && end < 12 && isASCIILetter(b[end]) {
		end++
	}
	if end == 1 {
		return 0, 0
	}
	name := b[1:end]
	semi := end < len(b) && b[end] == ';'
	r, legacy := namedRef(name)
	if r == 0 || (!semi && !legacy) {
		return 0, 0
	}
	if semi {
		end++
	}
	return r, end
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// namedRef returns the character of a named reference; legacy names are
// decoded without a semicolon too.
func namedRef(name []byte) (r rune, legacy bool) {
	var buf [12]byte
	n := copy(buf[:], name)
	for i := range buf[:n] {
		buf[i] |= 0x20
	}
	switch string(buf[:n]) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "amp":
		return '&', true
	case "nbsp":
		return ' ', true
	case "apos":
		return '\'', false
	case "colon":
		return ':', false
	case "tab":
		return '\t', false
	case "newline":
		return '\n', false
	case "sol":
		return '/', false
	case "bsol":
		return '\\', false
	case "lpar":
		return '(', false
	case "rpar":
		return ')', false
	case "semi":
		return ';', false
	case "equals":
		return '=', false
	case "period":
		return '.', false
	case "comma":
		return ',', false
	case "excl":
		return '!', false
	case "num":
		return '#', false
	case "grave":
		return '`', false
	case "lsqb", "lbrack":
		return '[', false
	case "rsqb", "rbrack":
		return ']', false
	case "lcub", "lbrace":
		return '{', false
	case "rcub", "rbrace":
		return '}', false
	case "verbar", "vert":
		return '|', false
	case "dollar":
		return '$', false
	case "percnt":
		return '%', false
	case "ast":
		return '*', false
	case "plus":
		return '+', false
	case "quest":
		return '?', false
	case "commat":
		return '@', false
	case "lowbar":
		return '_', false
	}
	return 0, false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
