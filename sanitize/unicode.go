package sanitize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// smuggled marks the ASCII characters that UnicodeSmuggling refuses to see
// produced by NFKC from a compatibility character.
var smuggled = func() (t [128]bool) {
	for _, c := range "<>\"'`/\\.&|$" {
		t[c] = true
	}
	return t
}()

// checkUnicode applies the optional normalization checks to non-ASCII text
// (valid UTF-8).
func (s *Sanitizer) checkUnicode(b []byte) error {
	if s.unicode == 0 {
		return nil
	}
	if s.unicode&UnicodeNFC != 0 && !norm.NFC.IsNormal(b) {
		return ErrUnicodeNotNFC
	}
	if s.unicode&UnicodeSmuggling != 0 && smuggles(b) {
		return ErrUnicodeSmuggling
	}
	return nil
}

// smuggles reports whether the NFKC decomposition of a non-ASCII character
// of b contains one of the smuggled ASCII characters.
func smuggles(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		p := norm.NFKC.Properties(b[i:])
		for _, c := range p.Decomposition() {
			if c < utf8.RuneSelf && smuggled[c] {
				return true
			}
		}
		n := p.Size()
		if n == 0 {
			n = 1
		}
		i += n
	}
	return false
}
