package scan_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// check is one weakness: the fixture that has it, the finding it must
// produce, and what the evidence must show. The same scan of the fixture
// without the weakness must not produce it.
type check struct {
	name     string
	f        fixture
	tls      *tlsSetup
	tweak    func(*scan.Config)
	want     string
	severity scan.Severity
	also     []string // other findings the weakness causes
	evidence string   // a substring of the evidence lines
}

var checks = []check{
	// Headers.
	{name: "a response without nosniff is reported", f: fixture{noNosniff: true}, want: "GH-HDR-001", severity: scan.Low, evidence: "(X-Content-Type-Options absent)"},
	{name: "a response that any site may frame is reported", f: fixture{noFraming: true}, want: "GH-HDR-002", severity: scan.Low, evidence: "(X-Frame-Options absent)"},
	{name: "an HTML page without CSP is reported", f: fixture{htmlNoCSP: true}, want: "GH-HDR-003", severity: scan.Medium, evidence: "Content-Type: text/html"},
	{name: "a missing Referrer-Policy is reported", f: fixture{noReferrer: true}, want: "GH-HDR-004", severity: scan.Low, evidence: "(Referrer-Policy absent)"},
	{name: "Referrer-Policy unsafe-url is reported", f: fixture{leakyReferrer: true}, want: "GH-HDR-004", severity: scan.Low, evidence: "Referrer-Policy: unsafe-url"},
	{name: "HSTS missing over TLS is reported", f: fixture{hsts: "-"}, tls: &tlsSetup{}, want: "GH-HDR-005", severity: scan.Medium, evidence: "(Strict-Transport-Security absent)"},
	{name: "HSTS max-age=0 over TLS counts as missing", f: fixture{hsts: "max-age=0"}, tls: &tlsSetup{}, want: "GH-HDR-005", severity: scan.Medium, evidence: "Strict-Transport-Security: max-age=0"},
	{name: "HSTS shorter than a year is reported", f: fixture{hsts: "max-age=86400"}, tls: &tlsSetup{}, want: "GH-HDR-006", severity: scan.Low, evidence: "Strict-Transport-Security: max-age=86400"},
	{name: "X-XSS-Protection: 1 is reported", f: fixture{legacyXSS: true}, want: "GH-HDR-007", severity: scan.Low, evidence: "X-XSS-Protection: 1; mode=block"},
	{name: "a version in Server and X-Powered-By is reported", f: fixture{versionHeaders: true}, want: "GH-HDR-008", severity: scan.Low, evidence: "Server: nginx/1.18.0 (Ubuntu)"},

	// TLS.
	{name: "a server accepting TLS 1.0 and 1.1 is reported", tls: &tlsSetup{minVersion: 0x0301}, want: "GH-TLS-001", severity: scan.Medium, evidence: "ServerHello: TLS 1.0"},
	{name: "a certificate expiring in 10 days is medium", tls: &tlsSetup{validFor: 10 * 24 * time.Hour}, want: "GH-TLS-002", severity: scan.Medium, evidence: "certificate: not after"},
	{name: "a certificate expiring in 2 days is high", tls: &tlsSetup{validFor: 2 * 24 * time.Hour}, want: "GH-TLS-002", severity: scan.High, evidence: "certificate: not after"},
	{name: "plain HTTP serving the API is reported", tls: &tlsSetup{plainServes: true}, want: "GH-TLS-003", severity: scan.Medium, evidence: "GET / HTTP/1.1"},
	{name: "a certificate that does not verify is reported with Insecure", tls: &tlsSetup{}, tweak: func(c *scan.Config) { c.RootCAs = nil; c.Insecure = true },
		want: "GH-TLS-004", severity: scan.High, evidence: "certificate"},

	// CORS.
	{name: "an arbitrary origin reflected without credentials is low", f: fixture{reflectOrigin: true}, want: "GH-CORS-001", severity: scan.Low,
		also:     []string{"GH-CORS-002", "GH-CORS-004", "GH-CORS-005", "GH-CORS-006"}, // an echo of everything admits every probe
		evidence: "Access-Control-Allow-Origin: https://gatehouse-scan-attacker.invalid"},
	{name: "an arbitrary origin reflected with credentials is high", f: fixture{reflectOrigin: true, credentials: true}, want: "GH-CORS-003", severity: scan.High,
		also: []string{"GH-CORS-001", "GH-CORS-002", "GH-CORS-004", "GH-CORS-005", "GH-CORS-006"}, evidence: "Access-Control-Allow-Credentials: true"},
	{name: "a preflight reflecting an arbitrary origin is reported", f: fixture{preflightReflect: true}, tweak: func(c *scan.Config) { c.Origin = "" },
		want: "GH-CORS-001", severity: scan.Low, evidence: "OPTIONS / HTTP/1.1"},
	{name: "a wildcard origin with credentials is medium", f: fixture{wildcardCredentials: true}, want: "GH-CORS-003", severity: scan.Medium, evidence: "Access-Control-Allow-Origin: *"},
	{name: "origin null allowed is low", f: fixture{allowNull: true}, want: "GH-CORS-002", severity: scan.Low, evidence: "Origin: null"},
	{name: "origin null allowed with credentials is high", f: fixture{allowNull: true, credentials: true}, want: "GH-CORS-002", severity: scan.High, evidence: "Access-Control-Allow-Origin: null"},
	{name: "a suffix match admitting evilexample.com is reported", f: fixture{suffixMatch: true}, want: "GH-CORS-004", severity: scan.Low, evidence: "Origin: https://evilexample.com"},
	{name: "a suffix match with credentials is high", f: fixture{suffixMatch: true, credentials: true}, want: "GH-CORS-004", severity: scan.High, evidence: "Access-Control-Allow-Credentials: true"},
	{name: "a prefix match admitting app.example.com.evil.net is reported", f: fixture{prefixMatch: true}, want: "GH-CORS-005", severity: scan.Low, evidence: "Origin: https://app.example.com.evil.net"},
	{name: "userinfo confusion admitting app.example.com@evil.net is reported", f: fixture{userinfoMatch: true}, want: "GH-CORS-006", severity: scan.Low, evidence: "Origin: https://app.example.com@evil.net"},
	{name: "a preflight echoing any method is reported", f: fixture{preflightAnyMethod: true}, want: "GH-CORS-007", severity: scan.Low, evidence: "Access-Control-Allow-Methods: GATEHOUSE-SCAN"},
	{name: "a preflight echoing any header is reported", f: fixture{preflightAnyHeader: true}, want: "GH-CORS-008", severity: scan.Low, evidence: "Access-Control-Allow-Headers: x-gatehouse-scan-probe"},
	{name: "an allowed origin without Vary: Origin is reported", f: fixture{noVary: true}, want: "GH-CORS-009", severity: scan.Low, evidence: "(Vary absent)"},

	// Cookies.
	{name: "a session cookie without HttpOnly is reported", f: fixture{cookieNoHTTPOnly: true}, want: "GH-COOKIE-001", severity: scan.Medium, evidence: "Set-Cookie: session_id=<redacted, 32 bytes>"},
	{name: "a session cookie without Secure is reported", f: fixture{cookieNoSecure: true}, want: "GH-COOKIE-002", severity: scan.Medium, evidence: "Set-Cookie: session_id=<redacted"},
	{name: "a session cookie without SameSite is reported", f: fixture{cookieNoSameSite: true}, want: "GH-COOKIE-003", severity: scan.Low, evidence: "Set-Cookie: session_id=<redacted"},

	// Authentication.
	{name: "a protected path served without credentials is critical", f: fixture{authOpen: true}, want: "GH-AUTH-001", severity: scan.Critical, evidence: "GET /api/me HTTP/1.1"},
	{name: "a protected path answering 403 without credentials is low", f: fixture{auth403: true}, want: "GH-AUTH-001", severity: scan.Low, evidence: "HTTP/1.1 403 Forbidden"},
	{name: "a 401 without WWW-Authenticate is reported", f: fixture{noChallenge: true}, want: "GH-AUTH-002", severity: scan.Low, evidence: "(WWW-Authenticate absent)"},
	{name: "a 401 to an invalid token without WWW-Authenticate is reported", f: fixture{noInvalidChallenge: true}, want: "GH-AUTH-002", severity: scan.Low, evidence: "Authorization: Bearer gatehouse-scan-not-a-token"},
	{name: "the token re-signed with alg none is accepted", f: fixture{acceptAlgNone: true}, want: "GH-AUTH-003", severity: scan.Critical, evidence: `"alg":"none"`},
	{name: "an invented alg none token is accepted when no token is given", f: fixture{acceptAlgNone: true}, tweak: func(c *scan.Config) { c.Token = "" },
		want: "GH-AUTH-003", severity: scan.Critical, evidence: "Authorization: Bearer eyJ"},
	{name: "the token with its signature stripped is accepted", f: fixture{acceptUnsigned: true}, want: "GH-AUTH-004", severity: scan.Critical, evidence: "signature removed"},
	{name: "the token in the query string is accepted", f: fixture{acceptQueryToken: true}, want: "GH-AUTH-005", severity: scan.Medium, evidence: "access_token=REDACTED"},

	// Rate limiting.
	{name: "no 429 and no rate-limit headers is reported", f: fixture{noRateLimit: true}, want: "GH-RATE-001", severity: scan.Medium, evidence: "(RateLimit absent)"},
	{name: "a 429 without Retry-After is reported", f: fixture{noRetryAfter: true}, want: "GH-RATE-002", severity: scan.Low, evidence: "HTTP/1.1 429 Too Many Requests"},

	// Errors.
	{name: "an invalid query string answered 500 with a stack trace is reported", f: fixture{crashOnBadQuery: true}, want: "GH-ERR-001", severity: scan.Medium,
		also: []string{"GH-ERR-003"}, evidence: "HTTP/1.1 500 Internal Server Error"},
	{name: "malformed JSON answered 500 is reported", f: fixture{crashOnMalformed: true}, want: "GH-ERR-001", severity: scan.Medium, evidence: `{"gatehouse_scan":"ghscan`},
	{name: "an oversized body answered 500 is reported", f: fixture{crashOnOversized: true}, want: "GH-ERR-002", severity: scan.Medium, evidence: "bytes of unterminated JSON"},
	{name: "a Go stack trace in a response is reported", f: fixture{crashOnBadQuery: true}, want: "GH-ERR-003", severity: scan.Medium,
		also: []string{"GH-ERR-001"}, evidence: "goroutine"},
	{name: "an HTML error page from a JSON API is reported", f: fixture{htmlErrors: true}, want: "GH-ERR-004", severity: scan.Low, evidence: "Content-Type: text/html"},
	{name: "input echoed in a JSON error is low", f: fixture{echoErrors: true}, want: "GH-ERR-005", severity: scan.Low, evidence: "no route for"},
	{name: "input echoed unescaped in an HTML error is medium", f: fixture{echoErrors: true, htmlErrors: true}, want: "GH-ERR-005", severity: scan.Medium,
		also: []string{"GH-ERR-004"}, evidence: "<b>"},
	{name: "TRACE echoing the request is reported", f: fixture{traceEcho: true}, want: "GH-ERR-006", severity: scan.Medium, evidence: "X-Gatehouse-Scan: ghscan"},
}

