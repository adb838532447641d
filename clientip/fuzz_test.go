package clientip

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzXForwardedFor checks that no header makes the resolver panic, that an
// untrusted peer's header is never read, and that the answer is always the
// peer or an address written in the header.
func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{
		"198.51.100.7", "1.1.1.1, 198.51.100.7, 10.0.0.2", "[2001:db8::1]:443, 10.0.0.2",
		"fe80::1%eth0", " , ,", "::ffff:10.0.0.1", "10.0.0.1:99999", "[::1", "1.2.3.4]:80",
		strings.Repeat("10.0.0.9,", 100),
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	res, err := New(Options{TrustedProxies: PrivateRanges()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, trustedPeer bool) {
		remote := "203.0.113.5:80"
		if trustedPeer {
			remote = "10.0.0.1:80"
		}
		r := req(remote, "X-Forwarded-For", header)
		got := res.ClientIP(r)
		peer := Peer(r)
		if !trustedPeer {
			if got != peer {
				t.Fatalf("untrusted peer's header was read: %v", got)
			}
			return
		}
		if got == peer {
			return
		}
		for _, entry := range strings.Split(header, ",") {
			if a, err := ParseAddr(entry); err == nil && a == got {
				return
			}
		}
		t.Fatalf("%v is neither the peer nor an entry of %q", got, header)
	})
}

// FuzzForwarded checks the RFC 7239 parser on arbitrary input.
func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		`for=192.0.2.60;proto=http;by=203.0.113.43`, `for="[2001:db8:cafe::17]:4711"`,
		`for=1.1.1.1, for=10.0.0.3`, `for="a,b;c";for=1`, `for="`, `;;,,`, `for=unknown`, `proto=https`,
		`for=198.51.100.7;x=", for=10.0.0.9"`,
	} {
		f.Add(s)
	}
	res, err := New(Options{Header: Forwarded, TrustedProxies: PrivateRanges()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := req("10.0.0.1:80", "Forwarded", header)
		got := res.ClientIP(r)
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("bad result %v", got)
		}
		_ = res.Scheme(r)
		untrusted := req("203.0.113.5:80", "Forwarded", header)
		if a := res.ClientIP(untrusted); a != netip.MustParseAddr("203.0.113.5") {
			t.Fatalf("untrusted peer's header was read: %v", a)
		}
	})
}

// FuzzParseAddr checks that a parsed entry is always a plain, zone-free,
// unmapped address.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4:80", "[::1]:80", "::1", "[::ffff:1.2.3.4]", "fe80::1%25x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddr(s)
		if err != nil {
			return
		}
		if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
			t.Fatalf("ParseAddr(%q) = %v", s, a)
		}
	})
}
