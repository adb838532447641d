package sanitize

// matcher finds any of a fixed set of lower-case patterns in one pass: a
// bitset of the patterns' first two bytes rules out almost every position
// with one lookup.
type matcher struct {
	pairs   [1 << 16 / 64]uint64
	byFirst [256][]int
	pats    []string
}

func newMatcher(pats ...string) *matcher {
	m := &matcher{pats: pats}
	for i, p := range pats {
		if len(p) < 2 {
			panic("sanitize: matcher pattern shorter than two bytes") // programming error, at init
		}
		k := uint16(p[0])<<8 | uint16(p[1])
		m.pairs[k/64] |= 1 << (k % 64)
		m.byFirst[p[0]] = append(m.byFirst[p[0]], i)
	}
	return m
}

// find returns the index of a pattern occurring in b, or -1.
func (m *matcher) find(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		k := uint16(b[i])<<8 | uint16(b[i+1])
		if m.pairs[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, p := range m.byFirst[b[i]] {
			if hasPrefixString(b[i:], m.pats[p]) {
				return p
			}
		}
	}
	return -1
}

func hasPrefixString(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
