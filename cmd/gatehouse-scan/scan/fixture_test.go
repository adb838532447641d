package scan_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fixture is a small API whose every weakness can be switched on. The zero
// value is a correctly configured API: security headers, an exact CORS
// allow-list with Vary, HS256 bearer authentication with WWW-Authenticate,
// a rate limit on /limited, problem+json errors that echo nothing, 400 for
// malformed input, 413 for large bodies, no TRACE.
type fixture struct {
	// headers
	noNosniff, noFraming, noReferrer, leakyReferrer, legacyXSS, versionHeaders, htmlNoCSP bool
	hsts                                                                                  string // sent over TLS; "" = a good value, "-" = none
	// CORS (allow-list: https://app.example.com)
	reflectOrigin, credentials, wildcardCredentials, allowNull, suffixMatch, prefixMatch, userinfoMatch bool
	noVary, preflightAnyMethod, preflightAnyHeader, preflightReflect                                    bool
	// cookies set on GET /
	cookieNoHTTPOnly, cookieNoSecure, cookieNoSameSite bool
	// authentication on /api/me
	authOpen, auth403, noChallenge, noInvalidChallenge, acceptAlgNone, acceptUnsigned, acceptQueryToken bool
	// rate limiting on /limited
	noRateLimit, noRetryAfter bool
	// errors
	crashOnBadQuery, htmlErrors, echoErrors, traceEcho, crashOnMalformed, crashOnOversized bool
	traceNoEcho                                                                            bool // TRACE served like GET
}

const (
	appOrigin = "https://app.example.com"
	rateLimit = 5
)

var fixtureKey = []byte("fixture-hmac-key-0123456789abcdef")

// server is a fixture in service, counting what it receives.
type server struct {
	f        fixture
	requests atomic.Int64
	limited  atomic.Int64
	mu       sync.Mutex
	methods  map[string]int
	hosts    map[string]int
}

func newServer(f fixture) *server {
	return &server{f: f, methods: map[string]int{}, hosts: map[string]int{}}
}

