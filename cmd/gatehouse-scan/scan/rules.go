package scan

// Rule describes one check: a stable identifier, what it looks for, how
// serious a finding usually is, and how to fix it with Gatehouse.
type Rule struct {
	// ID is stable across releases: "GH-CORS-001". Suppress or track by it.
	ID string
	// Title is a one-line statement of the weakness.
	Title string
	// Severity is the usual severity; some findings are raised or lowered
	// from it by what the evidence shows (documented in Description).
	Severity Severity
	// Description says what the check sends, what it looks for, and why it
	// matters.
	Description string
	// Fix names the Gatehouse option that removes the weakness.
	Fix Fix
}

// Fix says how to remove a weakness.
type Fix struct {
	// Text names the Gatehouse package and option, in a sentence.
	Text string `json:"text"`
	// Snippet is one line of Go (or configuration) that applies it.
	Snippet string `json:"snippet"`
}

// Rules returns the catalogue of checks, ordered by ID. The returned slice
// is a copy; callers may modify it.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	return out
}

// ruleByID finds a rule in the catalogue.
func ruleByID(id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// Rule identifiers. They are part of the command's interface: never reuse
// or renumber one.
const (
	idNosniff        = "GH-HDR-001"
	idFraming        = "GH-HDR-002"
	idCSP            = "GH-HDR-003"
	idReferrer       = "GH-HDR-004"
	idHSTSMissing    = "GH-HDR-005"
	idHSTSShort      = "GH-HDR-006"
	idXSSProtection  = "GH-HDR-007"
	idVersion        = "GH-HDR-008"
	idTLSOld         = "GH-TLS-001"
	idCertExpiry     = "GH-TLS-002"
	idPlainHTTP      = "GH-TLS-003"
	idCertInvalid    = "GH-TLS-004"
	idCORSReflect    = "GH-CORS-001"
	idCORSNull       = "GH-CORS-002"
	idCORSCreds      = "GH-CORS-003"
	idCORSSuffix     = "GH-CORS-004"
	idCORSPrefix     = "GH-CORS-005"
	idCORSUserinfo   = "GH-CORS-006"
	idCORSMethods    = "GH-CORS-007"
	idCORSHeaders    = "GH-CORS-008"
	idCORSVary       = "GH-CORS-009"
	idCookieHTTPOnly = "GH-COOKIE-001"
	idCookieSecure   = "GH-COOKIE-002"
	idCookieSameSite = "GH-COOKIE-003"
	idAuthMissing    = "GH-AUTH-001"
	idAuthChallenge  = "GH-AUTH-002"
	idAuthAlgNone    = "GH-AUTH-003"
	idAuthSignature  = "GH-AUTH-004"
	idAuthQuery      = "GH-AUTH-005"
	idRateMissing    = "GH-RATE-001"
	idRateRetry      = "GH-RATE-002"
	idErrMalformed   = "GH-ERR-001"
	idErrOversized   = "GH-ERR-002"
	idErrStack       = "GH-ERR-003"
	idErrHTML        = "GH-ERR-004"
	idErrEcho        = "GH-ERR-005"
	idErrTrace       = "GH-ERR-006"
)

const (
	fixHeaders = "headers.New(headers.Options{}) // zero value: nosniff, X-Frame-Options DENY, CSP, Referrer-Policy, HSTS over TLS, X-XSS-Protection: 0"
	fixCORS    = `cors.New(cors.Options{AllowedOrigins: []string{"https://app.example.com"}})`
)

var rules = []Rule{
	{
		ID: idNosniff, Title: "X-Content-Type-Options: nosniff is missing", Severity: Low,
		Description: "Without nosniff a browser may guess a response's type and run a JSON or text body as script or HTML.",
		Fix:         Fix{Text: "Wrap the API in the headers middleware; its zero value sends X-Content-Type-Options: nosniff.", Snippet: fixHeaders},
	},
	{
		ID: idFraming, Title: "No framing protection (X-Frame-Options or CSP frame-ancestors)", Severity: Low,
		Description: "A page that may be framed by any site can be used for clickjacking. Judged on every page the scan fetched; X-Frame-Options ALLOW-FROM counts as absent (browsers ignore it).",
		Fix:         Fix{Text: "The headers middleware sends X-Frame-Options: DENY and CSP frame-ancestors 'none' by default.", Snippet: fixHeaders},
	},
	{
		ID: idCSP, Title: "HTML response without Content-Security-Policy", Severity: Medium,
		Description: "An HTML response with no Content-Security-Policy (Report-Only does not count) lets any injected markup run script.",
		Fix:         Fix{Text: "The headers middleware sends a Content-Security-Policy on every response (default-src 'none' for APIs); for HTML pages start from headers.HTMLApp(), whose policy allows the page's own resources and a per-request nonce (headers.Nonce).", Snippet: "sec, _ := headers.New(headers.HTMLApp())"},
	},
	{
		ID: idReferrer, Title: "Referrer-Policy missing or leaking full URLs", Severity: Low,
		Description: "Without a strict Referrer-Policy (or with unsafe-url / no-referrer-when-downgrade) URLs with ids or tokens in them reach third parties.",
		Fix:         Fix{Text: "The headers middleware sends Referrer-Policy: no-referrer by default.", Snippet: fixHeaders},
	},
	{
		ID: idHSTSMissing, Title: "Strict-Transport-Security missing over TLS", Severity: Medium,
		Description: "Judged only on HTTPS responses. Without HSTS (or with max-age=0) a network attacker can downgrade the next visit to plain HTTP.",
		Fix:         Fix{Text: "The headers middleware sends Strict-Transport-Security (one year, includeSubDomains) on every request that arrived over TLS; behind a TLS-terminating proxy, set Options.Resolver to a clientip Resolver that trusts the proxy, so that its X-Forwarded-Proto counts.", Snippet: "sec, _ := headers.New(headers.Options{Resolver: ip}) // ip, _ := clientip.New(clientip.Options{TrustedProxies: clientip.PrivateRanges()})"},
	},
	{
		ID: idHSTSShort, Title: "Strict-Transport-Security max-age under one year", Severity: Low,
		Description: "Judged only on HTTPS responses. A max-age under 31536000 seconds lets the protection lapse between visits and disqualifies the site from preload lists.",
		Fix:         Fix{Text: "Keep the headers middleware's default StrictTransportSecurity (max-age=31536000; includeSubDomains), or set a value of at least a year.", Snippet: `headers.New(headers.Options{StrictTransportSecurity: "max-age=63072000; includeSubDomains"})`},
	},
	{
		ID: idXSSProtection, Title: "Legacy X-XSS-Protection filter enabled", Severity: Low,
		Description: "X-XSS-Protection: 1 turns on a removed browser filter whose blocking behaviour leaked page content across origins; the OWASP advice is 0 or nothing.",
		Fix:         Fix{Text: "The headers middleware sends X-XSS-Protection: 0.", Snippet: fixHeaders},
	},
	{
		ID: idVersion, Title: "Software version disclosed in Server or X-Powered-By", Severity: Low,
		Description: "A version number in Server, X-Powered-By or X-AspNet-Version tells an attacker which CVEs to try.",
		Fix:         Fix{Text: "Remove the header where it is added (Go's net/http sends none; nginx: server_tokens off; drop X-Powered-By in the framework).", Snippet: "server_tokens off;   # nginx, in front of the Gatehouse-wired API"},
	},
	{
		ID: idTLSOld, Title: "TLS 1.0 or 1.1 accepted", Severity: Medium,
		Description: "The scan completes handshakes limited to TLS 1.0 and to TLS 1.1; both versions are deprecated (RFC 8996).",
		Fix:         Fix{Text: "Accept TLS 1.2 or later in the server's tls.Config (the Go default for servers since 1.22; do not lower it).", Snippet: "srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}"},
	},
	{
		ID: idCertExpiry, Title: "Certificate expires within 30 days", Severity: Medium,
		Description: "The leaf certificate expires in under 30 days (high under 7 days); automate renewal.",
		Fix:         Fix{Text: "Renew the certificate and automate renewal (ACME); a server that reloads its certificate from disk picks the new one up without a restart.", Snippet: "certbot renew --deploy-hook 'systemctl reload api'"},
	},
	{
		ID: idPlainHTTP, Title: "Plain HTTP served without a redirect to HTTPS", Severity: Medium,
		Description: "The scan requests the same path over plain HTTP on the same host (port 80 unless told otherwise); a response that is not a redirect to https:// exposes the API to interception.",
		Fix:         Fix{Text: "Best for an API: do not listen on plain HTTP at all (or answer it with an error), so that clients sending credentials in clear fail loudly. Otherwise redirect with the headers middleware's RedirectHTTPS (301 for GET and HEAD, 308 otherwise) to a fixed host.", Snippet: `headers.New(headers.Options{RedirectHTTPS: true, RedirectHost: "api.example.com"})`},
	},
	{
		ID: idCertInvalid, Title: "Certificate does not verify", Severity: High,
		Description: "Reported only with -insecure (otherwise the scan stops): the certificate chain or name does not verify, so clients either fail or are trained to skip verification.",
		Fix:         Fix{Text: "Serve a certificate for the host name from a trusted CA, with the full chain.", Snippet: "srv.ListenAndServeTLS(\"fullchain.pem\", \"privkey.pem\")"},
	},
	{
		ID: idCORSReflect, Title: "Any Origin is reflected in Access-Control-Allow-Origin", Severity: Low,
		Description: "The scan sends an Origin no allow-list contains; echoing it means there is no allow-list. Low on its own (like *), see GH-CORS-003 when credentials are allowed too; an API that echoes every origin also fails GH-CORS-002, -004, -005 and -006.",
		Fix:         Fix{Text: "List the origins that may call the API in the cors middleware's AllowedOrigins (an AllowOriginFunc must not accept every origin); other origins get no CORS headers.", Snippet: fixCORS},
	},
	{
		ID: idCORSNull, Title: "Origin null is allowed", Severity: Low,
		Description: "Sandboxed iframes, file: pages and some redirects send Origin: null, so any site can obtain it. High when credentials are allowed.",
		Fix:         Fix{Text: "The cors middleware refuses null unless AllowNullOrigin is set (and never together with AllowCredentials); leave it off.", Snippet: fixCORS},
	},
	{
		ID: idCORSCreds, Title: "Credentials allowed for a reflected or wildcard origin", Severity: High,
		Description: "Access-Control-Allow-Credentials: true with an echoed arbitrary origin lets any site read authenticated responses (cookies). With * browsers refuse the response, so that case is medium: the configuration is still wrong.",
		Fix:         Fix{Text: "cors.New refuses \"*\" or AllowNullOrigin together with AllowCredentials; list exact origins, and never let an AllowOriginFunc return true for every origin.", Snippet: `cors.New(cors.Options{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true})`},
	},
	{
		ID: idCORSSuffix, Title: "Suffix-confusion origin allowed (https://evilexample.com)", Severity: Low,
		Description: "The scan sends https://evil<registrable domain>, which no label-anchored pattern matches; accepting it means a suffix test such as strings.HasSuffix. High when credentials are allowed.",
		Fix:         Fix{Text: "Use cors patterns, which are anchored on a label boundary: https://*.example.com does not match evilexample.com.", Snippet: `cors.New(cors.Options{AllowedOrigins: []string{"https://*.example.com"}})`},
	},
	{
		ID: idCORSPrefix, Title: "Prefix-confusion origin allowed (https://example.com.evil.net)", Severity: Low,
		Description: "The scan sends the app's origin host followed by .evil.net; accepting it means a prefix or substring test. High when credentials are allowed.",
		Fix:         Fix{Text: "The cors middleware compares whole origins (scheme, host, port).", Snippet: fixCORS},
	},
	{
		ID: idCORSUserinfo, Title: "Userinfo-confusion origin allowed (https://example.com@evil.net)", Severity: Low,
		Description: "The scan sends https://<app host>@evil.net, whose host is evil.net; accepting it means the origin was matched as a string prefix or parsed loosely. High when credentials are allowed.",
		Fix:         Fix{Text: "The cors middleware rejects origins with userinfo, paths or missing schemes.", Snippet: fixCORS},
	},
	{
		ID: idCORSMethods, Title: "Preflight allows every method", Severity: Low,
		Description: "A preflight for an invented method is answered with that method or * in Access-Control-Allow-Methods.",
		Fix:         Fix{Text: "List the methods the API takes cross-origin in AllowedMethods (default GET, HEAD, POST); avoid \"*\".", Snippet: `cors.New(cors.Options{AllowedOrigins: origins, AllowedMethods: []string{"GET", "POST"}})`},
	},
	{
		ID: idCORSHeaders, Title: "Preflight allows every request header", Severity: Low,
		Description: "A preflight for an invented request header is answered with that header or * in Access-Control-Allow-Headers.",
		Fix:         Fix{Text: "List the request headers the API reads in AllowedHeaders (default: X-Requested-With and the CORS-safelisted names; Authorization must be named); avoid \"*\".", Snippet: `cors.New(cors.Options{AllowedOrigins: origins, AllowedHeaders: []string{"Authorization", "Content-Type"}})`},
	},
	{
		ID: idCORSVary, Title: "Origin-dependent CORS response without Vary: Origin", Severity: Low,
		Description: "A response whose Access-Control-Allow-Origin names one origin but whose Vary lacks Origin can be cached and served to other origins.",
		Fix:         Fix{Text: "The cors middleware appends Vary: Origin to every response whose CORS headers depend on the Origin.", Snippet: fixCORS},
	},
	{
		ID: idCookieHTTPOnly, Title: "Session cookie without HttpOnly", Severity: Medium,
		Description: "A session-like cookie (by name, or a JWT-shaped value) readable by script is stolen by any XSS. CSRF token cookies are exempt: script must read them.",
		Fix:         Fix{Text: "jwtauth's cookie mode (Options.Cookie) sets its access and refresh cookies HttpOnly, Secure and SameSite=Strict.", Snippet: `jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Cookie: &jwtauth.CookieOptions{CSRF: tokens}})`},
	},
	{
		ID: idCookieSecure, Title: "Session cookie without Secure", Severity: Medium,
		Description: "A session-like cookie without Secure is sent over plain HTTP, where anyone on the path reads it.",
		Fix:         Fix{Text: "jwtauth's cookie mode sets Secure (and __Host-/__Secure- names) unless InsecureCookie is set for local development.", Snippet: `jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Cookie: &jwtauth.CookieOptions{CSRF: tokens}})`},
	},
	{
		ID: idCookieSameSite, Title: "Session cookie without SameSite (or SameSite=None)", Severity: Low,
		Description: "Without SameSite=Lax or Strict the cookie rides along on cross-site requests, so CSRF rests on other defences alone.",
		Fix:         Fix{Text: "jwtauth's cookie mode sets SameSite=Strict (Lax on request) and requires the csrf package's token on unsafe methods.", Snippet: `jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Cookie: &jwtauth.CookieOptions{CSRF: tokens}})`},
	},
	{
		ID: idAuthMissing, Title: "Protected endpoint does not answer 401 without credentials", Severity: Critical,
		Description: "A -protected path requested without credentials: critical when it is served (2xx), low when it answers something other than 401 (403, a redirect, an error).",
		Fix:         Fix{Text: "Put the path behind the jwtauth middleware (Auth.Handler); a missing token is 401 with WWW-Authenticate: Bearer.", Snippet: `mux.Handle("GET /api/me", auth.Handler(me))`},
	},
	{
		ID: idAuthChallenge, Title: "401 without WWW-Authenticate", Severity: Low,
		Description: "RFC 9110 requires a 401 to carry WWW-Authenticate so that clients know which scheme to use (RFC 6750 for Bearer).",
		Fix:         Fix{Text: "jwtauth answers 401 with WWW-Authenticate: Bearer (and error=\"invalid_token\" when a token was sent).", Snippet: `mux.Handle("GET /api/me", auth.Handler(me))`},
	},
	{
		ID: idAuthAlgNone, Title: "Token with alg \"none\" accepted", Severity: Critical,
		Description: "An unsigned JWT (alg none, None, NONE or nOnE; the given token's claims, or invented ones) is accepted: anyone can mint tokens.",
		Fix:         Fix{Text: "jwtauth binds each key of its KeySet to exactly one algorithm, so a token's alg must match its key's; none is never accepted.", Snippet: "auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys}) // mux.Handle(\"GET /api/me\", auth.Handler(me))"},
	},
	{
		ID: idAuthSignature, Title: "Token without a valid signature accepted", Severity: Critical,
		Description: "The given token with its signature removed or altered, or a bearer value that is not a token at all, is accepted: signatures are not verified.",
		Fix:         Fix{Text: "Verify every token with jwtauth (strict by default: signature, alg bound to the key, exp required).", Snippet: "auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys}) // mux.Handle(\"GET /api/me\", auth.Handler(me))"},
	},
	{
		ID: idAuthQuery, Title: "Token accepted in the query string", Severity: Medium,
		Description: "The token sent as ?access_token= or ?token= is accepted; URLs end up in logs, browser history and Referer headers (RFC 6750 section 5.3).",
		Fix:         Fix{Text: "jwtauth reads the access token from the Authorization header (and its cookie in cookie mode; see Options.Sources), never from the URL.", Snippet: "auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys}) // mux.Handle(\"GET /api/me\", auth.Handler(me))"},
	},
	{
		ID: idRateMissing, Title: "No rate limiting observed", Severity: Medium,
		Description: "With -rate N the scan sends up to N requests; none was answered 429 and none carried RateLimit, X-RateLimit-* or Retry-After headers.",
		Fix:         Fix{Text: "Add the ratelimit middleware (per client IP by default through clientip; 429 with Retry-After, X-RateLimit-* and RateLimit headers).", Snippet: `limits, _ := ratelimit.New(ratelimit.Options{Rate: ratelimit.PerHour(100)})`},
	},
	{
		ID: idRateRetry, Title: "429 without Retry-After", Severity: Low,
		Description: "A 429 that does not say when to come back makes well-behaved clients retry at once (RFC 6585, RFC 9110 section 10.2.3).",
		Fix:         Fix{Text: "The ratelimit middleware sends Retry-After with every 429, in whole seconds and never too early.", Snippet: `limits, _ := ratelimit.New(ratelimit.Options{Rate: ratelimit.PerHour(100)})`},
	},
	{
		ID: idErrMalformed, Title: "Malformed input answered with a server error", Severity: Medium,
		Description: "Malformed JSON (with -allow-unsafe), an invalid query string or an unknown path is answered 5xx: input reaches code that does not expect it.",
		Fix:         Fix{Text: "Put the sanitize middleware in front of the handlers: malformed JSON, invalid percent-encoding, NUL and invalid UTF-8 are rejected with 400 problem responses before any handler runs.", Snippet: "gate, _ := sanitize.New(sanitize.Options{}) // mux = gate.Handler(mux)"},
	},
	{
		ID: idErrOversized, Title: "Oversized body answered with a server error", Severity: Medium,
		Description: "Reported with -allow-unsafe only: a 2 MiB body (unterminated JSON) is answered 5xx rather than 413.",
		Fix:         Fix{Text: "The sanitize middleware refuses bodies over MaxBodyBytes (default 1 MiB) with 413, before reading them when Content-Length says so.", Snippet: "gate, _ := sanitize.New(sanitize.Options{MaxBodyBytes: 1 << 20})"},
	},
	{
		ID: idErrStack, Title: "Stack trace in a response", Severity: Medium,
		Description: "A response body holds a stack trace (Go, Java, Python, Node.js, .NET, PHP or Ruby): file paths, versions and code structure for an attacker.",
		Fix:         Fix{Text: "Never write err.Error() or a stack to clients; log it and answer with a fixed problem body, as every Gatehouse rejection does.", Snippet: `http.Error(w, "internal error", http.StatusInternalServerError) // log the error, never return it`},
	},
	{
		ID: idErrHTML, Title: "HTML error page from an API", Severity: Low,
		Description: "An error response is text/html although the target is not an HTML page: a framework default page, often with versions, and a surface for injected markup.",
		Fix:         Fix{Text: "Answer errors with JSON (RFC 9457 problem+json, as every Gatehouse rejection does), including the 404 of the mux and of any proxy in front.", Snippet: `w.Header().Set("Content-Type", "application/problem+json"); w.WriteHeader(http.StatusNotFound)`},
	},
	{
		ID: idErrEcho, Title: "Input echoed in an error response", Severity: Low,
		Description: "An error response repeats a marker the scan sent (in the path, query or body); medium when it comes back unescaped in HTML (reflected XSS).",
		Fix:         Fix{Text: "Error texts must be fixed strings: Gatehouse rejections (sanitize, cors, jwtauth, ratelimit) never echo request input; do the same in your handlers and 404 handler.", Snippet: `http.Error(w, "no such resource", http.StatusNotFound) // never the path or the input`},
	},
	{
		ID: idErrTrace, Title: "TRACE enabled", Severity: Medium,
		Description: "A TRACE request is answered 2xx with the request echoed back, headers included (cross-site tracing); info when it is answered 2xx without the echo.",
		Fix:         Fix{Text: "Register routes with method patterns (Go 1.22 mux) so TRACE gets 405, or reject it in front of the mux.", Snippet: `mux.HandleFunc("GET /api/items", list) // TRACE /api/items: 405`},
	},
}
