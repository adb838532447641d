package clientip

import "net/netip"

// Key returns the address to key per-client state on (rate limits, login
// attempts): an IPv4 address as it is, an IPv6 address masked to its /64.
// One IPv6 subscriber is usually given a whole /64 and can pick any address
// in it, so keying on the full address would give each client 2^64 keys.
func Key(a netip.Addr) netip.Addr {
	return MaskIPv6(a, 64)
}

// MaskIPv6 masks an IPv6 address to its first bits bits (0 to 128) and
// returns IPv4 addresses, IPv4-mapped ones unmapped, unchanged. Zones are
// dropped. An invalid address or bits outside the range returns a unchanged.
func MaskIPv6(a netip.Addr, bits int) netip.Addr {
	a = a.Unmap()
	if !a.Is6() {
		return a
	}
	p, err := a.WithZone("").Prefix(bits)
	if err != nil {
		return a
	}
	return p.Addr()
}
