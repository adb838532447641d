package cors

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Header values shared by every response. Each slice has len == cap, so that
// a later handler's append copies instead of writing into the shared array.
var (
	varyOrigin = []string{"Origin"}
	starValue  = []string{"*"}
	trueValue  = []string{"true"}
)

// exactLinear is the number of exact origins up to which a linear scan is
// used instead of a map lookup: comparing a few strings is cheaper than
// hashing one.
const exactLinear = 8

// CORS is a configured CORS middleware. Build it with New; it is immutable
// afterwards and safe for concurrent use.
type CORS struct {
	anyOrigin   bool
	allowNull   bool
	exactOnly   bool // only exact origins: no "*", "null", pattern or func
	credentials bool
	pna         bool
	passthrough bool

	exactList  []string            // canonical exact origins, when few
	exactSet   map[string]struct{} // canonical exact origins, when many
	patterns   []pattern
	originFunc func(r *http.Request, origin string) bool

	methods methodSet
	headers headerSet

	exposed       []string // precomputed Access-Control-Expose-Headers, or nil
	maxAge        []string // precomputed Access-Control-Max-Age, or nil
	preflightVary []string
	status        int

	onError func(w http.ResponseWriter, r *http.Request, err error)
	audit   audit.Recorder
}

// New validates opts and precomputes every header value. It returns an error
// matching ErrInvalidOptions for a malformed or dangerous configuration (see
// ErrInvalidOrigin and ErrInsecureOptions).
func New(opts Options) (*CORS, error) {
	c := &CORS{
		allowNull:   opts.AllowNullOrigin,
		credentials: opts.AllowCredentials,
		pna:         opts.AllowPrivateNetwork,
		passthrough: opts.OptionsPassthrough,
		originFunc:  opts.AllowOriginFunc,
		status:      opts.OptionsSuccessStatus,
		onError:     opts.ErrorHandler,
		audit:       opts.Audit,
	}
	if err := c.setOrigins(opts.AllowedOrigins); err != nil {
		return nil, err
	}
	if c.credentials && c.anyOrigin {
		return nil, optionsErr(ErrInsecureOptions, `cors: AllowedOrigins "*" cannot be combined with AllowCredentials: list the trusted origins`)
	}
	if c.credentials && c.allowNull {
		return nil, optionsErr(ErrInsecureOptions, "cors: AllowNullOrigin cannot be combined with AllowCredentials: any site can send the null origin")
	}
	if err := c.setMethods(opts.AllowedMethods); err != nil {
		return nil, err
	}
	if err := c.setHeaders(opts.AllowedHeaders, opts.ExposedHeaders); err != nil {
		return nil, err
	}
	if c.status == 0 {
		c.status = http.StatusNoContent
	} else if c.status < 200 || c.status > 299 {
		return nil, optionsErr(nil, "cors: OptionsSuccessStatus must be a 2xx status, browsers fail preflights otherwise")
	}
	switch {
	case opts.MaxAge > 0:
		c.maxAge = []string{strconv.Itoa(opts.MaxAge)}
	case opts.MaxAge < 0:
		c.maxAge = []string{"0"}
	}
	vary := "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	if c.pna {
		vary += ", Access-Control-Request-Private-Network"
	}
	c.preflightVary = []string{vary}
	if c.onError == nil {
		c.onError = DefaultErrorHandler
	}
	c.exactOnly = !c.anyOrigin && !c.allowNull && len(c.patterns) == 0 && c.originFunc == nil
	return c, nil
}

func (c *CORS) setOrigins(list []string) error {
	var exact []string
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		switch s {
		case "*":
			c.anyOrigin = true
			continue
		case "null":
			if !c.allowNull {
				return optionsErr(ErrInsecureOptions, `cors: the "null" origin can be allowed only with AllowNullOrigin`)
			}
			continue
		}
		e, p, err := parseAllowedOrigin(s)
		if err != nil {
			return err
		}
		if p != nil {
			c.patterns = append(c.patterns, *p)
		} else if !seen[e] {
			seen[e] = true
			exact = append(exact, e)
		}
	}
	if len(exact) <= exactLinear {
		c.exactList = exact
	} else {
		c.exactSet = make(map[string]struct{}, len(exact))
		for _, e := range exact {
			c.exactSet[e] = struct{}{}
		}
	}
	return nil
}

func (c *CORS) setMethods(list []string) error {
	if len(list) == 0 {
		c.methods.list = []string{http.MethodGet, http.MethodHead, http.MethodPost}
		return nil
	}
	for _, m := range list {
		switch {
		case m == "*":
			c.methods.any = true
		case !validToken(m) || len(m) > maxMethodLen:
			return optionsErr(nil, "cors: allowed method "+quote(m)+" is not a valid method token")
		case forbiddenMethod(m):
			return optionsErr(nil, "cors: allowed method "+quote(m)+" is forbidden: browsers never send it")
		default:
			c.methods.list = append(c.methods.list, normalizeMethod(m))
		}
	}
	return nil
}

func (c *CORS) setHeaders(allowed, exposed []string) error {
	if len(allowed) == 0 {
		allowed = []string{"X-Requested-With"}
	}
	for _, h := range allowed {
		if h != "*" && (!validToken(h) || len(h) > maxHeaderNameLen) {
			return optionsErr(nil, "cors: allowed header "+quote(h)+" is not a valid header name")
		}
	}
	c.headers = newHeaderSet(allowed)

	var names []string
	seen := make(map[string]bool, len(exposed))
	for _, h := range exposed {
		switch {
		case h == "*" && c.credentials:
			return optionsErr(ErrInsecureOptions, `cors: ExposedHeaders "*" is read as a header named "*" with AllowCredentials: list the headers`)
		case h != "*" && !validToken(h):
			return optionsErr(nil, "cors: exposed header "+quote(h)+" is not a valid header name")
		}
		if h != "*" {
			h = http.CanonicalHeaderKey(h)
		}
		if !seen[h] {
			seen[h] = true
			names = append(names, h)
		}
	}
	if len(names) > 0 {
		c.exposed = []string{strings.Join(names, ", ")}
	}
	return nil
}

