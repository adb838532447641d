package password

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isCommon reports whether a lower-cased password is in the common list:
// as it is, with l33t substitutions undone ("p@ssw0rd"), or with up to 6
// leading and trailing digits and symbols removed ("Password2024!",
// "!!dragon") when what remains has at least 4 characters.
func isCommon(l *wordList, lower string, runes []rune) bool {
	if l.contains(lower) || hasLeet(lower) && containsLeet(l, lower) {
		return true
	}
	start, end := 0, len(runes)
	for start < end && !unicode.IsLetter(runes[start]) {
		start++
	}
	for end > start && !unicode.IsLetter(runes[end-1]) {
		end--
	}
	stripped := start + len(runes) - end
	if stripped == 0 || stripped > 6 || end-start < 4 {
		return false
	}
	// Byte offsets of the core: the stripped runes are ASCII or not, so
	// count their widths.
	bs := 0
	for _, r := range runes[:start] {
		bs += utf8.RuneLen(r)
	}
	be := len(lower)
	for _, r := range runes[end:] {
		be -= utf8.RuneLen(r)
	}
	core := lower[bs:be]
	return l.contains(core) || hasLeet(core) && containsLeet(l, core)
}

// leetA and leetB undo common l33t substitutions; '1', '7' and '|' are
// ambiguous (i or l, t or l), so both readings are tried.
var leetA, leetB = leetTable("4a@a8b(c3e6g9g1i!i|i0o$s5s7t+t%x2z"), leetTable("4a@a8b(c3e6g9g1l!i|l0o$s5s7l+t%x2z")

func leetTable(pairs string) (t [128]byte) {
	for i := 0; i+1 < len(pairs); i += 2 {
		t[pairs[i]] = pairs[i+1]
	}
	return t
}

func hasLeet(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 128 && leetA[c] != 0 {
			return true
		}
	}
	return false
}

func containsLeet(l *wordList, s string) bool {
	var buf [128]byte
	for _, t := range [...]*[128]byte{&leetA, &leetB} {
		b := buf[:0]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < 128 && t[c] != 0 {
				c = t[c]
			}
			b = append(b, c)
		}
		if l.contains(string(b)) {
			return true
		}
	}
	return false
}

// Transition kinds between two consecutive characters, as bits.
const (
	kindRepeat = 1 << iota
	kindUp
	kindDown
	kindKeyRight
	kindKeyLeft
	kindAny = kindRepeat | kindUp | kindDown | kindKeyRight | kindKeyLeft
)

