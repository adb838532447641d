package jwtauth

// A minimal walker over the top-level members of a JSON object, used where
// encoding/json is too lenient for JOSE: it matches member names
// case-insensitively ("ALG" would fill an "alg" field) and silently keeps
// the last of duplicate members. The walker exposes each raw member name so
// that callers can refuse duplicates and case variants of the names they
// know. Callers run json.Valid first; the walker still never reads out of
// bounds on invalid input.

// members iterates over the top-level members of a JSON object. It is
// strict about the object's structure (members separated by single commas,
// nothing but whitespace after the closing brace); values are delimited,
// not validated: callers validate the values they use.
type members struct {
	b    []byte
	i    int
	n    int    // members read so far
	key  []byte // raw member name, between the quotes, escapes not decoded
	val  []byte // raw member value
	bad  bool   // the input is not an object the walker understands
	done bool
}

// newMembers starts a walk over b, which must be a JSON object.
func newMembers(b []byte) members {
	m := members{b: b}
	m.skipSpace()
	if m.i >= len(b) || b[m.i] != '{' {
		m.bad = true
		return m
	}
	m.i++
	return m
}

// next advances to the next member. It returns false at the end of the
// object or on malformed input (then m.bad is set).
func (m *members) next() bool {
	if m.bad || m.done {
		return false
	}
	m.skipSpace()
	if m.i >= len(m.b) {
		m.bad = true
		return false
	}
	if m.b[m.i] == '}' {
		m.i++
		m.skipSpace()
		m.bad = m.i != len(m.b)
		m.done = true
		return false
	}
	if m.n > 0 {
		if m.b[m.i] != ',' {
			m.bad = true
			return false
		}
		m.i++
		m.skipSpace()
	}
	end, ok := stringEnd(m.b, m.i)
	if !ok {
		m.bad = true
		return false
	}
	m.key = m.b[m.i+1 : end-1]
	m.i = end
	m.skipSpace()
	if m.i >= len(m.b) || m.b[m.i] != ':' {
		m.bad = true
		return false
	}
	m.i++
	m.skipSpace()
	start := m.i
	end, ok = valueEnd(m.b, m.i)
	if !ok {
		m.bad = true
		return false
	}
	m.val = m.b[start:end]
	m.i = end
	m.n++
	return true
}

func (m *members) skipSpace() {
	for m.i < len(m.b) {
		switch m.b[m.i] {
		case ' ', '\t', '\r', '\n':
			m.i++
		default:
			return
		}
	}
}

// stringEnd returns the index just past the string starting at b[i] ('"').
func stringEnd(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := stringEnd(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j, j > i
		}
		j++
	}
	return j, j > i
}

// hasEscape reports whether a raw JSON string body contains an escape.
func hasEscape(s []byte) bool {
	for _, c := range s {
		if c == '\\' {
			return true
		}
	}
	return false
}

// plainString returns the body of a JSON string value without escapes, or
// false when v is not a string or contains an escape.
func plainString(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	s := v[1 : len(v)-1]
	return s, !hasEscape(s)
}

// equalFoldASCII compares ASCII case-insensitively without allocating.
func equalFoldASCII(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
