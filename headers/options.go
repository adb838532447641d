package headers

import (
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
)

// Omit, as the value of a header field in Options, removes that header.
const Omit = "-"

// Default header values (the OWASP Secure Headers recommendations for an
// API that serves no HTML).
const (
	DefaultContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"
	DefaultPermissionsPolicy     = "accelerometer=(), autoplay=(), camera=(), display-capture=(), " +
		"encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), " +
		"magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), " +
		"publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
	DefaultStrictTransportSecurity = "max-age=31536000; includeSubDomains"
)

// Options configures Headers. The zero value sends the recommended set for
// an API. Every header field takes "" for its default, Omit to send nothing,
// or a value that New validates.
//
// Headers are set before the wrapped handler runs, so a handler may replace
// or delete any of them for its own response (for example a Cache-Control
// for a cacheable resource, or a looser CSP for one page).
type Options struct {
	// ContentTypeOptions is X-Content-Type-Options. Default and only value
	// "nosniff".
	ContentTypeOptions string
	// FrameOptions is X-Frame-Options: "DENY" (default) or "SAMEORIGIN".
	// ALLOW-FROM is refused (unsupported by browsers; use the CSP
	// frame-ancestors directive).
	FrameOptions string
	// ContentSecurityPolicy is the enforced Content-Security-Policy.
	// Default DefaultContentSecurityPolicy. Build one with Policy.String or
	// write it by hand; either way New validates it. NonceSource in a source
	// list gets a fresh 128-bit nonce per response (see Nonce).
	ContentSecurityPolicy string
	// ContentSecurityPolicyReportOnly is a policy sent in
	// Content-Security-Policy-Report-Only: browsers report violations but
	// enforce nothing, for trying a policy before enforcing it. Default none.
	// It may be sent alongside the enforced policy.
	ContentSecurityPolicyReportOnly string
	// ReportingEndpoints maps report-to group names to the URLs that receive
	// reports (absolute https URLs or paths starting with "/"), sent as the
	// Reporting-Endpoints header. A report-to directive must name a group
	// defined here. Default none.
	ReportingEndpoints map[string]string
	// ReferrerPolicy is Referrer-Policy. Default "no-referrer".
	ReferrerPolicy string
	// CrossOriginOpenerPolicy is Cross-Origin-Opener-Policy. Default
	// "same-origin".
	CrossOriginOpenerPolicy string
	// CrossOriginResourcePolicy is Cross-Origin-Resource-Policy. Default
	// "same-origin".
	CrossOriginResourcePolicy string
	// CrossOriginEmbedderPolicy is Cross-Origin-Embedder-Policy
	// ("require-corp", "credentialless", "unsafe-none"). Default: not sent.
	CrossOriginEmbedderPolicy string
	// PermissionsPolicy is Permissions-Policy. Default
	// DefaultPermissionsPolicy, which denies powerful features to the page
	// and every frame.
	PermissionsPolicy string
	// PermittedCrossDomainPolicies is X-Permitted-Cross-Domain-Policies.
	// Default "none".
	PermittedCrossDomainPolicies string
	// CacheControl is Cache-Control. Default "no-store", so that API
	// responses holding personal data stay out of shared and browser caches.
	// Omit to let handlers decide alone.
	CacheControl string
	// XSSProtection is X-XSS-Protection. Default and only value "0", which
	// turns off the legacy XSS auditor ("1; mode=block" enabled cross-site
	// leaks and is refused).
	XSSProtection string
	// OriginAgentCluster is Origin-Agent-Cluster ("?1" or "?0"). Default:
	// not sent. HTMLApp sets "?1".
	OriginAgentCluster string
	// DNSPrefetchControl is X-DNS-Prefetch-Control ("on" or "off"). Default:
	// not sent. HTMLApp sets "off".
	DNSPrefetchControl string
	// StrictTransportSecurity is Strict-Transport-Security, sent only on
	// responses to requests that arrived over HTTPS (RFC 6797, section 7.2):
	// r.TLS is set, or Resolver says a trusted proxy received HTTPS.
	// Default DefaultStrictTransportSecurity (one year, includeSubDomains).
	// "max-age=0" tells browsers to forget the policy. A preload directive
	// requires includeSubDomains and a max-age of at least one year.
	StrictTransportSecurity string
	// HSTSPreload adds "; preload" to the default HSTS value, for a domain
	// submitted to the browsers' preload list. Default false: preloading is
	// hard to undo. An error together with a custom StrictTransportSecurity.
	HSTSPreload bool

	// Resolver tells whether a request arrived over HTTPS, through its
	// Scheme method (TLS, or a trusted proxy's X-Forwarded-Proto or
	// Forwarded). Default nil: only r.TLS counts, so HSTS and the HTTPS
	// redirect never trust a client-supplied header.
	Resolver *clientip.Resolver
	// AllowedHosts, when not empty, rejects requests whose Host is not
	// listed, with a 400 problem (code "host_not_allowed"). Entries are
	// host names ("example.com"), wildcards ("*.example.com": any host
	// ending in ".example.com", with at least one more label; not
	// example.com itself), IPv4 or bracketed IPv6 addresses, each optionally
	// with ":port". A pattern without port allows any port; with a port,
	// only that one. Matching is case-insensitive and ignores one trailing
	// dot. Only the Host header (r.Host) is checked: X-Forwarded-Host is
	// never read. Default: any host.
	AllowedHosts []string
	// RedirectHTTPS redirects requests that did not arrive over HTTPS to
	// https://RedirectHost (or the request's host, without its port, when it
	// passed AllowedHosts), keeping path and query: 301 for GET and HEAD,
	// 308 otherwise so that the method and body are kept. It requires
	// RedirectHost or AllowedHosts, so that the Location is never built from
	// an unchecked Host. Default false: APIs should refuse plain HTTP at the
	// listener rather than redirect.
	RedirectHTTPS bool
	// RedirectHost is the host[:port] of HTTPS redirects. Default: the
	// request's host when it passed AllowedHosts.
	RedirectHost string
	// RedirectStatus chooses the redirect status. Default 0: 301 for GET
	// and HEAD, 308 for other methods. http.StatusPermanentRedirect (308):
	// 308 for every method, for a listener whose clients all understand it
	// (RFC 9110, section 15.4.9). Any other value is an error.
	RedirectStatus int

	// ErrorHandler writes rejections (ErrHostNotAllowed). Default: a 400
	// application/problem+json response with code "host_not_allowed".
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives an input_validation_fail event for every rejected
	// host. nil: none.
	Audit audit.Recorder
}

