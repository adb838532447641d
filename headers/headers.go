package headers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/gatehouse-go/gatehouse/internal/event"
	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// ErrHostNotAllowed is the rejection of a request whose Host matches no
// AllowedHosts pattern.
var ErrHostNotAllowed = errors.New("headers: host not allowed")

var badHost = problem.New(http.StatusBadRequest, "host_not_allowed", "The request's Host is not served here.")

// Nonce size: 128 bits, 24 characters of padded base64.
const (
	nonceBytes = 16
	nonceLen   = 24
)

// Canonical header names (the keys net/http stores).
const (
	keyHSTS     = "Strict-Transport-Security"
	keyCSP      = "Content-Security-Policy"
	keyCSPRO    = "Content-Security-Policy-Report-Only"
	keyLocation = "Location"
)

// field is one precomputed header. val has len == cap == 1, so that a
// handler's Add copies instead of writing into the shared array.
type field struct {
	key string
	val []string
}

// Headers sets security response headers. It is immutable after New and
// safe for concurrent use.
type Headers struct {
	static    []field
	hsts      []string // nil: not sent
	csp       *nonceTemplate
	cspRO     *nonceTemplate
	hosts     *hostMatcher
	resolver  *clientip.Resolver
	redirect  bool
	always308 bool
	rHost     string
	onError   func(http.ResponseWriter, *http.Request, error)
	audit     audit.Recorder
}

