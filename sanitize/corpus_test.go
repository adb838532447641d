package sanitize

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadCorpus reads one entry per line from testdata; "⏎" stands for a line
// break; blank lines are skipped.
func loadCorpus(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, strings.ReplaceAll(line, "⏎", "\n"))
	}
	require.NoError(t, sc.Err())
	return out
}

// rate returns how many entries the detector flags.
func rate(d *Detector, entries []string) (flagged int, hits, misses []string) {
	for _, e := range entries {
		if f, ok := d.Detect(e); ok {
			flagged++
			hits = append(hits, f.Class.String()+"/"+f.Signal+": "+e)
		} else {
			misses = append(misses, e)
		}
	}
	return flagged, hits, misses
}

func pct(n, total int) float64 { return 100 * float64(n) / float64(total) }
