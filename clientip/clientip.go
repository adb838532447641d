// Package clientip decides which IP address a request comes from.
//
// It is the one place in Gatehouse that reads X-Forwarded-For, Forwarded
// (RFC 7239) or X-Real-IP. A forwarding header is believed only when the
// connection comes from a configured trusted proxy, and then only as far as
// the chain of trusted proxies goes: the header is walked right to left and
// the first address that is not a trusted proxy is the client. A client can
// write anything into the left part of X-Forwarded-For; it can never choose
// the address this package returns.
//
// Without configuration, the client is the connection's peer (RemoteAddr)
// and no header is read:
//
//	res, err := clientip.New(clientip.Options{
//		TrustedProxies: clientip.LoopbackRanges(), // e.g. nginx on the same host
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	handler := res.Handler(mux)
//	// in a handler or a later middleware:
//	addr := clientip.From(r)
//
// Other Gatehouse packages (ratelimit, apikey, audit events, headers' HSTS
// decision) ask this package for the address, so a deployment configures its
// proxies once.
package clientip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Header names a forwarding header that trusted proxies set.
type Header string

// The forwarding headers a Resolver can read.
const (
	// XForwardedFor is the de-facto standard list "client, proxy1, proxy2".
	XForwardedFor Header = "X-Forwarded-For"
	// Forwarded is the RFC 7239 header: `for=192.0.2.1;proto=https, for="[2001:db8::1]:443"`.
	Forwarded Header = "Forwarded"
	// XRealIP holds a single address, as set by nginx's realip module.
	XRealIP Header = "X-Real-IP"
)

// maxHops bounds how many forwarding entries one request can make the
// resolver look at. Longer chains of trusted proxies do not exist in practice.
const maxHops = 64

// Options configures a Resolver. The zero value trusts no proxy: the client
// is always the connection's peer address.
type Options struct {
	// TrustedProxies are the networks of the reverse proxies in front of the
	// service. A forwarding header is read only on connections from these
	// networks. Default none. See LoopbackRanges and PrivateRanges.
	TrustedProxies []netip.Prefix

	// Header is the one forwarding header the trusted proxies maintain.
	// Default XForwardedFor. Only one is read: a proxy that appends to
	// X-Forwarded-For passes a client's forged Forwarded header through
	// untouched, so reading both would let the client choose.
	Header Header
}

// Resolver determines client addresses. It is immutable after New and safe
// for concurrent use.
type Resolver struct {
	trusted []netip.Prefix
	header  Header
	key     string // canonical header key for direct map access
}

// New validates opts and returns a Resolver.
func New(opts Options) (*Resolver, error) {
	r := &Resolver{header: opts.Header}
	if r.header == "" {
		r.header = XForwardedFor
	}
	switch r.header {
	case XForwardedFor, Forwarded, XRealIP:
	default:
		return nil, fmt.Errorf("clientip: unsupported header %q (use X-Forwarded-For, Forwarded or X-Real-IP)", string(opts.Header))
	}
	r.key = http.CanonicalHeaderKey(string(r.header))
	for i, p := range opts.TrustedProxies {
		if !p.IsValid() {
			return nil, fmt.Errorf("clientip: trusted proxy %d is not a valid prefix", i)
		}
		if p.Addr().Zone() != "" {
			return nil, fmt.Errorf("clientip: trusted proxy %s has a zone", p)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("clientip: trusted proxy %s trusts every address; list the proxies' networks instead", p)
		}
		p = p.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		r.trusted = append(r.trusted, p)
	}
	return r, nil
}

// ParsePrefixes parses addresses ("10.0.0.1", "::1") and networks
// ("10.0.0.0/8", "fd00::/8") from configuration into prefixes. A bare
// address becomes a single-address prefix.
func ParsePrefixes(list ...string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("clientip: invalid network %q", s)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("clientip: invalid address %q", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// LoopbackRanges returns 127.0.0.0/8 and ::1/128: a proxy on the same host.
func LoopbackRanges() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
	}
}

// PrivateRanges returns the loopback ranges and the private networks of
// RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 shared address space
// (100.64/10) and RFC 4193 unique local IPv6 (fc00::/7): proxies and load
// balancers inside a private network. Trust them only when every host in
// those networks is a proxy you run.
func PrivateRanges() []netip.Prefix {
	return append(LoopbackRanges(),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("fc00::/7"),
	)
}