// keyboard gives the row and column of keys on a US QWERTY keyboard,
// unshifted and shifted; row 0 means not on the map.
var keyboard = func() (k [128]struct{ row, col int8 }) {
	rows := []string{"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "~!@#$%^&*()_+", "QWERTYUIOP{}|", "ASDFGHJKL:\"", "ZXCVBNM<>?"}
	for r, row := range rows {
		for c := 0; c < len(row); c++ {
			k[row[c]] = struct{ row, col int8 }{int8(r + 1), int8(c)}
		}
	}
	return k
}()

func transition(a, b rune) int {
	k := 0
	switch b - a {
	case 0:
		k |= kindRepeat
	case 1:
		k |= kindUp
	case -1:
		k |= kindDown
	}
	if a < 128 && b < 128 {
		ka, kb := keyboard[a], keyboard[b]
		if ka.row != 0 && ka.row == kb.row {
			switch kb.col - ka.col {
			case 1:
				k |= kindKeyRight
			case -1:
				k |= kindKeyLeft
			}
		}
	}
	return k
}

// patternCode returns CodeRepeated or CodeSequential when a lower-cased
// password is mostly made of patterns, else "".
//
// Repeated: the whole password repeats a chunk of at most half its length
// ("abcabcab", "passpass"). Otherwise the password is cut into runs of
// repeated characters, alphabet or digit sequences (up or down) and
// keyboard-row sequences; when there are at most max(2, n/4) runs, the
// password is a pattern: "aaaaaaaa", "12345678", "abcd1234", "qwerty123",
// "aaaa1111bbbb". The code is CodeSequential if any run is a sequence.
func patternCode(runes []rune) string {
	n := len(runes)
	if n < 2 {
		return ""
	}
	if smallestPeriod(runes) <= n/2 {
		return CodeRepeated
	}
	runs, sequence := 1, false
	mask := kindAny
	single := true
	for i := 1; i < n; i++ {
		t := transition(runes[i-1], runes[i])
		if m := mask & t; m != 0 {
			mask, single = m, false
			continue
		}
		if !single && mask&kindRepeat == 0 {
			sequence = true
		}
		runs++
		mask, single = kindAny, true
	}
	if !single && mask&kindRepeat == 0 {
		sequence = true
	}
	if runs > max(2, n/4) {
		return ""
	}
	if sequence {
		return CodeSequential
	}
	return CodeRepeated
}

// smallestPeriod returns the least p such that s[i] == s[i-p] for all i >= p
// (Knuth–Morris–Pratt failure function).
func smallestPeriod(s []rune) int {
	var buf [64]int32
	fail := buf[:0]
	if len(s) > len(buf) {
		fail = make([]int32, 0, len(s))
	}
	fail = append(fail, 0)
	k := int32(0)
	for i := 1; i < len(s); i++ {
		for k > 0 && s[i] != s[k] {
			k = fail[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		fail = append(fail, k)
	}
	return len(s) - int(fail[len(s)-1])
}

// Bounds on the user attributes compared, so that a client cannot make a
// check expensive.
const (
	maxInputs     = 16
	maxInputBytes = 256
	maxInputParts = 16
)

// tooSimilar reports whether a lower-cased password resembles one of the
// user's attributes or one of their words (split at anything that is not
// a letter or digit, so "jane.doe@example.com" gives jane, doe, example):
// the password lies inside the attribute, or a word of at least 3
// characters making up half of the password or more lies inside it
// (forwards or backwards), or the similarity 1 - distance/length with
// the attribute or a word reaches maxSim.
func tooSimilar(lower string, runes []rune, inputs []string, maxSim float64) bool {
	n := len(runes)
	if n == 0 {
		return false
	}
	var rev []rune
	for i, in := range inputs {
		if i == maxInputs {
			break
		}
		if len(in) > maxInputBytes {
			in = in[:maxInputBytes]
		}
		v := toLower(NormalizePassword(strings.TrimSpace(in)))
		if utf8.RuneCountInString(v) < 3 {
			continue
		}
		if strings.Contains(v, lower) || similar(runes, v, maxSim) {
			return true
		}
		parts := 0
		for part := range strings.FieldsFuncSeq(v, notLetterOrDigit) {
			if parts++; parts > maxInputParts {
				break
			}
			pn := utf8.RuneCountInString(part)
			if pn < 3 {
				continue
			}
			if 2*pn >= n {
				if strings.Contains(lower, part) {
					return true
				}
				if rev == nil {
					rev = reverse(runes)
				}
				if containsRunes(rev, part) {
					return true
				}
			}
			if part != v && similar(runes, part, maxSim) {
				return true
			}
		}
	}
	return false
}

func notLetterOrDigit(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

func reverse(r []rune) []rune {
	out := make([]rune, len(r))
	for i, c := range r {
		out[len(r)-1-i] = c
	}
	return out
}

func containsRunes(hay []rune, needle string) bool {
	var buf [48]rune
	nr := buf[:0]
	for _, c := range needle {
		nr = append(nr, c)
	}
outer:
	for i := 0; i+len(nr) <= len(hay); i++ {
		for j := range nr {
			if hay[i+j] != nr[j] {
				continue outer
			}
		}
		return true
	}
	return false
}

// similar reports whether 1 - levenshtein(a, b)/max(len) >= maxSim. The
// distance is at least the difference in lengths, so pairs whose lengths
// alone rule it out are skipped without computing it.
func similar(a []rune, b string, maxSim float64) bool {
	la, lb := len(a), utf8.RuneCountInString(b)
	long, short := max(la, lb), min(la, lb)
	if long == 0 || float64(short)/float64(long) < maxSim {
		return false
	}
	// Small stack buffers: zeroing big ones would cost more than the work.
	var bbuf [48]rune
	br := bbuf[:0]
	for _, c := range b {
		br = append(br, c)
	}
	d := levenshtein(a, br)
	return 1-float64(d)/float64(long) >= maxSim
}

// levenshtein is the edit distance with one row of memory.
func levenshtein(a, b []rune) int {
	var buf [49]int
	row := buf[:0]
	if len(b)+1 > len(buf) {
		row = make([]int, 0, len(b)+1)
	}
	for j := 0; j <= len(b); j++ {
		row = append(row, j)
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i
		for j := 1; j <= len(b); j++ {
			cur := row[j]
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			row[j] = min(row[j]+1, row[j-1]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}
