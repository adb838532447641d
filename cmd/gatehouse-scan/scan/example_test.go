package scan_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// An API whose hand-written CORS code trusts every origin, with cookies.
func ExampleRun() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			h.Set("Access-Control-Allow-Origin", origin) // the bug
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.URL.Path != "/" || r.Method != http.MethodGet {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		h.Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer api.Close()

	report, err := scan.Run(context.Background(), scan.Config{Target: api.URL, Origin: "https://app.example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range report.Findings {
		fmt.Println(f.Severity, f.ID, f.Title)
	}
	fmt.Println(report.Fails(scan.High))
	// Output:
	// high GH-CORS-002 Origin null is allowed
	// high GH-CORS-003 Credentials allowed for a reflected or wildcard origin
	// high GH-CORS-004 Suffix-confusion origin allowed (https://evilexample.com)
	// high GH-CORS-005 Prefix-confusion origin allowed (https://example.com.evil.net)
	// high GH-CORS-006 Userinfo-confusion origin allowed (https://example.com@evil.net)
	// low GH-CORS-001 Any Origin is reflected in Access-Control-Allow-Origin
	// true
}

// The stable identifiers, usual severities and titles of every check.
func ExampleRules() {
	for _, r := range scan.Rules() {
		fmt.Printf("%-13s %-8s %s\n", r.ID, r.Severity, r.Title)
	}
	// Output:
	// GH-HDR-001    low      X-Content-Type-Options: nosniff is missing
	// GH-HDR-002    low      No framing protection (X-Frame-Options or CSP frame-ancestors)
	// GH-HDR-003    medium   HTML response without Content-Security-Policy
	// GH-HDR-004    low      Referrer-Policy missing or leaking full URLs
	// GH-HDR-005    medium   Strict-Transport-Security missing over TLS
	// GH-HDR-006    low      Strict-Transport-Security max-age under one year
	// GH-HDR-007    low      Legacy X-XSS-Protection filter enabled
	// GH-HDR-008    low      Software version disclosed in Server or X-Powered-By
	// GH-TLS-001    medium   TLS 1.0 or 1.1 accepted
	// GH-TLS-002    medium   Certificate expires within 30 days
	// GH-TLS-003    medium   Plain HTTP served without a redirect to HTTPS
	// GH-TLS-004    high     Certificate does not verify
	// GH-CORS-001   low      Any Origin is reflected in Access-Control-Allow-Origin
	// GH-CORS-002   low      Origin null is allowed
	// GH-CORS-003   high     Credentials allowed for a reflected or wildcard origin
	// GH-CORS-004   low      Suffix-confusion origin allowed (https://evilexample.com)
	// GH-CORS-005   low      Prefix-confusion origin allowed (https://example.com.evil.net)
	// GH-CORS-006   low      Userinfo-confusion origin allowed (https://example.com@evil.net)
	// GH-CORS-007   low      Preflight allows every method
	// GH-CORS-008   low      Preflight allows every request header
	// GH-CORS-009   low      Origin-dependent CORS response without Vary: Origin
	// GH-COOKIE-001 medium   Session cookie without HttpOnly
	// GH-COOKIE-002 medium   Session cookie without Secure
	// GH-COOKIE-003 low      Session cookie without SameSite (or SameSite=None)
	// GH-AUTH-001   critical Protected endpoint does not answer 401 without credentials
	// GH-AUTH-002   low      401 without WWW-Authenticate
	// GH-AUTH-003   critical Token with alg "none" accepted
	// GH-AUTH-004   critical Token without a valid signature accepted
	// GH-AUTH-005   medium   Token accepted in the query string
	// GH-RATE-001   medium   No rate limiting observed
	// GH-RATE-002   low      429 without Retry-After
	// GH-ERR-001    medium   Malformed input answered with a server error
	// GH-ERR-002    medium   Oversized body answered with a server error
	// GH-ERR-003    medium   Stack trace in a response
	// GH-ERR-004    low      HTML error page from an API
	// GH-ERR-005    low      Input echoed in an error response
	// GH-ERR-006    medium   TRACE enabled
}

// The text output of a scan that found nothing (WriteJSON and WriteSARIF
// write the same report for programs and code scanning).
func ExampleReport_WriteText() {
	report := &scan.Report{Target: "https://api.example.com/", Requests: 12}
	report.WriteText(os.Stdout, scan.TextOptions{})
	// Output:
	// gatehouse-scan https://api.example.com/
	// no findings · 12 requests · 0.00 s
}
