package sanitize

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// jsonConfig holds the JSON limits of a Sanitizer; a disabled rule's limit
// is math.MaxInt.
type jsonConfig struct {
	maxDepth, maxString, maxArray, maxKeys int
	foldKeys                               bool
	dupKeys                                bool // check for duplicate member names
	controls                               bool // reject escaped C0 controls (\u0000, \b, \f, ...)
	utf8                                   bool // reject invalid UTF-8 and unpaired surrogate escapes
	strings                                bool // visit string values (detection, Unicode checks)
	keys                                   bool // visit member names (Unicode checks)
}

func limitOr(v, def int, enabled bool) int {
	switch {
	case !enabled:
		return math.MaxInt
	case v == 0:
		return def
	}
	return v
}

// CheckJSON applies the JSON rules of s to data (one value, depth, sizes,
// duplicate member names, UTF-8, escaped control characters), as Handler
// does for a JSON body, but neither the Unicode checks nor the detector.
// It returns nil or an *Error. It is safe for concurrent use and does not
// allocate once its scratch space is warm.
func (s *Sanitizer) CheckJSON(data []byte) error {
	sc := s.getScratch()
	defer s.putScratch(sc)
	return s.scanJSON(data, sc, false)
}

// scanJSON checks data in one pass without recursion. visit says whether
// string values and member names go through the value checks.
func (s *Sanitizer) scanJSON(data []byte, sc *scratch, visit bool) error {
	cfg := &s.json
	st := &sc.json
	st.reset()
	i := skipWS(data, 0)
outer:
	for {
		if i >= len(data) {
			return ErrInvalidJSON
		}
		switch c := data[i]; {
		case c == '"':
			j, esc, err := s.scanString(data, i+1)
			if err != nil {
				return err
			}
			if visit && cfg.strings {
				if err := s.visitJSONString(sc, data[i+1:j-1], esc); err != nil {
					return err
				}
			}
			i = j
		case c == '{' || c == '[':
			if len(st.frames) >= cfg.maxDepth {
				return ErrJSONDepth
			}
			st.frames = append(st.frames, jsonFrame{obj: c == '{', keys: len(st.keys), arena: len(st.arena)})
			i = skipWS(data, i+1)
			switch {
			case i < len(data) && data[i] == c+2: // '}' or ']'
				st.pop()
				i++
			case c == '{':
				var err error
				if i, err = s.scanMember(data, i, sc, visit); err != nil {
					return err
				}
				continue outer
			default:
				st.frames[len(st.frames)-1].count = 1
				if cfg.maxArray < 1 {
					return ErrJSONArray
				}
				continue outer
			}
		case c == 't':
			if !hasLiteral(data, i, "true") {
				return ErrInvalidJSON
			}
			i += 4
		case c == 'f':
			if !hasLiteral(data, i, "false") {
				return ErrInvalidJSON
			}
			i += 5
		case c == 'n':
			if !hasLiteral(data, i, "null") {
				return ErrInvalidJSON
			}
			i += 4
		case c == '-' || (c >= '0' && c <= '9'):
			j, ok := scanNumber(data, i)
			if !ok {
				return ErrInvalidJSON
			}
			if j-i > cfg.maxString {
				return ErrJSONString
			}
			i = j
		default:
			return ErrInvalidJSON
		}

		// After a value: close containers, or go on to the next element.
		for {
			if len(st.frames) == 0 {
				if skipWS(data, i) != len(data) {
					return ErrInvalidJSON
				}
				return nil
			}
			i = skipWS(data, i)
			if i >= len(data) {
				return ErrInvalidJSON
			}
			f := &st.frames[len(st.frames)-1]
			switch c := data[i]; {
			case c == ',':
				i = skipWS(data, i+1)
				if f.obj {
					var err error
					if i, err = s.scanMember(data, i, sc, visit); err != nil {
						return err
					}
				} else if f.count++; f.count > cfg.maxArray {
					return ErrJSONArray
				}
				continue outer
			case (c == '}' && f.obj) || (c == ']' && !f.obj):
				st.pop()
				i++
			default:
				return ErrInvalidJSON
			}
		}
	}
}

