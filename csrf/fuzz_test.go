package csrf

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzCheck drives Check with arbitrary Sec-Fetch-Site, Origin and Host
// values. It must never panic, every error must match ErrCSRF, and a
// request passes only when the browser said same-origin/none, the Origin is
// the trusted one, the Origin names the request's own host, or neither
// header was sent (lax mode).
func FuzzCheck(f *testing.F) {
	p, err := New(Options{TrustedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("cross-site", "https://evil.com", "api.example.com")
	f.Add("", "https://evil@api.example.com", "api.example.com")
	f.Add("", "null", "api.example.com")
	f.Add("same-site", "https://app.example.com", "api.example.com")
	f.Add("", "HTTPS://API.example.com:443", "api.example.com")
	f.Add("", "http://[::1]:80", "[::1]")
	f.Fuzz(func(t *testing.T, sfs, origin, host string) {
		r := httptest.NewRequest(http.MethodPost, "http://x/", nil)
		r.Host = host
		if sfs != "" {
			r.Header["Sec-Fetch-Site"] = []string{sfs}
		}
		if origin != "" {
			r.Header["Origin"] = []string{origin}
		}
		err := p.Check(r)
		if err != nil {
			if !errors.Is(err, ErrCSRF) {
				t.Fatalf("error %v does not match ErrCSRF", err)
			}
			return
		}
		trusted := p.trustedOrigin(r)
		switch {
		case sfs == "same-origin" || sfs == "none":
		case sfs != "":
			if !trusted {
				t.Fatalf("cross-site %q from untrusted %q passed", sfs, origin)
			}
		case origin == "":
		case trusted:
		default:
			if strings.Contains(origin, "@") || origin == "null" {
				t.Fatalf("origin %q passed", origin)
			}
			o, ok := parseOrigin(origin)
			if !ok || !o.sameHost(host) {
				t.Fatalf("origin %q passed for host %q", origin, host)
			}
		}
	})
}
