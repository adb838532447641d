package headers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func TestAllowedHostPatterns(t *testing.T) {
	t.Parallel()
	m, err := newHostMatcher([]string{"api.example.com", "*.example.org", "admin.example.net:8443", "127.0.0.1", "[::1]:8080"})
	require.NoError(t, err)
	cases := []struct {
		name string
		host string
		want bool
	}{
		{"an exact host is allowed", "api.example.com", true},
		{"an exact host with any port is allowed", "api.example.com:8080", true},
		{"the host is matched case-insensitively", "API.Example.COM", true},
		{"one trailing dot is ignored", "api.example.com.", true},
		{"two trailing dots are refused", "api.example.com..", false},
		{"a different host is refused", "evil.com", false},
		{"a suffix without a label boundary is refused", "evilapi.example.com", false},
		{"a subdomain of an exact host is refused", "x.api.example.com", false},
		{"an exact host as a prefix is refused", "api.example.com.evil.com", false},
		{"a wildcard matches one label", "www.example.org", true},
		{"a wildcard matches several labels", "a.b.example.org", true},
		{"a wildcard does not match the bare domain", "example.org", false},
		{"a wildcard needs a label boundary", "evilexample.org", false},
		{"a wildcard does not match an empty label", ".example.org", false},
		{"a wildcard is matched case-insensitively", "WWW.EXAMPLE.ORG", true},
		{"a pattern port must match", "admin.example.net:8443", true},
		{"a pattern port refuses other ports", "admin.example.net:443", false},
		{"a pattern port refuses no port", "admin.example.net", false},
		{"an IPv4 host is allowed", "127.0.0.1:8080", true},
		{"an IPv6 host with its port is allowed", "[::1]:8080", true},
		{"an IPv6 host with another port is refused", "[::1]:9090", false},
		{"an empty Host is refused", "", false},
		{"a malformed port is refused", "api.example.com:http", false},
		{"an empty port is refused", "api.example.com:", false},
		{"an out-of-range port is refused", "api.example.com:70000", false},
		{"userinfo in the Host is refused", "evil@api.example.com", false},
		{"a path in the Host is refused", "api.example.com/x", false},
		{"whitespace in the Host is refused", "api.example.com ", false},
		{"a CRLF in the Host is refused", "api.example.com\r\n", false},
		{"a percent-encoded Host is refused", "api%2eexample.com", false},
		{"an unbalanced bracket is refused", "[::1", false},
		{"an IPv6 zone is refused", "[fe80::1%eth0]", false},
		{"an overlong Host is refused", strings.Repeat("a.", 200) + "example.org", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, m.allowed(tc.host))
		})
	}
}

func TestAllowedHostPatternsAreValidated(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		"", "*", "*.com", "*.*.example.com", "a.*.example.com", "*example.com", "example.com/", "https://example.com",
		"example.com:0", "example.com:x", "exa mple.com", "-a.example.com", "a-.example.com", "[::1", "*.10.0.0.1", "a..b",
	} {
		_, err := newHostMatcher([]string{p})
		require.Error(t, err, "%q", p)
		require.True(t, strings.HasPrefix(err.Error(), "headers: "))
	}
	m, err := newHostMatcher(nil)
	require.NoError(t, err)
	require.Nil(t, m)
	_, err = newHostMatcher([]string{"a.example:80", "a.example:443"})
	require.NoError(t, err, "a host may be listed with several ports")
}