// Handler returns middleware that answers CORS preflights and adds CORS
// headers to the responses of allowed cross-origin requests.
//
// A preflight is an OPTIONS request with a non-empty
// Access-Control-Request-Method; every other request, OPTIONS included, is
// an actual request and always reaches next. An actual request from an
// allowed origin gets Access-Control-Allow-Origin (and -Credentials,
// -Expose-Headers); one from a disallowed or malformed origin is served
// without them, so the browser withholds the response from the calling
// script, and is recorded through Options.Audit. "Vary: Origin" is appended
// to every actual response. A successful preflight is answered with
// OptionsSuccessStatus (or passed to next with OptionsPassthrough); a
// rejected one gets no CORS header and is answered by Options.ErrorHandler.
func (c *CORS) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			if acrm := r.Header["Access-Control-Request-Method"]; nonEmpty(acrm) {
				c.preflight(w, r, acrm, next)
				return
			}
		}
		c.actual(w, r)
		next.ServeHTTP(w, r)
	})
}

// OriginAllowed reports whether r carries an Origin header that this policy
// allows, for callers that make CORS decisions outside Handler (a WebSocket
// upgrade, for example). It allocates nothing.
func (c *CORS) OriginAllowed(r *http.Request) bool {
	v := r.Header["Origin"]
	return len(v) == 1 && c.originAllowed(r, v[0])
}

// actual adds the CORS headers of an actual (non-preflight) request.
func (c *CORS) actual(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	addVary(h, varyOrigin)
	ov := r.Header["Origin"]
	if len(ov) == 0 || len(ov) == 1 && ov[0] == "" {
		return // not a CORS request
	}
	if c.audit == nil {
		// Only the verdict matters: take the cheapest way to it.
		if len(ov) != 1 || !c.originAllowed(r, ov[0]) || !c.actualMethodAllowed(r.Method) {
			return
		}
	} else {
		var err error
		if len(ov) != 1 {
			err = ErrOriginInvalid
		} else if err = c.checkOrigin(r, ov[0]); err == nil && !c.actualMethodAllowed(r.Method) {
			err = ErrMethodNotAllowed
		}
		if err != nil {
			if !sameOrigin(r, ov[0]) {
				c.record(r, err, audit.OutcomeAllowed)
			}
			return
		}
	}
	if c.anyOrigin {
		h["Access-Control-Allow-Origin"] = starValue
	} else {
		h["Access-Control-Allow-Origin"] = ov[:1:1]
	}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = trueValue
	}
	if c.exposed != nil {
		h["Access-Control-Expose-Headers"] = c.exposed
	}
}

// actualMethodAllowed reports whether an actual request's method may
// receive CORS headers. OPTIONS always may: it is not a preflight here.
func (c *CORS) actualMethodAllowed(m string) bool {
	return m == http.MethodOptions || c.methods.allowed(m)
}

// originAllowed is checkOrigin's verdict without the reason. When only exact
// origins are configured, it refuses a miss without parsing it unless the
// value could be a non-canonical spelling of an allowed origin.
func (c *CORS) originAllowed(r *http.Request, s string) bool {
	if len(s) > maxOriginLen {
		return false
	}
	if c.exactOnly {
		if c.matchExact(s) {
			return true
		}
		if !hasUpper(s) && !strings.HasSuffix(s, ":443") && !strings.HasSuffix(s, ":80") {
			return false
		}
	}
	return c.checkOrigin(r, s) == nil
}

// matchExact reports whether s is one of the canonical exact origins.
func (c *CORS) matchExact(s string) bool {
	if c.exactSet != nil {
		_, ok := c.exactSet[s]
		return ok
	}
	for _, e := range c.exactList {
		if e == s {
			return true
		}
	}
	return false
}

// checkOrigin returns nil when the Origin value s is allowed, otherwise the
// rejection that says why. It allocates nothing.
func (c *CORS) checkOrigin(r *http.Request, s string) error {
	if len(s) > maxOriginLen {
		return ErrOriginInvalid // before hashing or scanning it
	}
	// Fast path: browsers send canonical origins, which is how exact
	// origins are stored.
	if c.matchExact(s) {
		return nil
	}
	if s == "null" {
		if c.allowNull {
			return nil
		}
		return ErrNullOrigin
	}
	o, ok := parseOrigin(s)
	if !ok {
		return ErrOriginInvalid
	}
	if c.anyOrigin {
		return nil
	}
	if !o.canonical() {
		var buf [maxOriginLen + 8]byte
		if c.matchExact(string(o.appendCanonical(buf[:0]))) {
			return nil
		}
	}
	for i := range c.patterns {
		if c.patterns[i].match(o) {
			return nil
		}
	}
	if c.originFunc != nil && c.originFunc(r, s) {
		return nil
	}
	return ErrOriginNotAllowed
}

// addVary appends v to the Vary field lines of h, keeping those set before.
func addVary(h http.Header, v []string) {
	if old, ok := h["Vary"]; ok {
		h["Vary"] = append(old, v[0])
		return
	}
	h["Vary"] = v
}

// nonEmpty reports whether a field has a non-empty line.
func nonEmpty(v []string) bool {
	for _, s := range v {
		if s != "" {
			return true
		}
	}
	return false
}
