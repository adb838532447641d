package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/http"
	"net/netip"

	"github.com/gatehouse-go/gatehouse/clientip"
)

// KeyFunc returns the key a request is counted under. ok false means the
// request has no such key (no user, no header) and the limiter does not
// apply to it. Keys are opaque bytes; stores hash them.
type KeyFunc func(r *http.Request) (key string, ok bool)

// ContextFunc reads a value from a request's context, where an
// authentication middleware left it: the user id from jwtauth's claims, the
// id of an API key from apikey, a role or a plan. It reports false when the
// request carries none.
type ContextFunc func(ctx context.Context) (string, bool)

// RateFunc chooses the rate of a request; the zero Rate means the
// limiter's own Rate. See Tiers.
type RateFunc func(r *http.Request) Rate

// maxHeaderKeyLen is the longest header value ByHeader uses as it is;
// longer ones are replaced by their SHA-256 digest.
const maxHeaderKeyLen = 128

// ByIP keys a request by its client address as clientip resolves it
// (through trusted proxies only, when clientip's middleware ran; the peer
// address otherwise), with IPv6 addresses grouped by /64, because one
// subscriber usually holds a whole /64. It always reports a key: requests
// without an IP address (a Unix socket) share one bucket.
func ByIP(r *http.Request) (string, bool) {
	return ipKey(clientip.Key(clientip.From(r))), true
}

// ipKey encodes an address compactly: "4" and 4 bytes, "6" and the first 8
// bytes (the /64), or "-" for no address.
func ipKey(a netip.Addr) string {
	var b [9]byte
	switch {
	case a.Is4():
		b[0] = '4'
		v := a.As4()
		copy(b[1:], v[:])
		return string(b[:5])
	case a.Is6():
		b[0] = '6'
		v := a.As16()
		copy(b[1:], v[:8])
		return string(b[:9])
	}
	return "-"
}

// ByHeader keys a request by the first value of a request header, for
// example a tenant id set by a trusted gateway. A request without the
// header (or with an empty value) is not limited by this key: pair it with
// a per-IP limit. Values longer than 128 bytes are replaced by their
// SHA-256 digest, so a client cannot make the key large. Do not key on a
// secret (an API key, a token): the key may be stored in Redis; key on what
// the authentication middleware derived from it, with ByContext.
func ByHeader(name string) KeyFunc {
	name = http.CanonicalHeaderKey(name)
	return func(r *http.Request) (string, bool) {
		v := r.Header[name]
		if len(v) == 0 || v[0] == "" {
			return "", false
		}
		if len(v[0]) > maxHeaderKeyLen {
			sum := sha256.Sum256([]byte(v[0]))
			return "\x00sha256:" + string(sum[:]), true
		}
		return v[0], true
	}
}

// ByRoute keys a request by the pattern of http.ServeMux that matched it
// (r.Pattern, "POST /login"), so a limit wraps a whole route whatever its
// path parameters. r.Pattern is set only when the limiter runs inside the
// mux (mux.Handle(pattern, limiter.Handler(h))); requests without a pattern
// share one bucket. Combine with ByIP for per-route, per-client limits.
func ByRoute(r *http.Request) (string, bool) {
	return r.Pattern, true
}

// Global keys every request alike: one bucket for the whole limiter, a
// server-wide limit.
func Global(*http.Request) (string, bool) { return "", true }

// ByContext keys a request by a value an earlier middleware put in its
// context: the authenticated user or the API key id. ratelimit does not
// import the authentication packages; the application passes the accessor:
//
//	ratelimit.ByContext(func(ctx context.Context) (string, bool) {
//		c, ok := jwtauth.ClaimsFrom[Claims](ctx)
//		return c.Subject, ok && c.Subject != ""
//	})
//
// Requests without the value are not limited by this key.
func ByContext(f ContextFunc) KeyFunc {
	return func(r *http.Request) (string, bool) {
		v, ok := f(r.Context())
		if !ok {
			return "", false
		}
		return v, true
	}
}

// Composite keys a request by several keys at once, for example ByRoute and
// ByIP for a per-route, per-client limit. The parts are length-prefixed, so
// different tuples never give the same key. A request lacking any part has
// no key.
func Composite(fns ...KeyFunc) KeyFunc {
	fns = append([]KeyFunc(nil), fns...)
	return func(r *http.Request) (string, bool) {
		var parts [8]string
		ps := parts[:0]
		n := 0
		for _, f := range fns {
			k, ok := f(r)
			if !ok {
				return "", false
			}
			ps = append(ps, k)
			n += len(k) + binary.MaxVarintLen64
		}
		b := make([]byte, 0, n)
		for _, k := range ps {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
		}
		return string(b), true
	}
}

// Tiers returns a RateFunc that gives each request the rate of its tier,
// read from the context by tierOf: a role from the JWT claims or the plan of
// an API key. Requests without a tier, or with a tier not in rates, get the
// limiter's own Rate, so make that the most restrictive one.
//
//	tiers, err := ratelimit.Tiers(roleOf, map[string]ratelimit.Rate{
//		"admin": ratelimit.PerHour(1000),
//		"staff": ratelimit.PerHour(500),
//	})
//	// ratelimit.Options{Rate: ratelimit.PerHour(100), RateFor: tiers, Key: byUser}
func Tiers(tierOf ContextFunc, rates map[string]Rate) (RateFunc, error) {
	if tierOf == nil {
		return nil, errors.New("ratelimit: Tiers needs a function that reads the tier")
	}
	if len(rates) == 0 {
		return nil, errors.New("ratelimit: Tiers needs at least one rate")
	}
	m := make(map[string]Rate, len(rates))
	for tier, r := range rates {
		if tier == "" {
			return nil, errors.New("ratelimit: Tiers has an empty tier name")
		}
		if r.IsZero() {
			return nil, errors.New("ratelimit: tier " + tier + " has a zero rate")
		}
		m[tier] = r
	}
	return func(r *http.Request) Rate {
		t, ok := tierOf(r.Context())
		if !ok {
			return Rate{}
		}
		return m[t]
	}, nil
}

// ExemptPrefixes returns an Exempt function for requests whose client
// address (as clientip resolves it) is in one of the networks: health
// checkers, internal services. Invalid prefixes are ignored.
func ExemptPrefixes(prefixes ...netip.Prefix) func(r *http.Request) bool {
	ps := make([]netip.Prefix, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		ps = append(ps, p.Masked())
	}
	return func(r *http.Request) bool {
		a := clientip.From(r).Unmap()
		if !a.IsValid() {
			return false
		}
		for _, p := range ps {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}