func (s *server) count(r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	s.methods[r.Method]++
	s.hosts[r.Host]++
	s.mu.Unlock()
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	s.headers(w, r)
	if s.cors(w, r) {
		return
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		if s.f.crashOnBadQuery {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "panic: %v\n\n%s", err, debug.Stack())
			return
		}
		problem(w, http.StatusBadRequest, "invalid_query")
		return
	}
	if r.Method == http.MethodTrace && !s.f.traceNoEcho {
		if s.f.traceEcho {
			w.Header().Set("Content-Type", "message/http")
			fmt.Fprintf(w, "TRACE %s HTTP/1.1\r\n", r.URL.RequestURI())
			for k, vs := range r.Header {
				fmt.Fprintf(w, "%s: %s\r\n", k, strings.Join(vs, ", "))
			}
			return
		}
		problem(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	switch r.URL.Path {
	case "/":
		s.root(w, r)
	case "/api/me":
		s.me(w, r)
	case "/limited":
		s.limitedPath(w, r)
	default:
		s.notFound(w, r)
	}
}

func (s *server) headers(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if !s.f.noNosniff {
		h.Set("X-Content-Type-Options", "nosniff")
	}
	if !s.f.noFraming {
		h.Set("X-Frame-Options", "DENY")
	}
	if !s.f.htmlNoCSP {
		csp := "default-src 'none'"
		if !s.f.noFraming {
			csp += "; frame-ancestors 'none'"
		}
		h.Set("Content-Security-Policy", csp)
	}
	switch {
	case s.f.leakyReferrer:
		h.Set("Referrer-Policy", "unsafe-url")
	case !s.f.noReferrer:
		h.Set("Referrer-Policy", "no-referrer")
	}
	if s.f.legacyXSS {
		h.Set("X-XSS-Protection", "1; mode=block")
	} else {
		h.Set("X-XSS-Protection", "0")
	}
	if s.f.versionHeaders {
		h.Set("Server", "nginx/1.18.0 (Ubuntu)")
		h.Set("X-Powered-By", "PHP/7.4.3")
	}
	if r.TLS != nil && s.f.hsts != "-" {
		v := s.f.hsts
		if v == "" {
			v = "max-age=63072000; includeSubDomains"
		}
		h.Set("Strict-Transport-Security", v)
	}
}

func (s *server) originAllowed(origin string) bool {
	switch {
	case origin == appOrigin:
		return true
	case s.f.reflectOrigin && origin != "":
		return true
	case s.f.allowNull && origin == "null":
		return true
	case s.f.suffixMatch && strings.HasSuffix(origin, "example.com"):
		return true
	case s.f.prefixMatch && strings.HasPrefix(origin, appOrigin) && !strings.Contains(origin, "@"):
		return true
	case s.f.userinfoMatch:
		before, _, found := strings.Cut(origin, "@")
		return found && before == appOrigin
	}
	return false
}

// cors writes the CORS headers and answers preflights; it reports whether
// the request was a preflight.
func (s *server) cors(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	origin := r.Header.Get("Origin")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if !s.f.noVary {
		h.Add("Vary", "Origin")
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
		}
	}
	allowed := s.originAllowed(origin) || (preflight && s.f.preflightReflect && origin != "")
	switch {
	case s.f.wildcardCredentials && origin != "":
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Credentials", "true")
	case allowed:
		h.Set("Access-Control-Allow-Origin", origin)
		if s.f.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if !preflight {
		return false
	}
	method := r.Header.Get("Access-Control-Request-Method")
	reqHeaders := strings.ToLower(r.Header.Get("Access-Control-Request-Headers"))
	okMethod := method == "GET" || method == "POST" || s.f.preflightAnyMethod
	okHeaders := true
	for _, hn := range strings.Split(reqHeaders, ",") {
		hn = strings.TrimSpace(hn)
		if hn != "" && hn != "authorization" && hn != "content-type" && !s.f.preflightAnyHeader {
			okHeaders = false
		}
	}
	if !allowed || (!s.f.preflightReflect && (!okMethod || !okHeaders)) {
		h.Del("Access-Control-Allow-Origin")
		h.Del("Access-Control-Allow-Credentials")
		w.WriteHeader(http.StatusForbidden)
		return true
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	if s.f.preflightAnyMethod {
		h.Set("Access-Control-Allow-Methods", method)
	}
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	if s.f.preflightAnyHeader && reqHeaders != "" {
		h.Set("Access-Control-Allow-Headers", reqHeaders)
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (s *server) root(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.readJSON(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !(s.f.traceNoEcho && r.Method == http.MethodTrace) {
		problem(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	attrs := "; Path=/"
	if !s.f.cookieNoHTTPOnly {
		attrs += "; HttpOnly"
	}
	if !s.f.cookieNoSecure {
		attrs += "; Secure"
	}
	if !s.f.cookieNoSameSite {
		attrs += "; SameSite=Lax"
	}
	w.Header().Add("Set-Cookie", "session_id=0123456789abcdef0123456789abcdef"+attrs)
	w.Header().Add("Set-Cookie", "csrf_token=abcdef; Path=/; Secure; SameSite=Strict")
	if s.f.htmlNoCSP {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>app</title><p>hello</p>")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"service":"fixture"}`)
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	token, fromHeader := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !fromHeader && s.f.acceptQueryToken {
		token = r.URL.Query().Get("access_token")
	}
	switch {
	case s.f.authOpen:
	case token == "":
		if s.f.auth403 {
			problem(w, http.StatusForbidden, "forbidden")
			return
		}
		if !s.f.noChallenge {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fixture"`)
		}
		problem(w, http.StatusUnauthorized, "missing_token")
		return
	case !s.verify(token):
		if !s.f.noChallenge && !s.f.noInvalidChallenge {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fixture", error="invalid_token"`)
		}
		problem(w, http.StatusUnauthorized, "invalid_token")
		return
	}
	if r.Method == http.MethodPost {
		s.readJSON(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"sub":"alice"}`)
}

// verify checks an HS256 token, with the switched-on verification bugs.
func (s *server) verify(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) == 2 && s.f.acceptUnsigned {
		parts = append(parts, "")
	}
	if len(parts) != 3 {
		return false
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var head struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &head) != nil {
		return false
	}
	switch {
	case s.f.acceptAlgNone && strings.EqualFold(head.Alg, "none"):
		return true
	case head.Alg != "HS256":
		return false
	case s.f.acceptUnsigned && parts[2] == "":
		return true
	}
	mac := hmac.New(sha256.New, fixtureKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return false
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	return json.Unmarshal(pb, &claims) == nil && claims.Exp > time.Now().Unix()
}

func (s *server) limitedPath(w http.ResponseWriter, _ *http.Request) {
	n := s.limited.Add(1)
	if !s.f.noRateLimit {
		w.Header().Set("RateLimit-Policy", fmt.Sprintf(`"default";q=%d;w=60`, rateLimit))
		if n > rateLimit {
			if !s.f.noRetryAfter {
				w.Header().Set("Retry-After", "60")
			}
			problem(w, http.StatusTooManyRequests, "rate_limited")
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok":true}`)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.f.htmlErrors {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		body := "<html><body><h1>404 Not Found</h1>"
		if s.f.echoErrors {
			body += "<p>No page at " + r.URL.Path + "</p>"
		}
		io.WriteString(w, body+"<hr>nginx</body></html>")
		return
	}
	if s.f.echoErrors {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "no route for " + r.URL.Path})
		return
	}
	problem(w, http.StatusNotFound, "not_found")
}

// readJSON is the POST handler: a 1 MiB limit and a JSON decode.
func (s *server) readJSON(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		if s.f.crashOnOversized {
			problem(w, http.StatusInternalServerError, "internal")
			return
		}
		problem(w, http.StatusRequestEntityTooLarge, "body_too_large")
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		if s.f.crashOnMalformed {
			problem(w, http.StatusInternalServerError, "internal")
			return
		}
		problem(w, http.StatusBadRequest, "invalid_json")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func problem(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"code":%q}`, http.StatusText(status), status, code)
}

// signHS256 issues a fixture token valid for an hour.
func signHS256(sub string) string {
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":%q,"exp":%d}`, sub, time.Now().Add(time.Hour).Unix())))
	mac := hmac.New(sha256.New, fixtureKey)
	mac.Write([]byte(head + "." + claims))
	return head + "." + claims + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
