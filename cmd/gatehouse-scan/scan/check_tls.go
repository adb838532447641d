package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// expiryWarning is how close to expiry a certificate is reported.
const expiryWarning = 30 * 24 * time.Hour

// checkTLS runs on https targets: old protocol versions, certificate
// expiry, and what plain HTTP on the same host answers.
func (sc *scanner) checkTLS(ctx context.Context) error {
	if sc.s.target.Scheme != "https" {
		sc.note("the target is plain HTTP: TLS and HSTS checks skipped")
		return nil
	}
	if st := sc.base.tls; st != nil && len(st.PeerCertificates) > 0 {
		sc.judgeExpiry(sc.base, st.PeerCertificates[0], time.Now())
	}
	var accepted []string
	var states []*tls.ConnectionState
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		st, err := sc.c.handshake(ctx, v)
		if err != nil {
			if isFatal(ctx, err) {
				return err
			}
			continue
		}
		if st.Version == v {
			accepted = append(accepted, tls.VersionName(v))
			states = append(states, st)
		}
	}
	if len(accepted) > 0 {
		ev := Evidence{Request: []string{"TLS handshakes with " + hostPort(sc.s.target) + ", each limited to one version: " + strings.Join([]string{tls.VersionName(tls.VersionTLS10), tls.VersionName(tls.VersionTLS11)}, ", ")}}
		for _, st := range states {
			ev.Response = append(ev.Response, "ServerHello: "+tls.VersionName(st.Version)+", "+tls.CipherSuiteName(st.CipherSuite))
		}
		sc.add(idTLSOld, "", Medium, sc.s.target.Redacted(), "The server completes handshakes with "+strings.Join(accepted, " and ")+".", ev)
	}
	return sc.checkPlainHTTP(ctx)
}

func (sc *scanner) judgeExpiry(ex *exchange, cert *x509.Certificate, now time.Time) {
	left := cert.NotAfter.Sub(now)
	if left >= expiryWarning {
		return
	}
	sev := Medium
	if left < 7*24*time.Hour {
		sev = High
	}
	when := fmt.Sprintf("expires in %d days", int(math.Round(left.Hours()/24)))
	switch {
	case left <= 0:
		when = "has expired"
	case left < 36*time.Hour:
		when = fmt.Sprintf("expires in %d hours", int(left.Hours()))
	}
	ev := ex.evidence(nil, nil,
		"TLS: "+tls.VersionName(ex.tls.Version)+", "+tls.CipherSuiteName(ex.tls.CipherSuite),
		"certificate: subject "+cert.Subject.String()+", issuer "+cert.Issuer.String(),
		"certificate: not after "+cert.NotAfter.UTC().Format(time.RFC3339))
	sc.addEx(idCertExpiry, "", sev, ex, fmt.Sprintf("The certificate %s (%s).", when, cert.NotAfter.UTC().Format("2006-01-02 15:04 MST")), ev)
}

// checkPlainHTTP requests the target's path over plain HTTP on HTTPPort.
// Refusing the connection or answering an error is fine (APIs should not
// redirect credentials-bearing requests silently); serving the API, or
// redirecting anywhere but https, is not.
func (sc *scanner) checkPlainHTTP(ctx context.Context) error {
	if strconv.Itoa(sc.s.HTTPPort) == portOf(sc.s.target) {
		return nil
	}
	u := *sc.s.target
	u.Scheme = "http"
	u.Host = sc.c.plainAddr()
	if sc.s.HTTPPort == 80 {
		u.Host = hostOnly(sc.s.target)
	}
	ex, err := sc.c.do(ctx, &request{method: http.MethodGet, url: &u})
	if err != nil {
		if isFatal(ctx, err) {
			return err
		}
		sc.note("plain HTTP on port %d is not served (%v)", sc.s.HTTPPort, rootCause(err))
		return nil
	}
	switch {
	case ex.status >= 200 && ex.status < 300:
		sc.addEx(idPlainHTTP, "", Medium, ex, "The API answers over plain HTTP.", ex.evidence(nil, []string{"Content-Type"}))
	case ex.status >= 300 && ex.status < 400:
		loc, err := u.Parse(ex.header.Get("Location"))
		if err != nil || loc.Scheme != "https" {
			sc.addEx(idPlainHTTP, "", Medium, ex, "Plain HTTP redirects somewhere other than https://.", ex.evidence(nil, []string{"Location"}))
		}
	}
	return nil
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

func hostOnly(u *url.URL) string {
	h := u.Hostname()
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// rootCause strips the operation context of a network error for a note.
func rootCause(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