// scanMember reads `"name" :` at data[i:] and returns the index of the
// value after the colon.
func (s *Sanitizer) scanMember(data []byte, i int, sc *scratch, visit bool) (int, error) {
	cfg := &s.json
	st := &sc.json
	if i >= len(data) || data[i] != '"' {
		return 0, ErrInvalidJSON
	}
	f := &st.frames[len(st.frames)-1]
	if f.count++; f.count > cfg.maxKeys {
		return 0, ErrJSONObject
	}
	start := len(st.arena)
	j, err := s.scanKey(data, i+1, st)
	if err != nil {
		return 0, err
	}
	if visit && cfg.keys {
		if err := s.checkUnicode(st.arena[start:]); err != nil {
			return 0, err
		}
	}
	if cfg.dupKeys {
		name := st.arena[start:]
		st.keys = append(st.keys, jsonKey{off: uint32(start), n: uint32(len(name)), fp: fingerprint(name)})
		if st.duplicate(f, len(st.frames)-1, &s.seed) {
			return 0, ErrJSONDuplicateKey
		}
	} else {
		st.arena = st.arena[:start]
	}
	j = skipWS(data, j)
	if j >= len(data) || data[j] != ':' {
		return 0, ErrInvalidJSON
	}
	return skipWS(data, j+1), nil
}

// scanString scans a string whose opening quote is at data[i-1] and returns
// the index after the closing quote, and whether it holds escapes.
func (s *Sanitizer) scanString(data []byte, i int) (next int, escaped bool, err error) {
	start := i
	for {
		// Skip eight plain ASCII bytes at a time.
		for i+8 <= len(data) && plain8(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < len(data) && strPlain[data[i]] {
			i++
		}
		if i >= len(data) {
			return 0, false, ErrInvalidJSON
		}
		switch c := data[i]; {
		case c == '"':
			if i-start > s.json.maxString {
				return 0, false, ErrJSONString
			}
			return i + 1, escaped, nil
		case c == '\\':
			_, n, err := s.scanEscape(data, i)
			if err != nil {
				return 0, false, err
			}
			escaped = true
			i += n
		case c < 0x20:
			return 0, false, ErrInvalidJSON // raw control characters are not JSON
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 && s.json.utf8 {
				return 0, false, ErrInvalidUTF8
			}
			i += n
		}
		if i-start > s.json.maxString {
			return 0, false, ErrJSONString
		}
	}
}

// scanKey scans a member name whose opening quote is at data[i-1],
// appending its canonical form (unescaped; case-folded like encoding/json
// unless keys are case-sensitive) to st.arena. It returns the index after
// the closing quote.
func (s *Sanitizer) scanKey(data []byte, i int, st *jsonState) (int, error) {
	start, fold := i, s.json.foldKeys
	for {
		j := i
		if fold {
			// Copy and fold in the same pass as the scan.
			arena := st.arena
			if cap(arena)-len(arena) < 64 {
				arena = append(arena, make([]byte, 64)...)[:len(arena)]
			}
			w, end := len(arena), cap(arena)
			buf := arena[:end]
			for j < len(data) && w < end {
				c := data[j]
				if !strPlain[c] {
					break
				}
				buf[w] = foldASCII[c]
				w++
				j++
			}
			st.arena = buf[:w]
			if w == end { // the arena is full: grow it and go on
				i = j
				if i-start > s.json.maxString {
					return 0, ErrJSONString
				}
				continue
			}
		} else {
			for j < len(data) && strPlain[data[j]] {
				j++
			}
			st.arena = append(st.arena, data[i:j]...)
		}
		if j >= len(data) {
			return 0, ErrInvalidJSON
		}
		var r rune
		switch c := data[j]; {
		case c == '"':
			if j-start > s.json.maxString {
				return 0, ErrJSONString
			}
			return j + 1, nil
		case c == '\\':
			var n int
			var err error
			if r, n, err = s.scanEscape(data, j); err != nil {
				return 0, err
			}
			i = j + n
		case c < 0x20:
			return 0, ErrInvalidJSON
		default:
			var n int
			r, n = utf8.DecodeRune(data[j:])
			if r == utf8.RuneError && n == 1 && s.json.utf8 {
				return 0, ErrInvalidUTF8
			}
			i = j + n
		}
		if fold {
			r = foldRune(r)
		}
		st.arena = utf8.AppendRune(st.arena, r)
		if i-start > s.json.maxString {
			return 0, ErrJSONString
		}
	}
}
