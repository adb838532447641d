package sanitize

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// ErrInvalidIdentifier is returned by IdentifierKey for input that cannot
// be an identifier: empty, invalid UTF-8, control characters, or nothing
// visible.
var ErrInvalidIdentifier = errors.New("sanitize: invalid identifier")

// IdentifierKey returns the comparison key of an identifier such as a
// username, a handle or a tag: NFKC, then Unicode case folding, then NFKC
// again, with default-ignorable characters (zero-width joiners and spaces,
// soft hyphens, variation selectors, bidi controls) removed, which is
// Unicode's NFKC_Casefold. "Alice", "ＡＬＩＣＥ", "alice" and "a\u200blice"
// all have the key "alice". Store the key with a unique index and look
// accounts up by it; show the name as the user typed it.
//
// The key does not map look-alikes across scripts (Cyrillic "а" is not
// Latin "a"); ValidUsername refuses names that mix scripts.
func IdentifierKey(s string) (string, error) {
	if s == "" || !utf8.ValidString(s) {
		return "", ErrInvalidIdentifier
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", ErrInvalidIdentifier
		}
	}
	k := norm.NFKC.String(s)
	k = cases.Fold().String(k) // a Caser is not safe for concurrent use: one per call
	k = norm.NFKC.String(k)
	k = strings.Map(func(r rune) rune {
		if defaultIgnorable(r) {
			return -1
		}
		return r
	}, k)
	if strings.TrimSpace(k) == "" {
		return "", ErrInvalidIdentifier
	}
	return k, nil
}

func defaultIgnorable(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// ErrInvalidUsername is matched (errors.Is) by every *UsernameError.
var ErrInvalidUsername = errors.New("sanitize: invalid username")

// UsernameError says why a username was refused. Reason is one of "empty",
// "invalid_utf8", "too_short", "too_long", "invalid_character",
// "mixed_scripts", "separator_position" or "reserved".
type UsernameError struct {
	Reason string
}

// Error names the reason; it never contains the name.
func (e *UsernameError) Error() string { return "sanitize: invalid username: " + e.Reason }

// Is reports whether target is ErrInvalidUsername.
func (e *UsernameError) Is(target error) bool { return target == ErrInvalidUsername }

// UsernamePolicy holds the rules ValidUsername applies. The zero value is
// the default policy.
type UsernamePolicy struct {
	// MinLength and MaxLength bound the length in characters of the
	// name's NFKC form. Defaults 2 and 32.
	MinLength, MaxLength int
	// ASCII allows only the letters a-z and A-Z (after NFKC, so fullwidth
	// "ＡＬＩＣＥ" passes). Default false: letters of any script, but of one
	// script per name (Han may join Hiragana and Katakana, or Hangul), so
	// that Latin and Cyrillic look-alikes cannot be mixed.
	ASCII bool
	// Separators are the punctuation characters allowed between letters
	// and digits, never first, last or twice in a row. Default "_.-".
	Separators string
	// Reserved names are refused, compared by IdentifierKey ("Admin",
	// "ＡＤＭＩＮ" and "admin" all match "admin"). Default none.
	Reserved []string
}

// ValidUsername checks s against the default UsernamePolicy: 2 to 32
// letters (one script) and ASCII digits, with "_", "." or "-" between them.
func ValidUsername(s string) error { return UsernamePolicy{}.Check(s) }

// Check reports whether s is a valid username under p: nil, or a
// *UsernameError.
func (p UsernamePolicy) Check(s string) error {
	minLen, maxLen, seps := p.MinLength, p.MaxLength, p.Separators
	if minLen <= 0 {
		minLen = 2
	}
	if maxLen <= 0 {
		maxLen = 32
	}
	if seps == "" {
		seps = "_.-"
	}
	switch {
	case s == "":
		return &UsernameError{"empty"}
	case !utf8.ValidString(s):
		return &UsernameError{"invalid_utf8"}
	case len(s) > 16*maxLen:
		return &UsernameError{"too_long"} // bound the work before normalizing
	}
	n := norm.NFKC.String(s)
	count := utf8.RuneCountInString(n)
	if count < minLen {
		return &UsernameError{"too_short"}
	}
	if count > maxLen {
		return &UsernameError{"too_long"}
	}
	var scripts uint32
	marks := 0
	prevSep, prevLetter := true, false // true at the start: no leading separator
	for _, r := range n {
		switch {
		case strings.ContainsRune(seps, r):
			if prevSep {
				return &UsernameError{"separator_position"}
			}
			prevSep, prevLetter = true, false
			continue
		case r >= '0' && r <= '9':
			prevLetter = false
		case unicode.IsLetter(r):
			if p.ASCII && r >= utf8.RuneSelf {
				return &UsernameError{"invalid_character"}
			}
			scripts |= scriptBit(r)
			prevLetter, marks = true, 0
		case unicode.Is(unicode.M, r) && prevLetter && !p.ASCII:
			// a combining mark on a letter (Devanagari vowel signs, ...);
			// a pile of them is not a name
			if marks++; marks > 2 {
				return &UsernameError{"invalid_character"}
			}
		default:
			return &UsernameError{"invalid_character"}
		}
		prevSep = false
	}
	if prevSep {
		return &UsernameError{"separator_position"}
	}
	if !singleScript(scripts) {
		return &UsernameError{"mixed_scripts"}
	}
	if len(p.Reserved) > 0 {
		key, err := IdentifierKey(s)
		if err != nil {
			return &UsernameError{"invalid_character"}
		}
		for _, r := range p.Reserved {
			if rk, err := IdentifierKey(r); err == nil && rk == key {
				return &UsernameError{"reserved"}
			}
		}
	}
	return nil
}

// usernameScripts are the scripts told apart; letters of any other script
// share the last bit.
var usernameScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Armenian, unicode.Hebrew, unicode.Arabic,
	unicode.Devanagari, unicode.Bengali, unicode.Thai, unicode.Georgian, unicode.Hangul,
	unicode.Hiragana, unicode.Katakana, unicode.Han, unicode.Ethiopic, unicode.Tamil,
}

const (
	bitHangul   = 1 << 10
	bitHiragana = 1 << 11
	bitKatakana = 1 << 12
	bitHan      = 1 << 13
	bitOther    = 1 << 31
)

func scriptBit(r rune) uint32 {
	for i, t := range usernameScripts {
		if unicode.Is(t, r) {
			return 1 << i
		}
	}
	return bitOther
}

func singleScript(s uint32) bool {
	switch {
	case s&(s-1) == 0:
		return true // zero or one script
	case s&^(bitHan|bitHiragana|bitKatakana) == 0:
		return true // Japanese
	case s&^(bitHan|bitHangul) == 0:
		return true // Korean
	}
	return false
}
