package sanitize

import (
	"testing"
)

func TestTuneReport(t *testing.T) {
	d := &Detector{}
	for _, f := range []string{"xss.txt", "sqli.txt", "traversal.txt", "cmdi.txt"} {
		e := loadCorpus(t, f)
		n, _, miss := rate(d, e)
		t.Logf("%s: %d/%d = %.1f%%", f, n, len(e), pct(n, len(e)))
		for _, m := range miss {
			t.Logf("  MISS %q", m)
		}
	}
	e := loadCorpus(t, "benign.txt")
	n, hits, _ := rate(d, e)
	t.Logf("benign: %d/%d = %.1f%% flagged", n, len(e), pct(n, len(e)))
	for _, h := range hits {
		t.Logf("  FP %q", h)
	}
}
