package scan

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// oneYear is the HSTS max-age the preload list and OWASP ask for.
const oneYear = 31536000

// checkHeaders judges the security headers of the target and of a page
// that does not exist (error pages often skip the middleware that sets
// them).
func (sc *scanner) checkHeaders(ctx context.Context) error {
	nf, err := sc.fetchNotFound(ctx)
	if err != nil {
		return err
	}
	pages := []*exchange{sc.base}
	if nf != nil {
		pages = append(pages, nf)
	}
	for _, ex := range pages {
		sc.judgeHeaders(ex)
	}
	return nil
}

// fetchNotFound requests, once, a path under the target that cannot exist;
// the path carries the scan's marker and markup so that the error checks
// can look for echoes.
func (sc *scanner) fetchNotFound(ctx context.Context) (*exchange, error) {
	if sc.notFound != nil {
		return sc.notFound, nil
	}
	ref := &url.URL{Path: "gatehouse-scan-" + sc.marker + "<b>"}
	u := sc.s.target.ResolveReference(ref)
	ex, err := sc.send(ctx, &request{method: http.MethodGet, url: u})
	sc.notFound = ex
	return ex, err
}

func (sc *scanner) judgeHeaders(ex *exchange) {
	h := ex.header
	if !strings.EqualFold(strings.TrimSpace(h.Get("X-Content-Type-Options")), "nosniff") {
		sc.addEx(idNosniff, "", Low, ex, "The response does not carry X-Content-Type-Options: nosniff.",
			ex.evidence(nil, []string{"Content-Type", "X-Content-Type-Options"}))
	}
	if !framingProtected(h) {
		sc.addEx(idFraming, "", Low, ex, "The response may be framed by any site: no X-Frame-Options DENY or SAMEORIGIN and no CSP frame-ancestors.",
			ex.evidence(nil, []string{"X-Frame-Options", "Content-Security-Policy"}))
	}
	if isHTML(ex) && len(h.Values("Content-Security-Policy")) == 0 {
		sc.addEx(idCSP, "", Medium, ex, "An HTML response has no Content-Security-Policy.",
			ex.evidence(nil, []string{"Content-Type", "Content-Security-Policy"}))
	}
	if p, ok := referrerPolicy(h); !ok {
		detail := "The response has no Referrer-Policy."
		if p != "" {
			detail = "Referrer-Policy " + p + " sends full URLs to other origins."
		}
		sc.addEx(idReferrer, "", Low, ex, detail, ex.evidence(nil, []string{"Referrer-Policy"}))
	}
	if ex.tls != nil {
		maxAge, ok := hstsMaxAge(h.Get("Strict-Transport-Security"))
		switch {
		case !ok || maxAge <= 0:
			sc.addEx(idHSTSMissing, "", Medium, ex, "An HTTPS response has no usable Strict-Transport-Security header.",
				ex.evidence(nil, []string{"Strict-Transport-Security"}))
		case maxAge < oneYear:
			sc.addEx(idHSTSShort, "", Low, ex, "Strict-Transport-Security max-age is "+strconv.FormatInt(maxAge, 10)+" seconds, under one year (31536000).",
				ex.evidence(nil, []string{"Strict-Transport-Security"}))
		}
	}
	if v := strings.TrimSpace(h.Get("X-XSS-Protection")); strings.HasPrefix(v, "1") {
		sc.addEx(idXSSProtection, "", Low, ex, "X-XSS-Protection enables the legacy filter; send 0 or nothing.",
			ex.evidence(nil, []string{"X-XSS-Protection"}))
	}
	var leaky []string
	for _, name := range versionHeaders {
		for _, v := range h.Values(name) {
			if name == "X-Aspnet-Version" || name == "X-Aspnetmvc-Version" || versionPattern.MatchString(v) {
				leaky = append(leaky, name)
				break
			}
		}
	}
	if len(leaky) > 0 {
		sc.addEx(idVersion, "", Low, ex, "The response names the server software and its version.",
			ex.evidence(nil, leaky))
	}
}

// versionHeaders are the headers that commonly disclose software versions,
// in canonical form.
var versionHeaders = []string{"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version"}

// versionPattern matches a version number: "nginx/1.25.3", "PHP/8.1",
// "Apache/2", "Express 4.18".
var versionPattern = regexp.MustCompile(`/\s*v?\d|\d+\.\d+`)

// framingProtected reports whether X-Frame-Options or a CSP
// frame-ancestors directive restricts framing.
func framingProtected(h http.Header) bool {
	xfo := strings.ToUpper(strings.TrimSpace(h.Get("X-Frame-Options")))
	if xfo == "DENY" || xfo == "SAMEORIGIN" {
		return true
	}
	for _, csp := range h.Values("Content-Security-Policy") {
		for _, d := range strings.Split(csp, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
			if strings.EqualFold(name, "frame-ancestors") && strings.TrimSpace(value) != "*" {
				return true
			}
		}
	}
	return false
}

// referrerPolicy returns the effective policy (the last recognised token,
// as browsers do) and whether it keeps full URLs on the same origin.
func referrerPolicy(h http.Header) (string, bool) {
	effective := ""
	for _, v := range h.Values("Referrer-Policy") {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.ToLower(strings.TrimSpace(tok))
			if _, known := referrerPolicies[tok]; known {
				effective = tok
			}
		}
	}
	if effective == "" {
		return "", false
	}
	return effective, referrerPolicies[effective]
}

// referrerPolicies are the policy tokens of the Referrer Policy spec, and
// whether each keeps full URLs from leaving the origin.
var referrerPolicies = map[string]bool{
	"no-referrer":                     true,
	"same-origin":                     true,
	"origin":                          true,
	"strict-origin":                   true,
	"origin-when-cross-origin":        true,
	"strict-origin-when-cross-origin": true,
	"no-referrer-when-downgrade":      false,
	"unsafe-url":                      false,
}

// hstsMaxAge parses the max-age directive of a Strict-Transport-Security
// value (RFC 6797 section 6.1). It reports false when the header is absent,
// malformed, or has no max-age or two of them.
func hstsMaxAge(v string) (int64, bool) {
	if strings.TrimSpace(v) == "" {
		return 0, false
	}
	var (
		age   int64
		found bool
	)
	for _, d := range strings.Split(v, ";") {
		name, value, hasValue := strings.Cut(strings.TrimSpace(d), "=")
		if !strings.EqualFold(strings.TrimSpace(name), "max-age") {
			continue
		}
		if found || !hasValue {
			return 0, false
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		age, found = n, true
	}
	return age, found
}
