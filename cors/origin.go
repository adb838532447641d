package cors

import (
	"net/netip"
	"strconv"
	"strings"
)

// Bounds on origins. A DNS name is at most 253 bytes; with a scheme and a
// port, 512 leaves room for anything a browser sends. Longer values are
// refused before any other work.
const (
	maxOriginLen = 512
	maxLabelLen  = 63
)

// origin is a parsed serialized origin (RFC 6454, section 6.2; WHATWG URL
// "ASCII serialization of an origin"): scheme "://" host [ ":" port ].
// Fields are slices of the input, in the input's case.
type origin struct {
	scheme, host, port string
}

// parseOrigin parses a serialized origin strictly: it refuses what a browser
// never sends in an Origin header, such as userinfo, paths, queries,
// fragments, percent-encoding, whitespace, empty labels, IPv6 zones and ports
// outside 1-65535 or with a leading zero. "null" is not an origin here;
// callers handle it first. parseOrigin allocates nothing.
func parseOrigin(s string) (origin, bool) {
	var o origin
	if len(s) > maxOriginLen {
		return o, false
	}
	i := strings.Index(s, "://")
	if i <= 0 || !validScheme(s[:i]) {
		return o, false
	}
	o.scheme = s[:i]
	rest := s[i+3:]
	if rest == "" {
		return o, false
	}
	if rest[0] == '[' {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return o, false
		}
		a, err := netip.ParseAddr(rest[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return o, false
		}
		o.host, rest = rest[:end+1], rest[end+1:]
		if rest != "" {
			if rest[0] != ':' || !validPort(rest[1:]) {
				return o, false
			}
			o.port = rest[1:]
		}
		return o, true
	}
	o.host = rest
	if j := strings.LastIndexByte(rest, ':'); j >= 0 {
		o.host, o.port = rest[:j], rest[j+1:]
		if !validPort(o.port) {
			return o, false
		}
	}
	return o, validHost(o.host)
}

// validScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986, 3.1).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// validHost accepts the ASCII (punycode) host names and IPv4 addresses
// browsers serialize: dot-separated labels of 1 to 63 letters, digits, '-'
// or '_', at most 253 bytes, no empty label (so no leading or trailing dot).
func validHost(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			label++
			if label > maxLabelLen {
				return false
			}
		default:
			return false
		}
	}
	return label > 0
}

// validPort: 1 to 65535, decimal, no sign, no leading zero.
func validPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// effectivePort returns o's port, or "" when it is the scheme's default, so
// that "https://a.example:443" and "https://a.example" compare equal.
func (o origin) effectivePort() string {
	switch {
	case o.port == "":
		return ""
	case o.port == "443" && equalFold(o.scheme, "https"), o.port == "80" && equalFold(o.scheme, "http"):
		return ""
	}
	return o.port
}

// canonical reports whether o is already in canonical form: scheme and host
// in lowercase, no default port. Browsers always send this form.
func (o origin) canonical() bool {
	return !hasUpper(o.scheme) && !hasUpper(o.host) && o.effectivePort() == o.port
}

// appendCanonical appends the canonical form of o to dst.
func (o origin) appendCanonical(dst []byte) []byte {
	dst = appendLower(dst, o.scheme)
	dst = append(dst, "://"...)
	dst = appendLower(dst, o.host)
	if p := o.effectivePort(); p != "" {
		dst = append(dst, ':')
		dst = append(dst, p...)
	}
	return dst
}

// pattern is an allowed-origin pattern such as https://*.example.com: the
// scheme, the host suffix including its leading dot, and the effective port,
// all lowercase. The wildcard stands for one or more whole labels.
type pattern struct {
	scheme, suffix, port string
}

// match reports whether o (already validated by parseOrigin) matches p. The
// host must end with the suffix and have at least one label before it, so
// https://*.example.com matches https://a.example.com and
// https://a.b.example.com but neither https://example.com,
// https://evilexample.com nor https://example.com.evil.net.
func (p *pattern) match(o origin) bool {
	h := o.host
	return len(h) > len(p.suffix) &&
		equalFold(h[len(h)-len(p.suffix):], p.suffix) &&
		equalFold(o.scheme, p.scheme) &&
		o.effectivePort() == p.port
}

// String returns the pattern as it would be configured.
func (p *pattern) String() string {
	s := p.scheme + "://*" + p.suffix
	if p.port != "" {
		s += ":" + p.port
	}
	return s
}

// parseAllowedOrigin validates one configured allowed origin. It returns
// either its canonical form (exact) or a pattern. "*" and "null" are handled
// by the caller.
func parseAllowedOrigin(s string) (exact string, pat *pattern, err error) {
	const form = "must be scheme://host[:port] or scheme://*.domain[:port], without path, query, userinfo or whitespace"
	if s == "" {
		return "", nil, optionsErr(ErrInvalidOrigin, "cors: empty allowed origin")
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return "", nil, optionsErr(ErrInvalidOrigin, "cors: allowed origin "+quote(s)+" has no scheme; it "+form)
	}
	if n := strings.Count(s, "*"); n > 0 {
		rest := s[i+3:]
		if n > 1 || !strings.HasPrefix(rest, "*.") {
			return "", nil, optionsErr(ErrInvalidOrigin, "cors: allowed origin "+quote(s)+": a wildcard must be the whole leading label of the host, as in https://*.example.com")
		}
		// Parse the origin that the wildcard's minimal expansion would give.
		o, ok := parseOrigin(s[:i+3] + "x" + rest[1:])
		if !ok {
			return "", nil, optionsErr(ErrInvalidOrigin, "cors: allowed origin "+quote(s)+" "+form)
		}
		suffix := strings.ToLower(o.host[1:])
		if strings.IndexByte(suffix[1:], '.') < 0 {
			return "", nil, optionsErr(ErrInsecureOptions, "cors: allowed origin "+quote(s)+" covers a whole top-level domain")
		}
		if last := suffix[strings.LastIndexByte(suffix, '.')+1:]; strings.Trim(last, "0123456789") == "" {
			return "", nil, optionsErr(ErrInvalidOrigin, "cors: allowed origin "+quote(s)+": wildcards apply to domain names, not IP addresses")
		}
		return "", &pattern{scheme: strings.ToLower(o.scheme), suffix: suffix, port: o.effectivePort()}, nil
	}
	o, ok := parseOrigin(s)
	if !ok {
		return "", nil, optionsErr(ErrInvalidOrigin, "cors: allowed origin "+quote(s)+" "+form)
	}
	if o.host[0] == '[' {
		// Browsers serialize IPv6 addresses in their shortest form.
		a, _ := netip.ParseAddr(o.host[1 : len(o.host)-1])
		o.host = "[" + a.String() + "]"
	}
	return string(o.appendCanonical(nil)), nil, nil
}

// quote returns s in double quotes, truncated, for error messages about
// configuration (never request input).
func quote(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:80]) + "..."
	}
	return strconv.Quote(s)
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lower(s[i]))
	}
	return dst
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold is an ASCII-only strings.EqualFold.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
