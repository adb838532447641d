package scan

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Values the CORS probes send. None of them is an origin, method or header
// that an allow-list would contain.
const (
	attackerOrigin = "https://gatehouse-scan-attacker.invalid"
	probeMethod    = "GATEHOUSE-SCAN"
	probeHeader    = "x-gatehouse-scan-probe"
)

var corsHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Vary"}

// checkCORS sends the target requests with hostile origins and two
// preflights, and judges what Access-Control-* headers come back.
func (sc *scanner) checkCORS(ctx context.Context) error {
	// An origin no allow-list contains.
	ex, err := sc.withOrigin(ctx, attackerOrigin)
	if err != nil {
		return err
	}
	if ex != nil {
		acao, creds := allowOrigin(ex)
		switch {
		case acao == attackerOrigin:
			sc.addEx(idCORSReflect, "", Low, ex, "An arbitrary Origin is echoed in Access-Control-Allow-Origin.",
				ex.evidence([]string{"Origin"}, corsHeaders))
			if creds {
				sc.addEx(idCORSCreds, "", High, ex, "Any origin may read responses with the user's cookies: the Origin is echoed and credentials are allowed.",
					ex.evidence([]string{"Origin"}, corsHeaders))
			}
		case acao == "*" && creds:
			sc.addEx(idCORSCreds, "", Medium, ex, "Access-Control-Allow-Origin: * is sent with Access-Control-Allow-Credentials: true (browsers refuse it, but the intent is to open credentialed access to all).",
				ex.evidence([]string{"Origin"}, corsHeaders))
		}
		sc.judgeVary(ex)
	}

	// Origins a browser can be made to send, and near misses of the app's
	// origin that only a broken matcher accepts.
	o := sc.s.origin
	host, port := o.Hostname(), o.Port()
	withPort := func(h string) string {
		if port != "" {
			return h + ":" + port
		}
		return h
	}
	probes := []struct{ id, origin, what string }{
		{idCORSNull, "null", "Origin null is allowed"},
		{idCORSSuffix, o.Scheme + "://" + withPort("evil"+registrable(host)), "An origin that only ends with the app's domain is allowed"},
		{idCORSPrefix, o.Scheme + "://" + withPort(host+".evil.net"), "An origin that only starts with the app's host is allowed"},
		{idCORSUserinfo, o.Scheme + "://" + withPort(host) + "@evil.net", "An origin with userinfo (whose host is evil.net) is allowed"},
	}
	for _, p := range probes {
		ex, err := sc.withOrigin(ctx, p.origin)
		if err != nil {
			return err
		}
		if ex == nil {
			continue
		}
		acao, creds := allowOrigin(ex)
		if acao == p.origin {
			sev, detail := Low, p.what+"."
			if creds {
				sev, detail = High, p.what+", with credentials."
			}
			if p.id != idCORSNull && acao == p.origin && sc.seen[idCORSReflect+"\x00"] {
				detail += " (The API echoes every origin: see GH-CORS-001.)"
			}
			sc.addEx(p.id, "", sev, ex, detail, ex.evidence([]string{"Origin"}, corsHeaders))
		}
		sc.judgeVary(ex)
	}

	// The app's own origin: an allowed request whose Vary we can judge.
	if ex, err = sc.withOrigin(ctx, sc.s.origin.String()); err != nil {
		return err
	}
	if ex != nil {
		sc.judgeVary(ex)
	}
	return sc.checkPreflights(ctx)
}