// New validates opts and precomputes every header value.
func New(opts Options) (*Headers, error) {
	h := &Headers{resolver: opts.Resolver, audit: opts.Audit, onError: opts.ErrorHandler}
	add := func(key, v string) {
		if v != "" {
			h.static = append(h.static, field{key, []string{v}})
		}
	}
	type simple struct {
		key, v, def string
		allowed     []string
	}
	for _, s := range []simple{
		{"X-Content-Type-Options", opts.ContentTypeOptions, "nosniff", []string{"nosniff"}},
		{"X-Frame-Options", opts.FrameOptions, "DENY", []string{"DENY", "SAMEORIGIN"}},
		{"Cross-Origin-Opener-Policy", opts.CrossOriginOpenerPolicy, "same-origin",
			[]string{"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}},
		{"Cross-Origin-Resource-Policy", opts.CrossOriginResourcePolicy, "same-origin",
			[]string{"same-origin", "same-site", "cross-origin"}},
		{"Cross-Origin-Embedder-Policy", opts.CrossOriginEmbedderPolicy, "",
			[]string{"require-corp", "credentialless", "unsafe-none"}},
		{"X-Permitted-Cross-Domain-Policies", opts.PermittedCrossDomainPolicies, "none",
			[]string{"none", "master-only", "by-content-type", "by-ftp-filename", "all", "none-this-response"}},
		{"Cache-Control", opts.CacheControl, "no-store", nil},
		{"X-Xss-Protection", opts.XSSProtection, "0", []string{"0"}},
		{"Origin-Agent-Cluster", opts.OriginAgentCluster, "", []string{"?1", "?0"}},
		{"X-Dns-Prefetch-Control", opts.DNSPrefetchControl, "", []string{"on", "off"}},
	} {
		v, err := pick(s.key, s.v, s.def, s.allowed...)
		if err != nil {
			return nil, err
		}
		add(s.key, v)
	}
	rp, err := referrerPolicy(opts.ReferrerPolicy)
	if err != nil {
		return nil, err
	}
	add("Referrer-Policy", rp)
	pp, err := permissionsPolicy(opts.PermissionsPolicy)
	if err != nil {
		return nil, err
	}
	add("Permissions-Policy", pp)
	re, err := reportingEndpoints(opts.ReportingEndpoints)
	if err != nil {
		return nil, err
	}
	add("Reporting-Endpoints", re)

	cspValue := opts.ContentSecurityPolicy
	if cspValue == "" {
		cspValue = DefaultContentSecurityPolicy
	}
	if h.csp, err = h.policy(keyCSP, cspValue, opts.ReportingEndpoints); err != nil {
		return nil, err
	}
	if opts.ContentSecurityPolicyReportOnly != "" {
		if h.cspRO, err = h.policy(keyCSPRO, opts.ContentSecurityPolicyReportOnly, opts.ReportingEndpoints); err != nil {
			return nil, err
		}
	}

	sts, err := hsts(opts.StrictTransportSecurity, opts.HSTSPreload)
	if err != nil {
		return nil, err
	}
	if sts != "" {
		h.hsts = []string{sts}
	}

	if h.hosts, err = newHostMatcher(opts.AllowedHosts); err != nil {
		return nil, err
	}
	if err := h.redirectConfig(opts); err != nil {
		return nil, err
	}
	if h.onError == nil {
		h.onError = func(w http.ResponseWriter, _ *http.Request, _ error) { badHost.Write(w) }
	}
	return h, nil
}

// policy validates a CSP. A policy without nonce becomes a static header;
// one with a nonce becomes a template rendered per request.
func (h *Headers) policy(key, v string, endpoints map[string]string) (*nonceTemplate, error) {
	if v == Omit {
		return nil, nil
	}
	info, err := validateCSP(v)
	if err != nil {
		return nil, err
	}
	if info.reportTo != "" {
		if _, ok := endpoints[info.reportTo]; !ok {
			return nil, fmt.Errorf("headers: csp report-to group %q is not in ReportingEndpoints", info.reportTo)
		}
	}
	if !info.nonce {
		h.static = append(h.static, field{key, []string{v}})
		return nil, nil
	}
	t := newNonceTemplate(v)
	return &t, nil
}

// Handler returns middleware that checks the Host (AllowedHosts), redirects
// to HTTPS (RedirectHTTPS), and sets the security headers before calling
// next. Without a nonce policy it allocates nothing.
func (h *Headers) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		for i := range h.static {
			hdr[h.static[i].key] = h.static[i].val
		}
		if h.hosts != nil && !h.hosts.allowed(r.Host) {
			h.reject(w, r)
			return
		}
		secure := h.isHTTPS(r)
		if !secure && h.redirect {
			h.redirectTo(w, r)
			return
		}
		if secure && h.hsts != nil {
			hdr[keyHSTS] = h.hsts
		}
		if h.csp != nil || h.cspRO != nil {
			r = h.withNonce(hdr, r)
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Headers) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return h.resolver != nil && h.resolver.Scheme(r) == "https"
}

func (h *Headers) reject(w http.ResponseWriter, r *http.Request) {
	if h.audit != nil {
		e := event.New(r, "headers", audit.InputValidationFail, audit.SeverityWarn, audit.OutcomeBlocked)
		e.Description = "request Host is not in AllowedHosts"
		e.Details = map[string]string{"reason": "host_not_allowed", "host": audit.Clean(r.Host, 256)}
		h.audit.Record(r.Context(), e)
	}
	h.onError(w, r, ErrHostNotAllowed)
}

// nonceState holds what one nonce response needs, in one allocation: the
// nonce (a substring of a rendered policy) and the header value slices.
type nonceState struct {
	nonce   string
	csp, ro [1]string
}

type nonceKey struct{}

// withNonce draws a nonce, sets the rendered policies, and returns r with
// the nonce in its context.
func (h *Headers) withNonce(hdr http.Header, r *http.Request) *http.Request {
	var raw [nonceBytes]byte
	// crypto/rand never fails on supported platforms (Go 1.24+ aborts the
	// program rather than return predictable bytes).
	_, _ = rand.Read(raw[:])
	var enc [nonceLen]byte
	base64.StdEncoding.Encode(enc[:], raw[:])

	st := &nonceState{}
	if h.csp != nil {
		v, at := h.csp.render(enc[:])
		st.csp[0], st.nonce = v, v[at:at+nonceLen]
		hdr[keyCSP] = st.csp[:]
	}
	if h.cspRO != nil {
		v, at := h.cspRO.render(enc[:])
		st.ro[0] = v
		if st.nonce == "" {
			st.nonce = v[at : at+nonceLen]
		}
		hdr[keyCSPRO] = st.ro[:]
	}
	return r.WithContext(context.WithValue(r.Context(), nonceKey{}, st))
}

// Nonce returns the CSP nonce of the request whose context is ctx, for the
// nonce attribute of <script> and <style> elements: <script
// nonce="{{.Nonce}}">. It is "" when the policy has no NonceSource. The
// value is 128 bits from crypto/rand in standard base64 (24 characters).
func Nonce(ctx context.Context) string {
	if st, ok := ctx.Value(nonceKey{}).(*nonceState); ok {
		return st.nonce
	}
	return ""
}
