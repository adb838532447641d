package audit

import (
	"testing"
	"unicode/utf8"
)

// FuzzClean checks that Clean's output is valid UTF-8, free of characters
// that can break a log line, and within the length bound.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"plain", "a\r\nb", "\xff\xfe", "x\u2028y", "é", "\u202Eabc"} {
		f.Add(s, 0)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 512
		got := Clean(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		for _, r := range got {
			if unsafeRune(r, utf8.RuneLen(r)) {
				t.Fatalf("unsafe rune %U in %q", r, got)
			}
		}
		if max > 0 && len(got) > max && len(got) > len("…") {
			t.Fatalf("len %d > %d", len(got), max)
		}
	})
}