// checkPreflights asks for an invented method, then an invented header,
// from the app's origin (or the attacker's when no -origin was given).
func (sc *scanner) checkPreflights(ctx context.Context) error {
	origin := attackerOrigin
	if sc.s.Origin != "" {
		origin = sc.s.origin.String()
	}
	pre := func(method, headers string) (*exchange, error) {
		h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		return sc.send(ctx, &request{method: http.MethodOptions, url: sc.s.target, header: h})
	}
	reqNames := []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}

	ex, err := pre(probeMethod, "")
	if err != nil {
		return err
	}
	sc.judgePreflightOrigin(ex, origin)
	if ex != nil && preflightAllowed(ex, origin) {
		_, creds := allowOrigin(ex)
		if listAllows(ex.header.Values("Access-Control-Allow-Methods"), probeMethod, creds) {
			sc.addEx(idCORSMethods, "", Low, ex, "A preflight for the invented method "+probeMethod+" is allowed.",
				ex.evidence(reqNames, []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods"}))
		}
		sc.judgeVary(ex)
	}
	if ex, err = pre(http.MethodGet, probeHeader); err != nil {
		return err
	}
	sc.judgePreflightOrigin(ex, origin)
	if ex != nil && preflightAllowed(ex, origin) {
		_, creds := allowOrigin(ex)
		if listAllows(ex.header.Values("Access-Control-Allow-Headers"), probeHeader, creds) {
			sc.addEx(idCORSHeaders, "", Low, ex, "A preflight for the invented request header "+probeHeader+" is allowed.",
				ex.evidence(reqNames, []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers"}))
		}
		sc.judgeVary(ex)
	}
	return nil
}

// judgePreflightOrigin reports a preflight that admits the attacker's
// origin (some servers add CORS headers to preflights only).
func (sc *scanner) judgePreflightOrigin(ex *exchange, origin string) {
	if ex == nil || origin != attackerOrigin {
		return
	}
	acao, creds := allowOrigin(ex)
	if acao != attackerOrigin {
		return
	}
	names := []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}
	sc.addEx(idCORSReflect, "", Low, ex, "A preflight from an arbitrary Origin is answered with that origin.",
		ex.evidence(names, corsHeaders))
	if creds {
		sc.addEx(idCORSCreds, "", High, ex, "A preflight from any origin is allowed with credentials.",
			ex.evidence(names, corsHeaders))
	}
}

func (sc *scanner) withOrigin(ctx context.Context, origin string) (*exchange, error) {
	return sc.send(ctx, &request{method: http.MethodGet, url: sc.s.target, header: http.Header{"Origin": {origin}}})
}

// judgeVary reports a response whose Access-Control-Allow-Origin names one
// origin without Vary: Origin.
func (sc *scanner) judgeVary(ex *exchange) {
	acao, _ := allowOrigin(ex)
	if acao == "" || acao == "*" || varies(ex.header, "Origin") {
		return
	}
	sc.addEx(idCORSVary, "", Low, ex, "Access-Control-Allow-Origin depends on the Origin but Vary does not list Origin: a cache may serve this response to other origins.",
		ex.evidence([]string{"Origin"}, []string{"Access-Control-Allow-Origin", "Vary"}))
}

// allowOrigin returns the Access-Control-Allow-Origin value and whether
// credentials are allowed.
func allowOrigin(ex *exchange) (string, bool) {
	acao := strings.TrimSpace(ex.header.Get("Access-Control-Allow-Origin"))
	creds := strings.EqualFold(strings.TrimSpace(ex.header.Get("Access-Control-Allow-Credentials")), "true")
	return acao, creds
}

// preflightAllowed reports whether a browser would accept the preflight's
// origin (the method and header lists are judged separately).
func preflightAllowed(ex *exchange, origin string) bool {
	acao, creds := allowOrigin(ex)
	return acao == origin || (acao == "*" && !creds)
}

// listAllows reports whether an Access-Control-Allow-Methods or -Headers
// list admits value: it names it, or it is * on a response without
// credentials (with credentials browsers read * literally).
func listAllows(values []string, value string, creds bool) bool {
	for _, v := range values {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if strings.EqualFold(tok, value) || (tok == "*" && !creds) {
				return true
			}
		}
	}
	return false
}

// varies reports whether the Vary header lists name or *.
func varies(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "*" || strings.EqualFold(tok, name) {
				return true
			}
		}
	}
	return false
}

// registrable returns the registrable domain of host (eTLD+1 by the public
// suffix list), or host itself for IP addresses, single labels and public
// suffixes.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
