package cors

// Bounds of Access-Control-Request-Headers parsing. Browsers send one line of
// unique, lowercase, comma-separated names without whitespace; the bounds
// leave generous room for proxies that split or re-join the line, and make
// the work per preflight a constant of the configuration however long or
// numerous the header lines are (rs/cors once spent 127 ms and 121 MB on one
// crafted preflight, rs/cors#170).
const (
	// maxHeaderNameLen bounds a header name, allowed or requested.
	maxHeaderNameLen = 256
	// maxMethodLen bounds a method name, allowed or requested.
	maxMethodLen = 64
	// maxOWS is the optional whitespace tolerated on each side of a name.
	maxOWS = 8
	// maxEmptyElements is the number of empty list elements tolerated
	// (RFC 9110, section 5.6.1.2: "a reasonable number").
	maxEmptyElements = 16
	// minNames is the floor of the number of names a preflight may request;
	// the bound grows with the number of allowed headers.
	minNames = 64
)

// isTchar reports whether c may appear in a token (RFC 9110, section 5.6.2).
func isTchar(c byte) bool {
	return tchar[c]
}

var tchar = [256]bool{
	'!': true, '#': true, '$': true, '%': true, '&': true, '\'': true, '*': true,
	'+': true, '-': true, '.': true, '^': true, '_': true, '`': true, '|': true, '~': true,
	'0': true, '1': true, '2': true, '3': true, '4': true, '5': true, '6': true, '7': true, '8': true, '9': true,
	'A': true, 'B': true, 'C': true, 'D': true, 'E': true, 'F': true, 'G': true, 'H': true, 'I': true,
	'J': true, 'K': true, 'L': true, 'M': true, 'N': true, 'O': true, 'P': true, 'Q': true, 'R': true,
	'S': true, 'T': true, 'U': true, 'V': true, 'W': true, 'X': true, 'Y': true, 'Z': true,
	'a': true, 'b': true, 'c': true, 'd': true, 'e': true, 'f': true, 'g': true, 'h': true, 'i': true,
	'j': true, 'k': true, 'l': true, 'm': true, 'n': true, 'o': true, 'p': true, 'q': true, 'r': true,
	's': true, 't': true, 'u': true, 'v': true, 'w': true, 'x': true, 'y': true, 'z': true,
}

// validToken reports whether s is a non-empty RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

// headerSet is the set of request headers a preflight may ask for. It is
// built in New and read-only afterwards.
type headerSet struct {
	names    map[string]struct{} // lowercase
	any      bool                // "*": any name except authorization
	authz    bool                // authorization listed explicitly
	maxName  int                 // longest name accepted
	maxNames int                 // most non-empty names accepted per preflight
}

// safelisted are the CORS-safelisted request-header names (Fetch standard).
// Browsers list them in Access-Control-Request-Headers only when their value
// falls outside the safelist (Content-Type: application/json, a long Accept);
// a server that trusts the origin has no reason to refuse them, so they are
// always allowed, as Starlette's CORSMiddleware does.
var safelisted = []string{"accept", "accept-language", "content-language", "content-type"}

// newHeaderSet builds the set from configured names, validated by the caller,
// and the safelisted names.
func newHeaderSet(names []string) headerSet {
	s := headerSet{names: make(map[string]struct{}, len(names)+len(safelisted))}
	for _, n := range append(names[:len(names):len(names)], safelisted...) {
		if n == "*" {
			s.any = true
			continue
		}
		l := string(appendLower(nil, n))
		s.names[l] = struct{}{}
		s.maxName = max(s.maxName, len(l))
		if l == "authorization" {
			s.authz = true
		}
	}
	if s.any {
		s.maxName = maxHeaderNameLen
	}
	s.maxNames = max(minNames, 2*len(s.names))
	return s
}

// allowed reports whether the lowercase name is in the set.
func (s *headerSet) allowed(name string) bool {
	if s.any {
		// The Fetch standard never lets "*" cover Authorization.
		return name != "authorization" || s.authz
	}
	_, ok := s.names[name]
	return ok
}

// allowedFold is allowed for a name with uppercase letters, at most
// maxHeaderNameLen bytes long. It lowercases into a buffer of its own, so
// that callers pay for clearing the buffer only when a name needs it.
//
//go:noinline
func (s *headerSet) allowedFold(name string) bool {
	var buf [maxHeaderNameLen]byte
	for j := 0; j < len(name); j++ {
		buf[j] = lower(name[j])
	}
	return s.allowed(string(buf[:len(name)]))
}

// accepts reports whether every name listed in the Access-Control-Request-
// Headers field lines is allowed, and whether any name was listed at all.
// Names match case-insensitively, in any order, duplicates allowed; elements
// may carry optional whitespace and the list may be split over several field
// lines. It gives up (false) as soon as a name is unknown, malformed or too
// long, or the number of names or empty elements exceeds its bounds, so the
// bytes it reads are bounded by the configuration, not by the input. It
// allocates nothing.
func (s *headerSet) accepts(lines []string) (ok, any bool) {
	ok, any, _ = s.scan(lines)
	return ok, any
}

// scan is accepts that also returns how many bytes it read, for tests.
func (s *headerSet) scan(lines []string) (ok, any bool, read int) {
	names, empty := 0, 0
	for _, line := range lines {
		i := 0
		for {
			if i < len(line) && line[i] == ',' {
				// Fast path: an empty element without whitespace.
				if empty++; empty > maxEmptyElements {
					return false, false, read + i
				}
				i++
				continue
			}
			// One list element: OWS name OWS, then a comma or the end.
			ws := 0
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				if ws++; ws > maxOWS {
					return false, false, read + i
				}
				i++
			}
			start, upper := i, false
			for i < len(line) && tchar[line[i]] {
				if i-start == s.maxName {
					return false, false, read + i
				}
				if c := line[i]; c >= 'A' && c <= 'Z' {
					upper = true
				}
				i++
			}
			name := line[start:i]
			ws = 0
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				if ws++; ws > maxOWS {
					return false, false, read + i
				}
				i++
			}
			if i < len(line) && line[i] != ',' {
				return false, false, read + i
			}
			if name == "" {
				if empty++; empty > maxEmptyElements {
					return false, false, read + i
				}
			} else {
				if names++; names > s.maxNames {
					return false, false, read + i
				}
				if upper {
					if !s.allowedFold(name) {
						return false, false, read + i
					}
				} else if !s.allowed(name) {
					return false, false, read + i
				}
			}
			if i >= len(line) {
				break
			}
			i++ // the comma
		}
		read += len(line)
	}
	return true, names > 0, read
}

// methodSet is the set of methods cross-origin requests may use. Methods are
// case-sensitive (RFC 9110, section 9.1); New normalizes the six methods the
// Fetch standard normalizes (DELETE, GET, HEAD, OPTIONS, POST, PUT).
type methodSet struct {
	list []string
	any  bool
}

func (m *methodSet) allowed(method string) bool {
	if m.any {
		return true
	}
	for _, x := range m.list {
		if x == method {
			return true
		}
	}
	return false
}

// normalizeMethod returns the Fetch-normalized form of a method: one of the
// six standard methods in uppercase when it matches case-insensitively,
// otherwise the method unchanged.
func normalizeMethod(m string) string {
	for _, std := range [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} {
		if equalFold(m, std) {
			return std
		}
	}
	return m
}

// forbiddenMethod reports whether browsers refuse to send m at all (Fetch
// standard, "forbidden method"), so allowing it is a configuration mistake.
func forbiddenMethod(m string) bool {
	return equalFold(m, "CONNECT") || equalFold(m, "TRACE") || equalFold(m, "TRACK")
}