// Trusted reports whether addr is inside one of the trusted proxy networks.
func (res *Resolver) Trusted(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range res.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// FromTrustedProxy reports whether the request's connection comes from a
// trusted proxy, so that its forwarding headers may be believed.
func (res *Resolver) FromTrustedProxy(r *http.Request) bool {
	return len(res.trusted) > 0 && res.Trusted(Peer(r))
}

// ClientIP returns the client address of r. It never fails: when the peer
// is not a trusted proxy, or the forwarding header is absent or malformed,
// the answer is the nearest address that is known, which is never one the
// client chose. The result is invalid (the zero Addr) only when RemoteAddr
// itself holds no IP address (for example on a Unix socket).
func (res *Resolver) ClientIP(r *http.Request) netip.Addr {
	peer := Peer(r)
	if len(res.trusted) == 0 || !res.Trusted(peer) {
		return peer
	}
	switch res.header {
	case XRealIP:
		return res.realIP(r, peer)
	case Forwarded:
		return res.walkForwarded(r.Header[res.key], peer)
	default:
		return res.walkXFF(r.Header[res.key], peer)
	}
}

// Scheme returns "https" when the request arrived over TLS, or when a trusted
// proxy says the client connected over HTTPS (X-Forwarded-Proto, or the proto
// parameter of Forwarded when that is the configured header); otherwise
// "http".
func (res *Resolver) Scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if !res.FromTrustedProxy(r) {
		return "http"
	}
	var proto string
	if res.header == Forwarded {
		proto = forwardedProto(r.Header[res.key])
	} else if v := r.Header["X-Forwarded-Proto"]; len(v) > 0 {
		// The nearest proxy's value is the last one.
		last := v[len(v)-1]
		if i := strings.LastIndexByte(last, ','); i >= 0 {
			last = last[i+1:]
		}
		proto = strings.TrimSpace(last)
	}
	if strings.EqualFold(proto, "https") {
		return "https"
	}
	return "http"
}

// Handler returns middleware that resolves the client address once and
// stores it in the request context, where From and FromContext read it.
func (res *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, res.ClientIP(r))))
	})
}

type ctxKey struct{}

// FromContext returns the address stored by Resolver.Handler, if any.
func FromContext(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(ctxKey{}).(netip.Addr)
	return a, ok
}

// From returns the client address of r: the one resolved by
// Resolver.Handler when that middleware ran, otherwise the peer address
// (RemoteAddr, which no client header can change).
func From(r *http.Request) netip.Addr {
	if a, ok := FromContext(r.Context()); ok {
		return a
	}
	return Peer(r)
}

// Peer returns the address of the connection's peer, parsed from
// r.RemoteAddr, with any IPv4-mapped IPv6 form unmapped and any zone
// removed. It is invalid when RemoteAddr holds no IP address.
func Peer(r *http.Request) netip.Addr {
	return parseHostPort(r.RemoteAddr)
}

// parseHostPort accepts "1.2.3.4:80", "[::1]:80", "1.2.3.4" and "::1".
func parseHostPort(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

// ErrNoAddress is returned by ParseAddr for input that holds no address.
var ErrNoAddress = errors.New("clientip: no IP address")

// ParseAddr parses one forwarding-header entry: "1.2.3.4", "1.2.3.4:80",
// "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:443", surrounded by
// optional whitespace. Zoned addresses are refused (a zone is meaningless
// beyond one host and would make the same client look like many).
func ParseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return netip.Addr{}, ErrNoAddress
	}
	var a netip.Addr
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, ErrNoAddress
		}
		rest := s[end+1:]
		if rest != "" && !validPort(rest) {
			return netip.Addr{}, ErrNoAddress
		}
		var err error
		if a, err = netip.ParseAddr(s[1:end]); err != nil || !a.Is6() {
			return netip.Addr{}, ErrNoAddress
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		// IPv4 with a port.
		if !validPort(s[i:]) {
			return netip.Addr{}, ErrNoAddress
		}
		var err error
		if a, err = netip.ParseAddr(s[:i]); err != nil || !a.Is4() {
			return netip.Addr{}, ErrNoAddress
		}
	} else {
		var err error
		if a, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, ErrNoAddress
		}
	}
	if a.Zone() != "" {
		return netip.Addr{}, ErrNoAddress
	}
	return a.Unmap(), nil
}

// validPort accepts ":" followed by 1 to 5 decimal digits.
func validPort(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != ':' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// walkXFF walks X-Forwarded-For right to left across all header lines.
func (res *Resolver) walkXFF(lines []string, addr netip.Addr) netip.Addr {
	hops := 0
	for li := len(lines) - 1; li >= 0; li-- {
		line := lines[li]
		for {
			var entry string
			i := strings.LastIndexByte(line, ',')
			if i >= 0 {
				entry, line = line[i+1:], line[:i]
			} else {
				entry = line
			}
			if strings.TrimSpace(entry) != "" {
				if hops++; hops > maxHops {
					return addr
				}
				a, err := ParseAddr(entry)
				if err != nil {
					// Whoever wrote this entry is not a proxy we trust to
					// write well-formed entries: stop at the last known hop.
					return addr
				}
				addr = a
				if !res.Trusted(a) {
					return a
				}
			}
			if i < 0 {
				break
			}
		}
	}
	return addr
}

// realIP reads X-Real-IP: one address set by the trusted peer.
func (res *Resolver) realIP(r *http.Request, peer netip.Addr) netip.Addr {
	v := r.Header[res.key]
	if len(v) != 1 {
		// Absent, or duplicated (which a proxy that sets it never does).
		return peer
	}
	a, err := ParseAddr(v[0])
	if err != nil {
		return peer
	}
	return a
}
