package apikey

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Key is what the service knows about an API key: never the key itself,
// only its Hash and metadata.
//
// Keys handed out by stores, the cache and FromContext may be shared between
// goroutines: treat them, their Scopes and AllowedNetworks as read-only.
//
// A Key marshals to JSON for management APIs without its Hash.
type Key struct {
	// ID identifies the key in APIs, logs and audit events: 22 random base62
	// characters (about 131 bits), unguessable, so that one owner cannot
	// probe another's key ids.
	ID string `json:"id"`
	// Prefix is the key's kind ("gk_live"), the part of the key before the
	// secret. It is not secret and may be shown.
	Prefix string `json:"prefix"`
	// Hash is the SHA-256 or HMAC-SHA256 of the key (see Hasher).
	Hash Hash `json:"-"`
	// Owner is the user or service account the key acts for.
	Owner string `json:"owner"`
	// Name is a label chosen by the owner ("CI deploy").
	Name string `json:"name"`
	// Scopes are the permissions granted, matched exactly by RequireScopes.
	Scopes []string `json:"scopes"`
	// AllowedNetworks restricts the client addresses the key may be used
	// from (after clientip resolution; IPv4-mapped IPv6 addresses count as
	// IPv4). Empty: any address.
	AllowedNetworks []netip.Prefix `json:"allowed_networks,omitempty"`
	// Rate is an optional per-key rate limit in the ratelimit package's
	// syntax ("100/h", "10/s burst 20"), carried as text for the ratelimit
	// key functions; apikey only bounds its length and characters, the
	// syntax is checked where it is consumed (see ManagerOptions.ValidateRate).
	// Empty: the route's default limit.
	Rate string `json:"rate,omitempty"`
	// Created is when the key was issued.
	Created time.Time `json:"created"`
	// Expires is when the key stops working. Zero: never.
	Expires time.Time `json:"expires,omitzero"`
	// RevokedAt is when the key was, or will be, revoked. Zero: not revoked.
	// A time in the future is a rotation's grace period: the key works
	// until then.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// LastUsed is when the key last authenticated a request, as of the last
	// usage flush (see Options.Usage). Zero: never.
	LastUsed time.Time `json:"last_used,omitzero"`
	// UsageCount is how many requests the key authenticated, as of the last
	// usage flush.
	UsageCount int64 `json:"usage_count"`
}

// Revoked reports whether the key is revoked at now.
func (k *Key) Revoked(now time.Time) bool {
	return !k.RevokedAt.IsZero() && !now.Before(k.RevokedAt)
}

// Expired reports whether the key has expired at now.
func (k *Key) Expired(now time.Time) bool {
	return !k.Expires.IsZero() && !now.Before(k.Expires)
}

// Active reports whether the key is neither revoked nor expired at now.
func (k *Key) Active(now time.Time) bool { return !k.Revoked(now) && !k.Expired(now) }

// HasScopes reports whether the key was granted every one of scopes
// (compared exactly, case-sensitively).
func (k *Key) HasScopes(scopes ...string) bool {
	for _, s := range scopes {
		found := false
		for _, g := range k.Scopes {
			if g == s {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// AllowsAddr reports whether the key may be used from addr: always when
// AllowedNetworks is empty; otherwise only when addr, unmapped from
// IPv4-mapped IPv6 and without zone, lies in one of them. An invalid addr is
// allowed only by an empty list.
func (k *Key) AllowsAddr(addr netip.Addr) bool {
	if len(k.AllowedNetworks) == 0 {
		return true
	}
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() {
		return false
	}
	for _, p := range k.AllowedNetworks {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Actor returns how audit events name the key: "apikey:<id>".
func (k *Key) Actor() string { return "apikey:" + k.ID }

// Usage is the aggregated use of one key since the last flush, handed to
// Store.RecordUsage.
type Usage struct {
	ID       string    // the key's ID
	Count    int64     // requests authenticated
	LastUsed time.Time // the latest of them
}

// Limits on key metadata, enforced by the Manager.
const (
	MaxOwnerLen = 256 // bytes of Owner
	MaxNameLen  = 200 // bytes of Name
	MaxScopes   = 64  // scopes per key
	MaxScopeLen = 128 // bytes per scope
	MaxNetworks = 64  // allowed networks per key
	MaxRateLen  = 64  // bytes of Rate
)

// ValidScope reports whether s is a scope token of RFC 6749, section 3.3:
// 1 to MaxScopeLen printable ASCII characters other than space, '"' and
// '\'. Such tokens can be listed in a WWW-Authenticate scope attribute.
func ValidScope(s string) bool {
	if len(s) == 0 || len(s) > MaxScopeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// NormalizeNetworks validates allowed networks and returns them in the form
// keys hold: masked, without zone, IPv4-mapped IPv6 prefixes
// (::ffff:10.0.0.0/104) rewritten as IPv4 (10.0.0.0/8). A mapped prefix
// shorter than /96 would span IPv4 and IPv6 space and is an error, as are
// invalid and zoned prefixes. Duplicates are removed; order is kept.
func NormalizeNetworks(nets []netip.Prefix) ([]netip.Prefix, error) {
	if len(nets) > MaxNetworks {
		return nil, fmt.Errorf("apikey: at most %d allowed networks", MaxNetworks)
	}
	if len(nets) == 0 {
		return nil, nil
	}
	out := make([]netip.Prefix, 0, len(nets))
	for _, p := range nets {
		if !p.IsValid() {
			return nil, fmt.Errorf("apikey: invalid network %s", p)
		}
		if p.Addr().Zone() != "" {
			return nil, fmt.Errorf("apikey: network %s has a zone", p)
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return nil, fmt.Errorf("apikey: network %s mixes IPv4-mapped and IPv6 space", p)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		dup := false
		for _, q := range out {
			if q == p {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out, nil
}

// ParseNetworks parses networks ("203.0.113.0/24", "2001:db8::/32") and
// single addresses ("198.51.100.7", "::ffff:192.0.2.1") and normalizes them
// as NormalizeNetworks does.
func ParseNetworks(list ...string) ([]netip.Prefix, error) {
	if len(list) > MaxNetworks {
		return nil, fmt.Errorf("apikey: at most %d allowed networks", MaxNetworks)
	}
	nets := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("apikey: invalid network %q", s)
			}
			nets = append(nets, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("apikey: invalid address %q", s)
		}
		nets = append(nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return NormalizeNetworks(nets)
}

// validRate bounds Rate to MaxRateLen printable ASCII characters; its
// syntax belongs to the ratelimit package.
func validRate(s string) bool {
	if len(s) > MaxRateLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// cloneKey returns a copy of k whose slices are its own.
func cloneKey(k *Key) *Key {
	c := *k
	c.Scopes = append([]string(nil), k.Scopes...)
	c.AllowedNetworks = append([]netip.Prefix(nil), k.AllowedNetworks...)
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	if len(c.AllowedNetworks) == 0 {
		c.AllowedNetworks = nil
	}
	return &c
}
