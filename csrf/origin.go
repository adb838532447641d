package csrf

import (
	"errors"
	"net/netip"
	"strings"
)

// maxOriginLen bounds the Origin values this package parses. Real origins
// are far shorter; anything longer is refused without further work.
const maxOriginLen = 512

// origin is a parsed serialized origin (RFC 6454, section 6.2):
// scheme "://" host [ ":" port ]. Fields are slices of the input, in the
// input's case.
type origin struct {
	scheme, host, port string
}

// parseOrigin parses a serialized origin strictly. Unlike url.Parse it
// refuses everything a browser never sends in an Origin header: userinfo
// ("https://user@host", golang/go#78563), paths, queries, fragments,
// percent-encoding, whitespace, empty hosts and ports, and ports outside
// 1-65535 or with leading zeros. "null" is not an origin here; callers
// handle it first. parseOrigin allocates nothing.
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
			if rest[0] != ':' {
				return o, false
			}
			o.port = rest[1:]
			if !validPort(o.port) {
				return o, false
			}
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
	if !validHost(o.host) {
		return o, false
	}
	return o, true
}

// validScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986, 3.1).
func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// validHost accepts the ASCII (punycode) host names and IPv4 addresses that
// browsers serialize: letters, digits, '-', '.' and '_'.
func validHost(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
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

// defaultPort returns the default port of scheme, "" when it has none known.
func defaultPort(scheme string) string {
	switch {
	case strings.EqualFold(scheme, "https"):
		return "443"
	case strings.EqualFold(scheme, "http"):
		return "80"
	}
	return ""
}

// appendCanonical appends the canonical form of o to dst: scheme and host
// lowercased, the scheme's default port dropped.
func (o origin) appendCanonical(dst []byte) []byte {
	dst = appendLower(dst, o.scheme)
	dst = append(dst, "://"...)
	dst = appendLower(dst, o.host)
	if o.port != "" && o.port != defaultPort(o.scheme) {
		dst = append(dst, ':')
		dst = append(dst, o.port...)
	}
	return dst
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// canonicalOrigin validates a configured trusted origin and returns its
// canonical form.
func canonicalOrigin(s string) (string, error) {
	if s == "null" {
		return "", errors.New("csrf: the null origin cannot be trusted")
	}
	if strings.Contains(s, "*") {
		return "", errors.New("csrf: trusted origins are exact; wildcards are not supported")
	}
	o, ok := parseOrigin(s)
	if !ok {
		return "", errors.New("csrf: trusted origin must be scheme://host[:port], without userinfo, path, query or fragment")
	}
	return string(o.appendCanonical(nil)), nil
}

// sameHost reports whether the origin's host and port equal the request's
// Host header, case-insensitively, with the scheme's default port implied
// on either side.
func (o origin) sameHost(requestHost string) bool {
	host, port := splitHostPort(requestHost)
	if !strings.EqualFold(o.host, host) {
		return false
	}
	def := defaultPort(o.scheme)
	op, rp := o.port, port
	if op == "" {
		op = def
	}
	if rp == "" {
		rp = def
	}
	return op == rp
}

// splitHostPort splits a Host header value into host and port ("" if none),
// handling bracketed IPv6 literals. It never fails: a malformed value simply
// matches no well-formed origin.
func splitHostPort(s string) (host, port string) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return s, ""
		}
		host, rest := s[:end+1], s[end+1:]
		if strings.HasPrefix(rest, ":") {
			return host, rest[1:]
		}
		return host, ""
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
