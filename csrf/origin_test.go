package csrf

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		ok   bool
		want origin
	}{
		{"a plain https origin parses", "https://a.example", true, origin{"https", "a.example", ""}},
		{"an origin with a port parses", "http://localhost:5173", true, origin{"http", "localhost", "5173"}},
		{"an IPv4 origin parses", "http://127.0.0.1:8080", true, origin{"http", "127.0.0.1", "8080"}},
		{"an IPv6 origin parses", "http://[::1]:8080", true, origin{"http", "[::1]", "8080"}},
		{"an IPv6 origin without port parses", "https://[2001:db8::1]", true, origin{"https", "[2001:db8::1]", ""}},
		{"a punycode host parses", "https://xn--bcher-kva.example", true, origin{"https", "xn--bcher-kva.example", ""}},
		{"userinfo is refused", "https://user@a.example", false, origin{}},
		{"userinfo with password is refused", "https://u:p@a.example", false, origin{}},
		{"an empty userinfo is refused", "https://@a.example", false, origin{}},
		{"a trailing slash is refused", "https://a.example/", false, origin{}},
		{"a query is refused", "https://a.example?x", false, origin{}},
		{"a fragment is refused", "https://a.example#x", false, origin{}},
		{"percent-encoding is refused", "https://a%2eexample", false, origin{}},
		{"a backslash is refused", "https://a.example\\b", false, origin{}},
		{"a space is refused", "https://a .example", false, origin{}},
		{"an empty host is refused", "https://", false, origin{}},
		{"an empty host with a port is refused", "https://:443", false, origin{}},
		{"an empty port is refused", "https://a.example:", false, origin{}},
		{"a port of zero is refused", "https://a.example:0", false, origin{}},
		{"a leading-zero port is refused", "https://a.example:0443", false, origin{}},
		{"a port above 65535 is refused", "https://a.example:65536", false, origin{}},
		{"a signed port is refused", "https://a.example:+443", false, origin{}},
		{"a missing scheme is refused", "://a.example", false, origin{}},
		{"a bad scheme is refused", "1http://a.example", false, origin{}},
		{"a scheme-relative origin is refused", "//a.example", false, origin{}},
		{"a bare host is refused", "a.example", false, origin{}},
		{"null is not parsed as an origin", "null", false, origin{}},
		{"an unclosed IPv6 bracket is refused", "http://[::1", false, origin{}},
		{"an IPv4 address in brackets is refused", "http://[127.0.0.1]", false, origin{}},
		{"an IPv6 zone is refused", "http://[fe80::1%25eth0]", false, origin{}},
		{"junk after an IPv6 bracket is refused", "http://[::1]x", false, origin{}},
		{"two ports are refused", "http://a.example:80:80", false, origin{}},
		{"an overlong origin is refused", "https://" + strings.Repeat("a", maxOriginLen), false, origin{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseOrigin(tc.in)
			require.Equal(t, tc.ok, ok)
			if tc.ok {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestCanonicalOrigin(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"HTTPS://A.Example":       "https://a.example",
		"https://a.example:443":   "https://a.example",
		"http://a.example:80":     "http://a.example",
		"http://a.example:443":    "http://a.example:443",
		"https://a.example:8443":  "https://a.example:8443",
		"http://[::1]:80":         "http://[::1]",
		"chrome-extension://abcd": "chrome-extension://abcd",
	} {
		got, err := canonicalOrigin(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
}

func TestSameHost(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		origin string
		host   string
		want   bool
	}{
		{"an identical host matches", "https://a.example", "a.example", true},
		{"an implied default port matches an explicit one", "https://a.example", "a.example:443", true},
		{"an explicit default port matches an implied one", "https://a.example:443", "a.example", true},
		{"a non-default port must match", "https://a.example:8443", "a.example", false},
		{"the http default port is 80", "http://a.example", "a.example:80", true},
		{"the https default is not the http default", "https://a.example", "a.example:80", false},
		{"case differences match", "https://A.example", "a.EXAMPLE", true},
		{"a suffix host does not match", "https://evil-a.example", "a.example", false},
		{"IPv6 hosts match", "http://[::1]:8080", "[::1]:8080", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, ok := parseOrigin(tc.origin)
			require.True(t, ok)
			require.Equal(t, tc.want, o.sameHost(tc.host))
		})
	}
}

// FuzzParseOrigin checks that whatever parseOrigin accepts is what a URL
// parser sees as a bare origin without userinfo, and that canonical forms
// are stable.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{
		"https://a.example", "http://localhost:5173", "http://[::1]:80", "https://evil@a.example",
		"null", "", "https://a.example/", "HTTPS://A.EXAMPLE:443", "http://[::1", "x://y:65535",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, ok := parseOrigin(s)
		if !ok {
			return
		}
		if strings.ContainsAny(s[len(o.scheme)+3:], "@/?#%\\ \t\r\n") {
			t.Fatalf("accepted %q with forbidden characters", s)
		}
		u, err := url.Parse(s)
		if err != nil {
			t.Fatalf("url.Parse refuses accepted origin %q: %v", s, err)
		}
		if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q, which url.Parse sees as more than an origin", s)
		}
		if !strings.EqualFold(u.Host, o.host+portSuffix(o.port)) {
			t.Fatalf("host mismatch for %q: url %q, ours %q:%q", s, u.Host, o.host, o.port)
		}
		c := string(o.appendCanonical(nil))
		o2, ok := parseOrigin(c)
		if !ok || string(o2.appendCanonical(nil)) != c {
			t.Fatalf("canonical form %q of %q is not stable", c, s)
		}
		if !o.sameHost(o.host + portSuffix(o.port)) {
			t.Fatalf("%q does not match its own host", s)
		}
	})
}

func portSuffix(p string) string {
	if p == "" {
		return ""
	}
	return ":" + p
}
