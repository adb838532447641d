package sanitize

import (
	"unicode/utf8"
)

// scanEscape decodes the escape sequence at data[i] ('\\'), returning the
// rune and the length of the sequence. An unpaired surrogate decodes to
// U+FFFD, as encoding/json does, unless the UTF-8 rule rejects it.
func (s *Sanitizer) scanEscape(data []byte, i int) (rune, int, error) {
	if i+1 >= len(data) {
		return 0, 0, ErrInvalidJSON
	}
	switch data[i+1] {
	case '"', '\\', '/':
		return rune(data[i+1]), 2, nil
	case 'n':
		return '\n', 2, nil
	case 't':
		return '\t', 2, nil
	case 'r':
		return '\r', 2, nil
	case 'b', 'f':
		if s.json.controls {
			return 0, 0, ErrControlCharacter
		}
		if data[i+1] == 'b' {
			return '\b', 2, nil
		}
		return '\f', 2, nil
	case 'u':
		r, ok := hex4(data, i+2)
		if !ok {
			return 0, 0, ErrInvalidJSON
		}
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			if s.json.controls {
				return 0, 0, ErrControlCharacter
			}
			return r, 6, nil
		case r >= 0xD800 && r < 0xDC00:
			if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
				lo, ok := hex4(data, i+8)
				if !ok {
					return 0, 0, ErrInvalidJSON
				}
				if lo >= 0xDC00 && lo < 0xE000 {
					return 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00), 12, nil
				}
			}
			if s.json.utf8 {
				return 0, 0, ErrInvalidUTF8
			}
			return utf8.RuneError, 6, nil
		case r >= 0xDC00 && r < 0xE000:
			if s.json.utf8 {
				return 0, 0, ErrInvalidUTF8
			}
			return utf8.RuneError, 6, nil
		}
		return r, 6, nil
	}
	return 0, 0, ErrInvalidJSON
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		v := hexVal[c]
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// scanNumber scans an RFC 8259 number at data[i:] and returns the index
// after it.
func scanNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return 0, false
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		j := skipDigits(data, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := skipDigits(data, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func hasLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}

// plain8 reports whether none of the eight bytes of x is '"', '\\', a
// control character or non-ASCII.
func plain8(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	quote := x ^ (ones * '"')
	bslash := x ^ (ones * '\\')
	special := (quote - ones) &^ quote // high bit set where a byte was '"' (or borrows from one)
	special |= (bslash - ones) &^ bslash
	special |= x - ones*0x20 // high bit set where a byte is below 0x20
	return (special|x)&high == 0
}

// strPlain marks the bytes that need no attention inside a JSON string.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()
