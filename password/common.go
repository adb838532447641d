package password

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"sync"
)

// commonGz is the 30,000-password frequency list of zxcvbn 4.4.2 (MIT, see
// NOTICE-zxcvbn.txt): lower case, sorted bytewise, one per line, gzip.
// gen_common.go makes it.
//
//go:embed common_passwords.txt.gz
var commonGz []byte

// wordList is a sorted set of strings in two allocations: the words
// concatenated, and where each starts. 30,000 words take about 330 KB
// (a map[string]struct{} would take several times that).
type wordList struct {
	blob string
	off  []uint32 // word i is blob[off[i]:off[i+1]]
}

func (l *wordList) len() int { return len(l.off) - 1 }

func (l *wordList) at(i int) string { return l.blob[l.off[i]:l.off[i+1]] }

// contains reports whether w is in the list, by binary search.
func (l *wordList) contains(w string) bool {
	n := l.len()
	i := sort.Search(n, func(i int) bool { return l.at(i) >= w })
	return i < n && l.at(i) == w
}

// commonPasswords decompresses the embedded list once, on first use.
var commonPasswords = sync.OnceValues(func() (*wordList, error) {
	return loadWordList(commonGz)
})

func loadWordList(gz []byte) (*wordList, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("password: common list: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 1<<22))
	if err != nil {
		return nil, fmt.Errorf("password: common list: %w", err)
	}
	n := bytes.Count(raw, []byte{'\n'})
	blob := make([]byte, 0, len(raw)-n)
	off := make([]uint32, 1, n+1)
	var prev []byte
	for line := range bytes.Lines(raw) {
		w := bytes.TrimSuffix(line, []byte{'\n'})
		if len(w) == 0 {
			continue
		}
		if prev != nil && bytes.Compare(w, prev) <= 0 {
			return nil, fmt.Errorf("password: common list is not sorted at %q", w)
		}
		prev = w
		blob = append(blob, w...)
		off = append(off, uint32(len(blob)))
	}
	return &wordList{blob: string(blob), off: off}, nil
}
