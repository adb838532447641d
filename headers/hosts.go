package headers

import (
	"errors"
	"net/netip"
	"strings"
)

// Host limits (RFC 1035): 253 characters, labels of at most 63.
const (
	maxHostLen  = 253
	maxLabelLen = 63
)

// hostMatcher holds the AllowedHosts patterns, lowercased.
type hostMatcher struct {
	exact     map[string][]string // host -> allowed ports ("" = any)
	wildcards []hostPattern       // suffix starts with '.'
}

type hostPattern struct {
	suffix string
	port   string
}

// newHostMatcher compiles AllowedHosts patterns: "example.com",
// "*.example.com", "[2001:db8::1]", each optionally with ":port". A
// wildcard covers one or more labels in front of the suffix and not the
// bare suffix itself. Patterns are case-insensitive.
func newHostMatcher(patterns []string) (*hostMatcher, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	m := &hostMatcher{exact: make(map[string][]string, len(patterns))}
	for _, p := range patterns {
		host, port, ok := splitHost(p)
		if !ok {
			return nil, errors.New("headers: allowed host pattern has a malformed port")
		}
		host = strings.ToLower(host)
		if rest, wild := strings.CutPrefix(host, "*."); wild {
			if !validHostname(rest) || strings.Count(rest, ".") < 1 {
				return nil, errors.New("headers: wildcard host pattern must be *.domain.tld, with a wildcard only as the whole first label")
			}
			if isIPv4(rest) {
				return nil, errors.New("headers: wildcard host pattern cannot be an IP address")
			}
			m.wildcards = append(m.wildcards, hostPattern{suffix: "." + rest, port: port})
			continue
		}
		if !validHost(host) {
			return nil, errors.New("headers: allowed host pattern is not a host name or IP address")
		}
		m.exact[host] = append(m.exact[host], port)
	}
	return m, nil
}

// allowed reports whether a Host header value matches a pattern. The value
// must be a well-formed host (name, IPv4, or bracketed IPv6) with an
// optional valid port; one trailing dot is ignored. It allocates nothing.
func (m *hostMatcher) allowed(hostport string) bool {
	host, port, ok := splitHost(hostport)
	if !ok || host == "" || len(host) > maxHostLen+1 {
		return false
	}
	if strings.HasSuffix(host, ".") && !strings.HasSuffix(host, "..") {
		host = host[:len(host)-1]
	}
	if !validHost(host) {
		return false
	}
	var buf [maxHostLen + 1]byte
	lower := buf[:0]
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	for _, want := range m.exact[string(lower)] {
		if want == "" || want == port {
			return true
		}
	}
	for _, w := range m.wildcards {
		if len(lower) > len(w.suffix) && string(lower[len(lower)-len(w.suffix):]) == w.suffix &&
			(w.port == "" || w.port == port) {
			return true
		}
	}
	return false
}

// splitHost splits "host[:port]" and "[v6][:port]". ok is false when a port
// is present but not a decimal number in 1-65535 without leading zeros, or
// when a bracket is unbalanced.
func splitHost(s string) (host, port string, ok bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := s[:end+1], s[end+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' || !validPort(rest[1:]) {
			return "", "", false
		}
		return host, rest[1:], true
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", true
	}
	if !validPort(s[i+1:]) {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func validPort(s string) bool {
	if s == "" || len(s) > 5 || s[0] == '0' {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

// validHost accepts a DNS host name, an IPv4 address, or a bracketed IPv6
// address without zone.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return false
		}
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		return err == nil && a.Is6() && a.Zone() == ""
	}
	return validHostname(h)
}

// validHostname: labels of letters, digits, '-' and '_' (seen in the wild),
// 1-63 characters each, not starting or ending with '-', at most 253 in all.
func validHostname(h string) bool {
	if h == "" || len(h) > maxHostLen {
		return false
	}
	label := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c == '.':
			if label == 0 || h[i-1] == '-' {
				return false
			}
			label = 0
			continue
		case c == '-':
			if label == 0 {
				return false
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
		label++
		if label > maxLabelLen {
			return false
		}
	}
	return label > 0 && h[len(h)-1] != '-'
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}