func TestHostAttacks(t *testing.T) {
	t.Parallel()
	mem := audit.NewMemory(10)
	h := newHeaders(t, Options{AllowedHosts: []string{"api.example.com"}, Audit: mem})
	cases := []struct {
		name    string
		host    string
		headers map[string]string
		want    int
	}{
		{"the allowed host passes", "api.example.com", nil, http.StatusOK},
		{"a forged X-Forwarded-Host is ignored for an allowed Host", "api.example.com", map[string]string{"X-Forwarded-Host": "evil.com"}, http.StatusOK},
		{"an allowed X-Forwarded-Host does not rescue a bad Host", "evil.com", map[string]string{"X-Forwarded-Host": "api.example.com"}, http.StatusBadRequest},
		{"a Forwarded host does not rescue a bad Host", "evil.com", map[string]string{"Forwarded": "host=api.example.com"}, http.StatusBadRequest},
		{"an X-Host header is ignored", "evil.com", map[string]string{"X-Host": "api.example.com"}, http.StatusBadRequest},
		{"a password-reset poisoning Host is refused", "api.example.com.evil.com", nil, http.StatusBadRequest},
		{"a Host with userinfo is refused", "api.example.com@evil.com", nil, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tc.host
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			rec, _ := serve(h, r)
			require.Equal(t, tc.want, rec.Code)
			if tc.want == http.StatusBadRequest {
				require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
				var body map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				require.Equal(t, "host_not_allowed", body["code"])
				require.NotContains(t, rec.Body.String(), "evil", "the Host is not echoed")
				require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			}
		})
	}
	events := mem.Events()
	require.Len(t, events, 5)
	require.Equal(t, audit.InputValidationFail, events[0].Type)
	require.Equal(t, audit.OutcomeBlocked, events[0].Outcome)
	require.Equal(t, "headers", events[0].Source)
	require.Equal(t, "host_not_allowed", events[0].Details["reason"])
}

func TestHostRejectionCustomErrorHandler(t *testing.T) {
	t.Parallel()
	var got error
	h := newHeaders(t, Options{AllowedHosts: []string{"a.example"}, ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusMisdirectedRequest)
	}})
	r := httptest.NewRequest("GET", "http://b.example/", nil)
	rec, _ := serve(h, r)
	require.Equal(t, http.StatusMisdirectedRequest, rec.Code)
	require.ErrorIs(t, got, ErrHostNotAllowed)
}

// FuzzHostMatch checks the host matcher against a simple reference: a host
// passes only if, lowercased and without port and one trailing dot, it
// equals an exact pattern or ends in "."+domain of the wildcard with a
// non-empty label before it.
func FuzzHostMatch(f *testing.F) {
	m, err := newHostMatcher([]string{"api.example.com", "*.example.org", "b.example.net:8443"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"api.example.com", "API.example.com.:80", "x.example.org", "example.org", "evilexample.org",
		"b.example.net:8443", "b.example.net:443", "[::1]:80", "a@api.example.com", "", ".example.org", "api.example.com..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got := m.allowed(host)
		h, port, ok := splitHost(host)
		if !ok {
			if got {
				t.Fatalf("%q with a malformed port passed", host)
			}
			return
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		want := validHostname(h) && (h == "api.example.com" ||
			(strings.HasSuffix(h, ".example.org") && len(h) > len(".example.org")) ||
			(h == "b.example.net" && port == "8443"))
		if got != want {
			t.Fatalf("allowed(%q) = %v, want %v", host, got, want)
		}
	})
}

func FuzzHostPattern(f *testing.F) {
	for _, s := range []string{"example.com", "*.example.com", "[::1]:80", "*", "*.com", "a..b", "x:0"} {
		f.Add(s, "www.example.com")
	}
	f.Fuzz(func(t *testing.T, pattern, host string) {
		m, err := newHostMatcher([]string{pattern})
		if err != nil {
			return
		}
		if m.allowed(host) {
			h, _, _ := splitHost(host)
			p, _, _ := splitHost(pattern)
			h = strings.TrimSuffix(strings.ToLower(h), ".")
			p = strings.ToLower(p)
			if suffix, wild := strings.CutPrefix(p, "*"); wild {
				if !strings.HasSuffix(h, suffix) || len(h) <= len(suffix) {
					t.Fatalf("pattern %q matched %q", pattern, host)
				}
			} else if h != p {
				t.Fatalf("pattern %q matched %q", pattern, host)
			}
		}
	})
}
