package clientip

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustNew(t testing.TB, opts Options) *Resolver {
	t.Helper()
	r, err := New(opts)
	require.NoError(t, err)
	return r
}

func req(remote string, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts Options
		err  string
	}{
		{"zero value is valid", Options{}, ""},
		{"an unknown header is rejected", Options{Header: "X-Client-IP"}, "unsupported header"},
		{"an invalid prefix is rejected", Options{TrustedProxies: []netip.Prefix{{}}}, "not a valid prefix"},
		{"trusting every IPv4 address is rejected", Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "trusts every address"},
		{"trusting every IPv6 address is rejected", Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("::/0")}}, "trusts every address"},
		{"the three supported headers are accepted", Options{Header: Forwarded}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.opts)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.True(t, strings.HasPrefix(err.Error(), "clientip: "))
		})
	}
}

func TestXForwardedFor(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48"),
	}
	res := mustNew(t, Options{TrustedProxies: proxies})
	none := mustNew(t, Options{})
	cases := []struct {
		name    string
		res     *Resolver
		remote  string
		headers []string
		want    string
	}{
		{"without trusted proxies the header is ignored", none, "203.0.113.9:1234", []string{"X-Forwarded-For", "1.1.1.1"}, "203.0.113.9"},
		{"a header from an untrusted peer is ignored", res, "203.0.113.9:1234", []string{"X-Forwarded-For", "1.1.1.1"}, "203.0.113.9"},
		{"a trusted peer without header is the client", res, "10.0.0.1:1234", nil, "10.0.0.1"},
		{"one trusted proxy: the appended address is the client", res, "10.0.0.1:1234", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"a client-supplied prefix is skipped", res, "10.0.0.1:1234", []string{"X-Forwarded-For", "1.1.1.1, 198.51.100.7"}, "198.51.100.7"},
		{"a client claiming to be a trusted proxy stops at the real client", res, "10.0.0.1:1234", []string{"X-Forwarded-For", "10.9.9.9, 198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"a chain of trusted proxies is walked", res, "10.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.7, 10.0.0.3, 10.0.0.2"}, "198.51.100.7"},
		{"an all-trusted chain yields the leftmost address", res, "10.0.0.1:1", []string{"X-Forwarded-For", "10.0.0.4, 10.0.0.3"}, "10.0.0.4"},
		{"several header lines are read as one list", res, "10.0.0.1:1", []string{"X-Forwarded-For", "1.1.1.1", "X-Forwarded-For", "198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"garbage right after the trusted proxy stops at the proxy", res, "10.0.0.1:1", []string{"X-Forwarded-For", "1.1.1.1, not-an-ip"}, "10.0.0.1"},
		{"garbage inside the chain stops at the last trusted hop", res, "10.0.0.1:1", []string{"X-Forwarded-For", "1.1.1.1, <script>, 10.0.0.7"}, "10.0.0.7"},
		{"empty entries are skipped", res, "10.0.0.1:1", []string{"X-Forwarded-For", "1.1.1.1, , 198.51.100.7 ,"}, "198.51.100.7"},
		{"an IPv4 entry with a port is accepted", res, "10.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.7:4242"}, "198.51.100.7"},
		{"a bracketed IPv6 entry with a port is accepted", res, "10.0.0.1:1", []string{"X-Forwarded-For", "[2001:db8::1]:443"}, "2001:db8::1"},
		{"a bare IPv6 entry is accepted", res, "10.0.0.1:1", []string{"X-Forwarded-For", "2001:db8::1"}, "2001:db8::1"},
		{"an IPv6 zone is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "fe80::1%eth0"}, "10.0.0.1"},
		{"a bracketed zone is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "[fe80::1%25eth0]:80"}, "10.0.0.1"},
		{"an IPv4-mapped IPv6 entry is unmapped", res, "10.0.0.1:1", []string{"X-Forwarded-For", "::ffff:198.51.100.7"}, "198.51.100.7"},
		{"an IPv4-mapped trusted peer is trusted", res, "[::ffff:10.0.0.1]:1", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"an IPv6 trusted peer is trusted", res, "[2001:db8:ffff::1]:1", []string{"X-Forwarded-For", "198.51.100.7"}, "198.51.100.7"},
		{"an IPv4 address in brackets is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "[198.51.100.7]"}, "10.0.0.1"},
		{"a bad port is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.7:http"}, "10.0.0.1"},
		{"an overlong port is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.7:1234567"}, "10.0.0.1"},
		{"a hostname is refused", res, "10.0.0.1:1", []string{"X-Forwarded-For", "localhost"}, "10.0.0.1"},
		{"a header name in lower case is the same header", res, "10.0.0.1:1", []string{"x-forwarded-for", "198.51.100.7"}, "198.51.100.7"},
		{"a RemoteAddr without port is parsed", res, "203.0.113.9", []string{"X-Forwarded-For", "1.1.1.1"}, "203.0.113.9"},
		{"a zoned RemoteAddr loses its zone", none, "[fe80::1%eth0]:80", nil, "fe80::1"},
		{"a Unix socket peer has no address", none, "@", nil, "invalid IP"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := req(tc.remote, tc.headers...)
			require.Equal(t, tc.want, tc.res.ClientIP(r).String())
		})
	}
}

func TestXForwardedForChainIsBounded(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	// 10,000 trusted-looking hops: the walk stops after maxHops and answers
	// with a trusted hop, not with an address far to the left.
	hops := strings.Repeat("10.1.1.1, ", 10000) + "10.0.0.2"
	r := req("10.0.0.1:1", "X-Forwarded-For", "198.51.100.66, "+hops)
	require.Equal(t, "10.1.1.1", res.ClientIP(r).String())
}

func TestForwarded(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{Header: Forwarded, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	cases := []struct {
		name    string
		remote  string
		headers []string
		want    string
	}{
		{"an untrusted peer's header is ignored", "203.0.113.9:1", []string{"Forwarded", "for=1.1.1.1"}, "203.0.113.9"},
		{"a token value is read", "10.0.0.1:1", []string{"Forwarded", "for=198.51.100.7"}, "198.51.100.7"},
		{"parameter names are case-insensitive", "10.0.0.1:1", []string{"Forwarded", "For=198.51.100.7;PROTO=https"}, "198.51.100.7"},
		{"a quoted IPv6 with port is read", "10.0.0.1:1", []string{"Forwarded", `for="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{"the rightmost untrusted element wins", "10.0.0.1:1", []string{"Forwarded", "for=1.1.1.1, for=198.51.100.7;proto=https, for=10.0.0.3"}, "198.51.100.7"},
		{"a comma inside quotes does not split elements", "10.0.0.1:1", []string{"Forwarded", `for=198.51.100.7;by="a,b", for=10.0.0.3`}, "198.51.100.7"},
		{"a forged element hidden in quotes stays in its element", "10.0.0.1:1", []string{"Forwarded", `for=198.51.100.7;x=", for=10.0.0.9"`}, "198.51.100.7"},
		{"an unquoted IPv6 is not a token and is refused", "10.0.0.1:1", []string{"Forwarded", "for=[2001:db8::1]"}, "10.0.0.1"},
		{"unknown stops the walk", "10.0.0.1:1", []string{"Forwarded", "for=1.1.1.1, for=unknown"}, "10.0.0.1"},
		{"an obfuscated identifier stops the walk", "10.0.0.1:1", []string{"Forwarded", "for=_hidden"}, "10.0.0.1"},
		{"an element without for stops the walk", "10.0.0.1:1", []string{"Forwarded", "for=1.1.1.1, proto=https"}, "10.0.0.1"},
		{"for twice in one element is refused", "10.0.0.1:1", []string{"Forwarded", "for=1.1.1.1;for=198.51.100.7"}, "10.0.0.1"},
		{"an unterminated quote is refused", "10.0.0.1:1", []string{"Forwarded", `for="198.51.100.7`}, "10.0.0.1"},
		{"an escaped quote is refused", "10.0.0.1:1", []string{"Forwarded", `for="198.51.100.7\""`}, "10.0.0.1"},
		{"a pair without = is refused", "10.0.0.1:1", []string{"Forwarded", "for"}, "10.0.0.1"},
		{"several lines are one list", "10.0.0.1:1", []string{"Forwarded", "for=1.1.1.1", "Forwarded", "for=198.51.100.7, for=10.0.0.5"}, "198.51.100.7"},
		{"X-Forwarded-For is not read when Forwarded is configured", "10.0.0.1:1", []string{"X-Forwarded-For", "1.1.1.1"}, "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, res.ClientIP(req(tc.remote, tc.headers...)).String())
		})
	}
}

func TestForwardedWithThousandsOfElementsIsBounded(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{Header: Forwarded, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	h := "for=198.51.100.1, " + strings.Repeat("for=10.2.2.2, ", 5000) + "for=10.0.0.3"
	require.Equal(t, "10.2.2.2", res.ClientIP(req("10.0.0.1:1", "Forwarded", h)).String())
}

func TestXRealIP(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{Header: XRealIP, TrustedProxies: LoopbackRanges()})
	require.Equal(t, "198.51.100.7", res.ClientIP(req("127.0.0.1:1", "X-Real-IP", " 198.51.100.7 ")).String())
	require.Equal(t, "203.0.113.1", res.ClientIP(req("203.0.113.1:1", "X-Real-IP", "198.51.100.7")).String(), "untrusted peer")
	require.Equal(t, "127.0.0.1", res.ClientIP(req("127.0.0.1:1", "X-Real-IP", "a, b")).String(), "garbage")
	require.Equal(t, "127.0.0.1", res.ClientIP(req("127.0.0.1:1", "X-Real-IP", "1.1.1.1", "X-Real-IP", "2.2.2.2")).String(), "duplicated header")
	require.Equal(t, "127.0.0.1", res.ClientIP(req("127.0.0.1:1", "X-Forwarded-For", "1.1.1.1")).String(), "XFF is not read")
}

func TestScheme(t *testing.T) {
	t.Parallel()
	xff := mustNew(t, Options{TrustedProxies: LoopbackRanges()})
	fwd := mustNew(t, Options{Header: Forwarded, TrustedProxies: LoopbackRanges()})
	none := mustNew(t, Options{})

	tlsReq := req("203.0.113.1:1")
	tlsReq.TLS = &tls.ConnectionState{}
	require.Equal(t, "https", none.Scheme(tlsReq), "a TLS connection is https")
	require.Equal(t, "http", none.Scheme(req("127.0.0.1:1", "X-Forwarded-Proto", "https")), "no trusted proxies")
	require.Equal(t, "http", xff.Scheme(req("203.0.113.1:1", "X-Forwarded-Proto", "https")), "untrusted peer")
	require.Equal(t, "https", xff.Scheme(req("127.0.0.1:1", "X-Forwarded-Proto", "HTTPS")))
	require.Equal(t, "https", xff.Scheme(req("127.0.0.1:1", "X-Forwarded-Proto", "http, https")), "the nearest proxy's value counts")
	require.Equal(t, "http", xff.Scheme(req("127.0.0.1:1", "X-Forwarded-Proto", "https, http")))
	require.Equal(t, "http", xff.Scheme(req("127.0.0.1:1")))
	require.Equal(t, "https", fwd.Scheme(req("127.0.0.1:1", "Forwarded", "for=1.1.1.1;proto=http, for=198.51.100.7;proto=https")))
	require.Equal(t, "http", fwd.Scheme(req("127.0.0.1:1", "Forwarded", "for=1.1.1.1;proto=https, for=198.51.100.7")))
	require.Equal(t, "http", fwd.Scheme(req("127.0.0.1:1", "X-Forwarded-Proto", "https")), "XFP is not read with Forwarded")
}

func TestHandlerStoresAddressInContext(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{TrustedProxies: LoopbackRanges()})
	var got netip.Addr
	var ok bool
	h := res.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok = FromContext(r.Context())
		require.Equal(t, got, From(r))
	}))
	h.ServeHTTP(httptest.NewRecorder(), req("127.0.0.1:5", "X-Forwarded-For", "198.51.100.7"))
	require.True(t, ok)
	require.Equal(t, "198.51.100.7", got.String())

	// Without the middleware, From falls back to the peer and ignores headers.
	r := req("127.0.0.1:5", "X-Forwarded-For", "198.51.100.7")
	_, ok = FromContext(r.Context())
	require.False(t, ok)
	require.Equal(t, "127.0.0.1", From(r).String())
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := ParsePrefixes("10.0.0.0/8", " 192.168.1.1 ", "::1", "fd00::1/8", "::ffff:10.1.2.3")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.168.1.1/32"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("fd00::/8"),
		netip.MustParsePrefix("10.1.2.3/32"),
	}, got)
	for _, bad := range []string{"10.0.0.0/33", "nope", "fe80::1%eth0", ""} {
		_, err := ParsePrefixes(bad)
		require.Error(t, err, bad)
	}
}

