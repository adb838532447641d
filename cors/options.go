package cors

import (
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Options configures CORS. The zero value allows no cross-origin access at
// all: no response gets CORS headers and every preflight is rejected, which
// is what a same-origin application needs.
type Options struct {
	// AllowedOrigins lists the origins whose scripts may read responses:
	//   - exact origins, "https://app.example.com" or
	//     "http://localhost:8080": scheme and host compare case-insensitively
	//     and a default port (":443" for https, ":80" for http) may be
	//     written or omitted; a path, query, userinfo or trailing slash is an
	//     error;
	//   - patterns, "https://*.example.com": the "*" stands for one or more
	//     whole labels, so it matches https://a.example.com and
	//     https://a.b.example.com but not https://example.com,
	//     https://evilexample.com or https://example.com.evil.net; scheme
	//     and port must match too;
	//   - "*", any origin; responses then carry "Access-Control-Allow-Origin: *",
	//     and AllowCredentials must be false.
	// "null" is accepted only together with AllowNullOrigin. Default: none.
	AllowedOrigins []string

	// AllowOriginFunc, when set, is asked about well-formed origins that
	// AllowedOrigins does not allow; it is never asked about "null" or about
	// malformed values. origin is the Origin header as sent (browsers send it
	// in lowercase, without a default port). It runs on every cross-origin
	// request and must be fast and safe for concurrent use. If its answer
	// depends on more than the origin, add those request headers to Vary.
	// With AllowCredentials, returning true for origins you do not trust
	// hands them your users' sessions.
	AllowOriginFunc func(r *http.Request, origin string) bool

	// AllowNullOrigin allows the opaque origin "null", which sandboxed
	// iframes, file: pages and cross-origin redirects send. Every site can
	// produce it, so it cannot be combined with AllowCredentials. Default:
	// false, "null" is refused.
	AllowNullOrigin bool

	// AllowedMethods lists the methods preflights may ask for, and that
	// actual cross-origin requests may use to receive CORS headers ("OPTIONS"
	// is always accepted on actual requests). Methods are case-sensitive,
	// except that delete, get, head, options, post and put are uppercased as
	// browsers do. "*" allows any method; the requested method is echoed, so
	// the literal "*" is never sent. Forbidden methods (CONNECT, TRACE,
	// TRACK) and malformed tokens are errors. Default: GET, HEAD, POST.
	AllowedMethods []string

	// AllowedHeaders lists the request headers preflights may ask for,
	// case-insensitively. "*" allows any header except Authorization, which
	// the Fetch standard never covers by a wildcard and must be listed by
	// name. The requested names are echoed, so the literal "*" is never
	// sent. The CORS-safelisted names (Accept, Accept-Language,
	// Content-Language, Content-Type) are always allowed: browsers ask for
	// them when their value is outside the safelist, as for
	// "Content-Type: application/json". Default: X-Requested-With and the
	// safelisted names.
	AllowedHeaders []string

	// ExposedHeaders lists the response headers scripts may read beyond the
	// CORS-safelisted ones (Cache-Control, Content-Language, Content-Length,
	// Content-Type, Expires, Last-Modified, Pragma). "*" exposes all of them
	// but is an error with AllowCredentials, where browsers read it as a
	// header named "*". Default: none.
	ExposedHeaders []string

	// AllowCredentials lets browsers send cookies, HTTP authentication and
	// client certificates, and let scripts read the responses
	// (Access-Control-Allow-Credentials: true). It cannot be combined with
	// "*" in AllowedOrigins or with AllowNullOrigin. Default: false.
	AllowCredentials bool

	// MaxAge is how long, in seconds, browsers may cache a preflight
	// response (Access-Control-Max-Age). Browsers cap it (Chromium at 7200,
	// Firefox at 86400). Default 0: no header, browsers use 5 seconds.
	// Negative: "0", no caching.
	MaxAge int

	// AllowPrivateNetwork answers Private Network Access preflights
	// ("Access-Control-Request-Private-Network: true") with
	// "Access-Control-Allow-Private-Network: true", letting public sites
	// reach this server on a private network. Default: false, the header is
	// not sent and the browser refuses such requests.
	AllowPrivateNetwork bool

	// OptionsPassthrough hands successful preflights, CORS headers set, to
	// the next handler, which writes the response. Rejected preflights are
	// still answered by ErrorHandler. Default: false, the middleware answers
	// preflights itself with OptionsSuccessStatus.
	OptionsPassthrough bool

	// OptionsSuccessStatus is the status of successful preflight responses;
	// browsers require 200-299. Default: 204 No Content.
	OptionsSuccessStatus int

	// ErrorHandler writes the response to a rejected preflight; err
	// satisfies errors.Is(err, ErrRejected) and Reason(err) names the cause.
	// It must not add CORS headers. Default: DefaultErrorHandler, 403 with a
	// problem+json body whose code is "cors_preflight_rejected".
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Audit receives a malicious_cors warning for every rejected preflight
	// (outcome blocked) and every actual request from a disallowed or
	// malformed origin (outcome allowed: it is served, without CORS
	// headers). Same-origin requests that carry an Origin header are not
	// reported. Default: nil, no events and no cost.
	Audit audit.Recorder
}