// HTMLApp returns Options for a server-rendered HTML application, modelled
// on helmet's defaults: a CSP that allows the page's own resources, scripts
// only from the same origin or with the per-request nonce (Nonce), inline
// styles, https fonts and data: images, no plugins, no framing by other
// origins, forms posting only to the same origin, and insecure requests
// upgraded; X-Frame-Options SAMEORIGIN, Origin-Agent-Cluster, DNS prefetch
// off, and no Cache-Control (pages set their own). Adjust the result before
// passing it to New.
func HTMLApp() Options {
	return Options{
		ContentSecurityPolicy: Policy{
			DefaultSrc:              []string{Self},
			BaseURI:                 []string{Self},
			FontSrc:                 []string{Self, "https:", "data:"},
			FormAction:              []string{Self},
			FrameAncestors:          []string{Self},
			ImgSrc:                  []string{Self, "data:"},
			ObjectSrc:               []string{None},
			ScriptSrc:               []string{Self, NonceSource},
			ScriptSrcAttr:           []string{None},
			StyleSrc:                []string{Self, "https:", UnsafeInline},
			UpgradeInsecureRequests: true,
		}.String(),
		FrameOptions:       "SAMEORIGIN",
		CacheControl:       Omit,
		OriginAgentCluster: "?1",
		DNSPrefetchControl: "off",
	}
}