func TestTrustedAcceptsMappedPrefixes(t *testing.T) {
	t.Parallel()
	res := mustNew(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}})
	require.True(t, res.Trusted(netip.MustParseAddr("10.1.2.3")))
	require.False(t, res.Trusted(netip.MustParseAddr("11.1.2.3")))
	require.False(t, res.Trusted(netip.Addr{}))
}

func TestKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	require.Equal(t, "2001:db8:1:2::", Key(netip.MustParseAddr("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).String())
	require.Equal(t, Key(netip.MustParseAddr("2001:db8:1:2::1")), Key(netip.MustParseAddr("2001:db8:1:2:ffff::9")))
	require.NotEqual(t, Key(netip.MustParseAddr("2001:db8:1:2::1")), Key(netip.MustParseAddr("2001:db8:1:3::1")))
	require.Equal(t, "198.51.100.7", Key(netip.MustParseAddr("198.51.100.7")).String())
	require.Equal(t, "198.51.100.7", Key(netip.MustParseAddr("::ffff:198.51.100.7")).String())
	require.Equal(t, "2001:db8::", MaskIPv6(netip.MustParseAddr("2001:db8::1%eth0"), 48).String())
	require.Equal(t, "2001:db8::1", MaskIPv6(netip.MustParseAddr("2001:db8::1"), 129).String())
	require.False(t, Key(netip.Addr{}).IsValid())
}

func TestClientIPAllocatesNothing(t *testing.T) {
	res := mustNew(t, Options{TrustedProxies: PrivateRanges()})
	fwd := mustNew(t, Options{Header: Forwarded, TrustedProxies: PrivateRanges()})
	r := req("10.0.0.1:1", "X-Forwarded-For", "1.1.1.1, 198.51.100.7, 10.0.0.2", "Forwarded", `for=1.1.1.1, for="[2001:db8::1]:80";proto=https, for=10.0.0.3`)
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = res.ClientIP(r) }))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = fwd.ClientIP(r) }))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = fwd.Scheme(r) }))
}

func BenchmarkClientIP(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
		r    *http.Request
	}{
		{"RemoteAddr", Options{}, req("198.51.100.7:1234")},
		{"XForwardedFor", Options{TrustedProxies: PrivateRanges()}, req("10.0.0.1:1", "X-Forwarded-For", "1.1.1.1, 198.51.100.7, 10.0.0.2")},
		{"Forwarded", Options{Header: Forwarded, TrustedProxies: PrivateRanges()}, req("10.0.0.1:1", "Forwarded", `for=1.1.1.1, for="[2001:db8::1]:80";proto=https, for=10.0.0.3`)},
	} {
		res := mustNew(b, bc.opts)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = res.ClientIP(bc.r)
			}
		})
	}
}
