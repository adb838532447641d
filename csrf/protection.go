package csrf

import (
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// Options configures Protection. The zero value is a working, safe
// configuration: only same-origin unsafe requests from browsers pass.
type Options struct {
	// TrustedOrigins are other origins whose unsafe requests are allowed,
	// for a front end served from another origin ("https://app.example.com",
	// "http://localhost:5173"). Each is a full origin, scheme://host[:port],
	// compared exactly (scheme, host and port; case-insensitive, default
	// ports implied). Wildcards, "null", userinfo, paths, queries and
	// fragments are errors from New. Default none.
	TrustedOrigins []string
	// Bypass lists requests exempt from the check, such as webhooks
	// authenticated by a signature: "POST /webhooks/stripe" or "/webhooks/x"
	// (any method). Paths are matched exactly against the decoded path of
	// requests whose path is in canonical encoding: no wildcards, no
	// prefixes. A malformed pattern is an error from New. Default none.
	Bypass []string
	// Strict rejects unsafe requests that carry neither Sec-Fetch-Site nor
	// Origin. Every browser since 2020 sends one of them on unsafe requests,
	// so such requests come from non-browser clients (which cannot be a
	// CSRF vector) or from very old browsers. Default false, as in net/http:
	// allow them. Set Strict when no non-browser client uses cookie
	// authentication, or use Tokens.
	Strict bool
	// Tokens, when set, makes unsafe requests that carry neither header pass
	// only with a valid double-submit token (see Tokens.Verify), bound to the
	// session named by the Tokens' SessionID function. It implies Strict for
	// requests without a token.
	Tokens *Tokens
	// RequestScheme returns the scheme ("https" or "http") the client used,
	// for the Origin comparison; pass (*clientip.Resolver).Scheme when TLS
	// ends at a trusted proxy. Default: "https" when r.TLS is set; otherwise
	// unknown, and an Origin of either scheme matching the Host is accepted
	// (only reachable by browsers without Sec-Fetch-Site).
	RequestScheme func(r *http.Request) string
	// ErrorHandler writes rejections from Handler. Default
	// DefaultErrorHandler: 403 problem with code "csrf_failed". err
	// satisfies errors.Is(err, ErrCSRF). Use it instead of net/http's
	// SetDenyHandler.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives a malicious_csrf event for every rejection by Handler.
	// nil: none.
	Audit audit.Recorder
}

// Protection rejects unsafe cross-origin requests from browsers, using
// Fetch metadata (Sec-Fetch-Site) first and the Origin header second, like
// net/http's CrossOriginProtection, with these differences: trusted origins
// are validated and compared as full origins after canonicalisation; an
// Origin with userinfo ("https://evil@app.example.com") is malformed, not
// same-origin (golang/go#78563); "null" is never trusted; the Origin's
// scheme is compared when the request's scheme is known; Strict mode and
// token fallback for requests with neither header; exact bypass patterns
// that are validated in New rather than panicking; and errors are typed.
//
// Protection is immutable after New and safe for concurrent use.
type Protection struct {
	trusted map[string]struct{}
	bypass  map[string]bypassRule
	strict  bool
	tokens  *Tokens
	scheme  func(*http.Request) string
	onError func(http.ResponseWriter, *http.Request, error)
	audit   audit.Recorder
}

// New validates opts and returns a Protection.
func New(opts Options) (*Protection, error) {
	p := &Protection{
		strict:  opts.Strict,
		tokens:  opts.Tokens,
		scheme:  opts.RequestScheme,
		onError: opts.ErrorHandler,
		audit:   opts.Audit,
	}
	if len(opts.TrustedOrigins) > 0 {
		p.trusted = make(map[string]struct{}, len(opts.TrustedOrigins))
		for _, o := range opts.TrustedOrigins {
			c, err := canonicalOrigin(o)
			if err != nil {
				return nil, err
			}
			p.trusted[c] = struct{}{}
		}
	}
	var err error
	if p.bypass, err = parseBypass(opts.Bypass); err != nil {
		return nil, err
	}
	if p.onError == nil {
		p.onError = DefaultErrorHandler
	}
	return p, nil
}

// Check reports whether r may proceed: nil for safe methods and for unsafe
// requests that are same-origin, from a trusted origin, or bypassed;
// otherwise an error satisfying errors.Is(err, ErrCSRF). Check neither
// writes a response nor records an audit event; Handler does both. On the
// Fetch-metadata path it allocates nothing.
func (p *Protection) Check(r *http.Request) error {
	if IsSafeMethod(r.Method) {
		return nil
	}
	if sfs := r.Header["Sec-Fetch-Site"]; len(sfs) > 0 {
		if len(sfs) == 1 && (sfs[0] == "same-origin" || sfs[0] == "none") {
			return nil
		}
		// same-site (a sibling subdomain), cross-site, or anything else.
		return p.exempt(r, ErrCrossOrigin)
	}

	ov := r.Header["Origin"]
	switch {
	case len(ov) == 0:
		return p.noHeaders(r)
	case len(ov) > 1:
		return p.exempt(r, ErrOriginInvalid)
	case ov[0] == "null":
		return p.exempt(r, ErrNullOrigin)
	case ov[0] == "":
		return p.exempt(r, ErrOriginInvalid)
	}
	o, ok := parseOrigin(ov[0])
	if !ok {
		return p.exempt(r, ErrOriginInvalid)
	}
	if o.sameHost(r.Host) && p.schemeMatches(r, o.scheme) {
		return nil
	}
	return p.exempt(r, ErrCrossOrigin)
}

// exempt returns nil when r comes from a trusted origin or matches a bypass
// pattern, and reject otherwise.
func (p *Protection) exempt(r *http.Request, reject error) error {
	if p.trustedOrigin(r) || p.bypassed(r) {
		return nil
	}
	return reject
}

// trustedOrigin reports whether r's single Origin header names a trusted
// origin. Browsers send origins in canonical form, which an exact lookup
// finds; other spellings are canonicalised in a stack buffer first.
func (p *Protection) trustedOrigin(r *http.Request) bool {
	if p.trusted == nil {
		return false
	}
	ov := r.Header["Origin"]
	if len(ov) != 1 {
		return false
	}
	if _, ok := p.trusted[ov[0]]; ok {
		return true
	}
	if !mayCanonicalize(ov[0]) {
		return false // already in canonical form: the miss is final
	}
	o, ok := parseOrigin(ov[0])
	if !ok {
		return false
	}
	var buf [maxOriginLen + 8]byte
	_, ok = p.trusted[string(o.appendCanonical(buf[:0]))]
	return ok
}

// mayCanonicalize reports whether canonicalisation could change s: it has
// an upper-case letter or ends in a default port.
func mayCanonicalize(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return strings.HasSuffix(s, ":443") || strings.HasSuffix(s, ":80")
}

func (p *Protection) schemeMatches(r *http.Request, scheme string) bool {
	if defaultPort(scheme) == "" {
		return false // only http and https origins can be the request's own
	}
	switch {
	case p.scheme != nil:
		return strings.EqualFold(scheme, p.scheme(r))
	case r.TLS != nil:
		return strings.EqualFold(scheme, "https")
	}
	// Unknown (TLS may end at a proxy): either web scheme.
	return true
}

// noHeaders decides for unsafe requests that carry neither Sec-Fetch-Site
// nor Origin.
func (p *Protection) noHeaders(r *http.Request) error {
	if p.bypassed(r) {
		return nil
	}
	if p.tokens != nil {
		return p.tokens.verify(r, p.tokens.sessionID(r))
	}
	if p.strict {
		return ErrNoOriginInfo
	}
	return nil
}

// Handler returns middleware that runs Check before next. Rejected requests
// are recorded through Options.Audit and answered by Options.ErrorHandler.
func (p *Protection) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			p.record(r, err)
			p.onError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p *Protection) record(r *http.Request, err error) {
	if p.audit == nil {
		return
	}
	e := event.New(r, "csrf", audit.MaliciousCSRF, audit.SeverityWarn, audit.OutcomeBlocked)
	e.Description = "cross-site request forgery check failed"
	e.Details = map[string]string{"reason": Reason(err)}
	if v := r.Header.Get("Sec-Fetch-Site"); v != "" {
		e.Details["sec_fetch_site"] = audit.Clean(v, 32)
	}
	if v := r.Header.Get("Origin"); v != "" {
		e.Details["origin"] = audit.Clean(v, 256)
	}
	p.audit.Record(r.Context(), e)
}
