package cors

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name               string
		in                 string
		ok                 bool
		scheme, host, port string
	}{
		{"an https origin parses", "https://example.com", true, "https", "example.com", ""},
		{"a port is split off", "http://localhost:8080", true, "http", "localhost", "8080"},
		{"an IPv4 host parses", "http://127.0.0.1:3000", true, "http", "127.0.0.1", "3000"},
		{"an IPv6 host keeps its brackets", "http://[::1]:8080", true, "http", "[::1]", "8080"},
		{"an IPv6 host without port parses", "https://[2001:db8::1]", true, "https", "[2001:db8::1]", ""},
		{"case is preserved", "HTTPS://Example.COM", true, "HTTPS", "Example.COM", ""},
		{"a custom scheme parses", "app+x-1.y://host", true, "app+x-1.y", "host", ""},
		{"null is not an origin", "null", false, "", "", ""},
		{"an empty value is not an origin", "", false, "", "", ""},
		{"a missing scheme is refused", "://example.com", false, "", "", ""},
		{"a scheme starting with a digit is refused", "1http://example.com", false, "", "", ""},
		{"an empty host is refused", "https://", false, "", "", ""},
		{"a path is refused", "https://example.com/", false, "", "", ""},
		{"a query is refused", "https://example.com?a", false, "", "", ""},
		{"userinfo is refused", "https://a:b@example.com", false, "", "", ""},
		{"percent-encoding is refused", "https://ex%61mple.com", false, "", "", ""},
		{"whitespace is refused", "https://example.com ", false, "", "", ""},
		{"a control character is refused", "https://example.com\r\nX: y", false, "", "", ""},
		{"a leading dot is refused", "https://.example.com", false, "", "", ""},
		{"a trailing dot is refused", "https://example.com.", false, "", "", ""},
		{"an empty label is refused", "https://a..b", false, "", "", ""},
		{"a label over 63 bytes is refused", "https://a234567890123456789012345678901234567890123456789012345678901234.com", false, "", "", ""},
		{"a port with a leading zero is refused", "https://example.com:0443", false, "", "", ""},
		{"port zero is refused", "https://example.com:0", false, "", "", ""},
		{"a port over 65535 is refused", "https://example.com:65536", false, "", "", ""},
		{"an empty port is refused", "https://example.com:", false, "", "", ""},
		{"an unbracketed IPv6 host is refused", "http://::1", false, "", "", ""},
		{"an IPv4 address in brackets is refused", "http://[127.0.0.1]", false, "", "", ""},
		{"an IPv6 zone is refused", "http://[fe80::1%eth0]", false, "", "", ""},
		{"junk after the IPv6 bracket is refused", "http://[::1]x", false, "", "", ""},
		{"a wildcard is refused", "https://*.example.com", false, "", "", ""},
		{"a very long value is refused", "https://" + string(make([]byte, maxOriginLen)), false, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, ok := parseOrigin(tc.in)
			require.Equal(t, tc.ok, ok)
			if ok {
				require.Equal(t, origin{tc.scheme, tc.host, tc.port}, o)
			}
		})
	}
}

func TestCanonicalOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"scheme and host are lowercased", "HTTPS://App.Example.COM", "https://app.example.com"},
		{"the https default port is dropped", "https://a.example:443", "https://a.example"},
		{"the http default port is dropped", "http://a.example:80", "http://a.example"},
		{"another port is kept", "https://a.example:80", "https://a.example:80"},
		{"a custom scheme keeps every port", "foo://a.example:443", "foo://a.example:443"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, ok := parseOrigin(tc.in)
			require.True(t, ok)
			require.Equal(t, tc.want, string(o.appendCanonical(nil)))
			require.Equal(t, tc.in == tc.want, o.canonical())
		})
	}
}

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, pattern, origin string
		match                 bool
	}{
		{"a single label matches", "https://*.example.com", "https://a.example.com", true},
		{"several labels match", "https://*.example.com", "https://a.b.c.example.com", true},
		{"case does not matter", "https://*.Example.com", "HTTPS://A.EXAMPLE.COM", true},
		{"an explicit default port matches", "https://*.example.com", "https://a.example.com:443", true},
		{"a pattern's default port matches none given", "https://*.example.com:443", "https://a.example.com", true},
		{"the bare domain does not match", "https://*.example.com", "https://example.com", false},
		{"a glued prefix does not match", "https://*.example.com", "https://evilexample.com", false},
		{"the domain as a prefix does not match", "https://*.example.com", "https://example.com.evil.net", false},
		{"another scheme does not match", "https://*.example.com", "http://a.example.com", false},
		{"another port does not match", "https://*.example.com", "https://a.example.com:8443", false},
		{"a pattern port requires that port", "http://*.example.com:8080", "http://a.example.com", false},
		{"an IPv6 host does not match", "https://*.example.com", "https://[::1]", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p, err := parseAllowedOrigin(tc.pattern)
			require.NoError(t, err)
			require.NotNil(t, p)
			o, ok := parseOrigin(tc.origin)
			require.True(t, ok)
			require.Equal(t, tc.match, p.match(o))
		})
	}
}

func TestPatternString(t *testing.T) {
	t.Parallel()
	_, p, err := parseAllowedOrigin("HTTPS://*.Example.com:8443")
	require.NoError(t, err)
	require.Equal(t, "https://*.example.com:8443", p.String())
}
