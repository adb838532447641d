package headers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateCSP(t *testing.T) {
	t.Parallel()
	sha := "'sha256-" + strings.Repeat("A", 43) + "='"
	cases := []struct {
		name   string
		policy string
		ok     bool
		nonce  bool
	}{
		{"the default API policy is valid", DefaultContentSecurityPolicy, true, false},
		{"a trailing semicolon is fine", "default-src 'self';", true, false},
		{"directive names are case-insensitive", "Default-Src 'self'", true, false},
		{"a nonce placeholder is detected", "script-src 'self' {nonce}", true, true},
		{"a hash source is accepted", "script-src " + sha, true, false},
		{"hosts and schemes are accepted", "img-src https: data: *.cdn.example https://x.example/path", true, false},
		{"sandbox takes tokens", "sandbox allow-scripts", true, false},
		{"upgrade-insecure-requests stands alone", "default-src 'self'; upgrade-insecure-requests", true, false},
		{"report-uri takes URLs", "default-src 'self'; report-uri /csp https://r.example/csp", true, false},
		{"trusted types are accepted", "require-trusted-types-for 'script'; trusted-types default", true, false},
		{"an empty policy is refused", "  ", false, false},
		{"a comma is refused as a second policy", "default-src 'self', script-src 'none'", false, false},
		{"a CRLF is refused", "default-src 'self'\r\nX: y", false, false},
		{"a non-ASCII character is refused", "default-src 'self' é.example", false, false},
		{"an unknown directive is refused", "scirpt-src 'self'", false, false},
		{"a duplicate directive is refused", "script-src 'self'; script-src 'none'", false, false},
		{"an unquoted self is refused", "script-src self", false, false},
		{"an unquoted none is refused", "object-src none", false, false},
		{"an unquoted unsafe-inline is refused", "style-src unsafe-inline", false, false},
		{"'none' with other sources is refused", "script-src 'none' 'self'", false, false},
		{"a fixed nonce is refused", "script-src 'nonce-abc123'", false, false},
		{"an unknown quoted keyword is refused", "script-src 'sefl'", false, false},
		{"a short hash is refused", "script-src 'sha256-abc'", false, false},
		{"a glued nonce placeholder is refused", "script-src 'self'{nonce}", false, false},
		{"a nonce outside a fetch directive is refused", "default-src 'self'; sandbox {nonce}", false, false},
		{"a fetch directive without sources is refused", "script-src", false, false},
		{"upgrade-insecure-requests with a value is refused", "upgrade-insecure-requests 1", false, false},
		{"block-all-mixed-content is refused as deprecated", "block-all-mixed-content", false, false},
		{"plugin-types is refused as deprecated", "plugin-types application/pdf", false, false},
		{"report-to with two groups is refused", "default-src 'self'; report-to a b", false, false},
		{"report-uri without a URL is refused", "default-src 'self'; report-uri", false, false},
		{"only semicolons is refused", ";;", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := validateCSP(tc.policy)
			if !tc.ok {
				require.Error(t, err)
				require.True(t, strings.HasPrefix(err.Error(), "headers: "), err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.nonce, info.nonce)
		})
	}
}

func TestPolicyBuilder(t *testing.T) {
	t.Parallel()
	p := Policy{
		DefaultSrc:          []string{None},
		ScriptSrc:           []string{Self, NonceSource, StrictDynamic},
		ConnectSrc:          []string{Self, "https://api.example.com"},
		FrameAncestors:      []string{None},
		RequireTrustedTypes: true,
		Other:               []Directive{{Name: "worker-src", Values: []string{Self}}},
		ReportTo:            "csp",
		ReportURI:           []string{"/csp-reports"},
	}
	s := p.String()
	require.Equal(t, "default-src 'none'; script-src 'self' {nonce} 'strict-dynamic'; connect-src 'self' https://api.example.com; "+
		"frame-ancestors 'none'; require-trusted-types-for 'script'; worker-src 'self'; report-to csp; report-uri /csp-reports", s)
	info, err := validateCSP(s)
	require.NoError(t, err)
	require.True(t, info.nonce)
	require.Equal(t, "csp", info.reportTo)

	_, err = New(Options{ContentSecurityPolicy: s})
	require.Error(t, err, "report-to needs a Reporting-Endpoints group")
	_, err = New(Options{ContentSecurityPolicy: s, ReportingEndpoints: map[string]string{"csp": "https://r.example/csp"}})
	require.NoError(t, err)
	require.Empty(t, Policy{}.String())
}

func TestNonceTemplate(t *testing.T) {
	t.Parallel()
	tpl := newNonceTemplate("script-src {nonce}; style-src 'self' {nonce}")
	v, at := tpl.render([]byte("NN"))
	require.Equal(t, "script-src 'nonce-NN'; style-src 'self' 'nonce-NN'", v)
	require.Equal(t, "NN", v[at:at+2])
}

// FuzzValidateCSP checks that a policy New accepts can never carry a
// header injection or a second policy, whatever the input.
func FuzzValidateCSP(f *testing.F) {
	for _, s := range []string{
		DefaultContentSecurityPolicy, "script-src 'self' {nonce}", "default-src 'self', x", "object-src none",
		"script-src 'nonce-x'", "script-src 'sha256-" + strings.Repeat("A", 43) + "='", "a\r\nb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := validateCSP(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(s, ",\r\n\x00") {
			t.Fatalf("accepted %q", s)
		}
		if strings.Contains(strings.ToLower(s), "'nonce-") {
			t.Fatalf("accepted a fixed nonce in %q", s)
		}
		if info.nonce != strings.Contains(s, NonceSource) {
			t.Fatalf("nonce detection wrong for %q", s)
		}
	})
}
