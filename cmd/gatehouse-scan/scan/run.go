package scan

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

const (
	toolName   = "gatehouse-scan"
	modulePath = "github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan"
	infoURI    = "https://github.com/gatehouse-go/gatehouse/tree/main/cmd/gatehouse-scan"
)

// Run scans the target described by cfg and returns what it found.
//
// It returns an error wrapping ErrConfig for a bad configuration,
// ErrCertificate when the target's certificate does not verify (unless
// cfg.Insecure), and an error when the target cannot be reached at all.
// When ctx ends mid-scan it returns the partial report together with
// ctx.Err(). A request budget running out is not an error: the report's
// Notes say which checks did not run.
//
// Run contacts only the target's host, sends requests one at a time, and
// sends nothing but GET, OPTIONS and TRACE unless cfg.AllowUnsafe.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	sc := &scanner{s: s, seen: map[string]bool{}, marker: newMarker()}
	sc.c = newClient(s, toolName+"/"+version()+" (+"+infoURI+")")
	sc.c.observe = sc.observe
	defer sc.c.hc.CloseIdleConnections()
	start := time.Now()
	sc.report = &Report{
		Target:  s.target.Redacted(),
		Version: version(),
		Started: start.UTC().Truncate(time.Second),
		Budget:  s.Budget + s.Rate,
	}
	err = sc.run(ctx)
	sc.report.Duration = time.Since(start)
	sc.report.Requests = sc.c.used
	sc.report.sort()
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	return sc.report, err
}

// scanner holds the state of one scan.
type scanner struct {
	s      *settings
	c      *client
	report *Report
	seen   map[string]bool
	marker string

	base       *exchange // the target, after same-origin redirects
	notFound   *exchange // a path that does not exist
	htmlTarget bool      // the target itself is an HTML page
	limited    *exchange // the first 429 seen
}

// group is a named set of checks.
type group struct {
	name string
	run  func(context.Context) error
}

func (sc *scanner) run(ctx context.Context) error {
	sc.c.check = "baseline"
	if sc.s.target.Scheme == "https" && sc.s.Insecure {
		if err := sc.c.verify(ctx); err != nil && !isFatal(ctx, err) {
			sc.add(idCertInvalid, "", High, sc.s.target.Redacted(), "The certificate presented by "+hostPort(sc.s.target)+" does not verify: "+err.Error()+".",
				Evidence{Request: []string{"TLS handshake with " + hostPort(sc.s.target) + ", certificate verification on"}, Response: []string{clean(err.Error())}})
		}
	}
	base, err := sc.c.get(ctx, sc.s.target, nil)
	if err != nil {
		var cv *tls.CertificateVerificationError
		var ua x509.UnknownAuthorityError
		var hn x509.HostnameError
		var ci x509.CertificateInvalidError
		if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) {
			return fmt.Errorf("%w: %v (trust a private CA with -ca FILE, or scan anyway with -insecure)", ErrCertificate, err)
		}
		return fmt.Errorf("scan: target unreachable: %w", err)
	}
	sc.base = base
	sc.htmlTarget = isHTML(base)
	if base.status >= 300 && base.status < 400 {
		sc.note("the target answers %d with Location %s, on another origin, which the scan does not follow: scan that URL to check the API itself", base.status, base.header.Get("Location"))
	}

	groups := []group{
		{"tls", sc.checkTLS},
		{"headers", sc.checkHeaders},
		{"cors", sc.checkCORS},
		{"auth", sc.checkAuth},
		{"errors", sc.checkErrors},
	}
	var skipped []string
	for _, g := range groups {
		sc.c.check = g.name
		err := g.run(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrBudget):
			skipped = append(skipped, g.name)
		case err != nil:
			sc.note("%s checks stopped: %v", g.name, err)
		}
	}
	if len(skipped) > 0 {
		sc.note("the budget of %d requests ran out; these checks did not run or did not finish: %s (raise -budget)", sc.s.Budget, strings.Join(skipped, ", "))
	}
	if sc.s.Rate > 0 {
		sc.c.check = "rate"
		sc.c.limit = sc.c.used + sc.s.Rate
		if err := sc.checkRate(ctx); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	} else {
		sc.note("rate limiting not checked: pass -rate N to send up to N requests")
	}
	return nil
}

// send performs a request for a check. A transport error (refused,
// timeout) becomes a note and a nil exchange; only the budget running out
// and the context ending are returned as errors.
func (sc *scanner) send(ctx context.Context, r *request) (*exchange, error) {
	ex, err := sc.c.do(ctx, r)
	if err != nil {
		if isFatal(ctx, err) {
			return nil, err
		}
		sc.note("%s: %v", sc.c.check, err)
		return nil, nil
	}
	return ex, nil
}

func isFatal(ctx context.Context, err error) bool {
	return errors.Is(err, ErrBudget) || ctx.Err() != nil
}

// add records a finding once per rule and key.
func (sc *scanner) add(id, key string, sev Severity, where, detail string, ev Evidence) {
	k := id + "\x00" + key
	if sc.seen[k] {
		return
	}
	sc.seen[k] = true
	r, ok := ruleByID(id)
	if !ok { // a programming error; TestEveryRuleIsReachable guards against it
		r = Rule{ID: id, Title: id}
	}
	sc.report.Findings = append(sc.report.Findings, Finding{
		ID: id, Severity: sev, Title: r.Title, URL: where, Detail: clean(detail), Evidence: ev, Fix: r.Fix,
	})
}

// addEx records a finding whose evidence is one exchange.
func (sc *scanner) addEx(id, key string, sev Severity, ex *exchange, detail string, ev Evidence) {
	sc.add(id, key, sev, redactedURL(ex.req), detail, ev)
}

func (sc *scanner) note(format string, args ...any) {
	n := clean(fmt.Sprintf(format, args...))
	for _, have := range sc.report.Notes {
		if have == n {
			return
		}
	}
	sc.report.Notes = append(sc.report.Notes, n)
}

// observe looks at every response for what any check may reveal: stack
// traces, cookies, 429s.
func (sc *scanner) observe(ex *exchange) {
	if ex.status == http.StatusTooManyRequests {
		if sc.limited == nil {
			sc.limited = ex
		}
		if ex.header.Get("Retry-After") == "" {
			sc.addEx(idRateRetry, "", Low, ex, "A 429 response does not say when to retry.",
				ex.evidence(nil, []string{"Retry-After"}))
		}
	}
	sc.observeStack(ex)
	sc.observeCookies(ex)
}

func newMarker() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return "ghscan" + hex.EncodeToString(b)
}

func isHTML(ex *exchange) bool {
	return mediaType(ex.header) == "text/html"
}

func mediaType(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(h.Get("Content-Type"), ";")[0]))
	}
	return mt
}

// version is the scanner's module version from the build information.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}