// start serves f; weak says whether to use the check's TLS setup or a
// sound one.
func (c check) start(t *testing.T, f fixture, weak bool) *target {
	var tg *target
	if c.tls != nil {
		setup := *c.tls
		if !weak {
			setup = tlsSetup{}
		}
		tg = startTLS(t, f, setup)
	} else {
		tg = startHTTP(t, f)
	}
	if c.tweak != nil {
		c.tweak(&tg.cfg)
	}
	return tg
}

func TestChecks(t *testing.T) {
	t.Parallel()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			weak := runScan(t, c.start(t, c.f, true).cfg)
			f := find(weak, c.want)
			require.NotNil(t, f, "want %s; got %v; notes %q", c.want, weak.IDs(), weak.Notes)
			require.Equal(t, c.severity, f.Severity)
			lines := strings.Join(append(f.Evidence.Request, f.Evidence.Response...), "\n")
			require.Contains(t, lines, c.evidence)
			require.NotEmpty(t, f.Fix.Text)
			require.NotEmpty(t, f.Fix.Snippet)
			want := append([]string{c.want}, c.also...)
			slices.Sort(want)
			got := slices.Compact(slices.Sorted(slices.Values(above(weak))))
			require.Equal(t, slices.Compact(want), got, "the weakness must cause these findings and no others")

			// The same scan of the fixture without the weakness.
			fine := runScan(t, c.start(t, fixture{}, false).cfg)
			if c.tweak != nil && c.want == "GH-TLS-004" {
				require.Equal(t, []string{"GH-TLS-004"}, above(fine), "only the certificate: the fixture is otherwise sound")
				return
			}
			require.Empty(t, above(fine), "notes: %q", fine.Notes)
		})
	}
}

func TestEveryRuleHasACheck(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, c := range checks {
		covered[c.want] = true
	}
	for _, r := range scan.Rules() {
		require.True(t, covered[r.ID], "rule %s has no case in checks", r.ID)
		require.NotEmpty(t, r.Title)
		require.NotEmpty(t, r.Description)
		require.NotEmpty(t, r.Fix.Text)
		require.NotEmpty(t, r.Fix.Snippet)
	}
}
