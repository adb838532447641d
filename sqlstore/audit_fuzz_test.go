package sqlstore

import (
	"testing"
)

// FuzzParseChainHead checks that ParseChainHead never panics and that what
// it accepts prints back to an equivalent head.
func FuzzParseChainHead(f *testing.F) {
	f.Add("0:" + "00000000000000000000000000000000000000000000000000000000000000ff")
	f.Add("42:zz")
	f.Add("-1:00")
	f.Add(" 7:" + "11111111111111111111111111111111111111111111111111111111111111AA ")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseChainHead(s)
		if err != nil {
			return
		}
		if h.Seq < 0 || len(h.MAC) != 32 {
			t.Fatalf("accepted %q as %v", s, h)
		}
		again, err := ParseChainHead(h.String())
		if err != nil || again.Seq != h.Seq || string(again.MAC) != string(h.MAC) {
			t.Fatalf("%q does not round-trip", s)
		}
	})
}
