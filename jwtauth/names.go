package jwtauth

import (
	"reflect"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// claimNames is the set of JSON member names a claims type decodes. Claim
// names are case-sensitive (RFC 7519, section 4), but encoding/json fills a
// field from any case variant of its name ("EXP" sets exp) and keeps the
// last of duplicate members; check refuses both for the names the type
// knows, so a token means the same thing to every parser.
type claimNames struct {
	exact   map[string]int
	folded  map[string]int
	maxLen  int
	numeric uint64 // indexes of NumericDate claims, which must be JSON numbers
}

var numericDate = reflect.TypeFor[jwt.NumericDate]()

// maxFoldedName bounds the names check lower-cases.
const maxFoldedName = 64

func newClaimNames(t reflect.Type) *claimNames {
	n := &claimNames{exact: map[string]int{}, folded: map[string]int{}}
	n.collect(t, 0)
	return n
}

func (n *claimNames) collect(t reflect.Type, depth int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || depth > 8 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			n.collect(f.Type, depth+1)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if !hasTag || name == "" {
			name = f.Name
		}
		if len(name) > maxFoldedName {
			continue
		}
		if _, ok := n.exact[name]; !ok {
			n.exact[name] = len(n.exact)
		}
		if ft := f.Type; (ft == numericDate || ft.Kind() == reflect.Pointer && ft.Elem() == numericDate) && n.exact[name] < 64 {
			// golang-jwt also accepts a string holding a number; RFC 7519
			// says NumericDate is a JSON number.
			n.numeric |= 1 << n.exact[name]
		}
		n.folded[strings.ToLower(name)] = n.exact[name]
		n.maxLen = max(n.maxLen, len(name))
	}
}

// check walks the top-level members of a claims payload and refuses a
// duplicate or a case variant of a known name, and escaped names. It
// allocates nothing. Malformed JSON is left to the decoder.
func (n *claimNames) check(payload []byte) error {
	m := newMembers(payload)
	var seen uint64
	var lower [maxFoldedName]byte
	for m.next() {
		key := m.key
		if hasEscape(key) {
			return ErrMalformedToken
		}
		if i, ok := n.exact[string(key)]; ok {
			if i < 64 {
				if seen&(1<<i) != 0 {
					return ErrMalformedToken
				}
				seen |= 1 << i
				if n.numeric&(1<<i) != 0 && (len(m.val) == 0 || m.val[0] != '-' && (m.val[0] < '0' || m.val[0] > '9')) {
					return ErrMalformedToken
				}
			}
			continue
		}
		if len(key) > 3*maxFoldedName {
			continue
		}
		if folded, ok := foldASCII(lower[:], key); ok && len(folded) <= n.maxLen {
			if _, known := n.folded[string(folded)]; known {
				return ErrMalformedToken
			}
		}
	}
	if m.bad {
		return ErrMalformedToken
	}
	return nil
}

// foldASCII lower-cases key into dst the way encoding/json matches names
// (Unicode simple folding, where only U+017F 'ſ' and U+212A 'K' fold to
// ASCII letters). It returns false when key has other non-ASCII characters
// (no ASCII name can match it) or does not fit.
func foldASCII(dst []byte, key []byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(key); {
		if n == len(dst) {
			return nil, false
		}
		c := key[i]
		switch {
		case c < 0x80:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			i++
		case i+1 < len(key) && c == 0xc5 && key[i+1] == 0xbf: // U+017F
			c = 's'
			i += 2
		case i+2 < len(key) && c == 0xe2 && key[i+1] == 0x84 && key[i+2] == 0xaa: // U+212A
			c = 'k'
			i += 3
		default:
			return nil, false
		}
		dst[n] = c
		n++
	}
	return dst[:n], true
}
