package cors

import (
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
)

// preflight answers a CORS-preflight request (Fetch standard, "CORS-preflight
// fetch"): OPTIONS with a non-empty Access-Control-Request-Method.
//
// It checks the origin, the requested method and every requested header. On
// success the response allows exactly what was asked: the origin is echoed
// (or "*" when every origin is allowed), and so are the method and the header
// names, so that a wildcard is never sent where browsers would read it
// literally (credentialed requests) and Authorization is never covered by
// one. On failure no CORS header is set and ErrorHandler answers.
func (c *CORS) preflight(w http.ResponseWriter, r *http.Request, acrm []string, next http.Handler) {
	h := w.Header()
	addVary(h, c.preflightVary)
	echo, err := c.checkPreflight(r, acrm)
	if err != nil {
		if c.audit != nil {
			c.record(r, err, audit.OutcomeBlocked)
		}
		c.onError(w, r, err)
		return
	}
	if c.anyOrigin {
		h["Access-Control-Allow-Origin"] = starValue
	} else {
		h["Access-Control-Allow-Origin"] = r.Header["Origin"][:1:1]
	}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = trueValue
	}
	h["Access-Control-Allow-Methods"] = acrm[:1:1]
	if echo {
		acrh := r.Header["Access-Control-Request-Headers"]
		h["Access-Control-Allow-Headers"] = acrh[:len(acrh):len(acrh)]
	}
	if c.maxAge != nil {
		h["Access-Control-Max-Age"] = c.maxAge
	}
	if c.pna {
		if v := r.Header["Access-Control-Request-Private-Network"]; len(v) == 1 && v[0] == "true" {
			h["Access-Control-Allow-Private-Network"] = trueValue
		}
	}
	if c.passthrough {
		next.ServeHTTP(w, r)
		return
	}
	w.WriteHeader(c.status)
}

// checkPreflight returns nil when the preflight is allowed, and whether
// Access-Control-Request-Headers named any header to echo.
func (c *CORS) checkPreflight(r *http.Request, acrm []string) (echo bool, err error) {
	ov := r.Header["Origin"]
	switch {
	case len(ov) == 0 || len(ov) == 1 && ov[0] == "":
		return false, ErrOriginMissing
	case len(ov) != 1:
		return false, ErrOriginInvalid
	}
	if err := c.checkOrigin(r, ov[0]); err != nil {
		return false, err
	}
	if len(acrm) != 1 || !validToken(acrm[0]) || !c.methods.allowed(acrm[0]) {
		return false, ErrMethodNotAllowed
	}
	ok, echo := c.headers.accepts(r.Header["Access-Control-Request-Headers"])
	if !ok {
		return false, ErrHeadersNotAllowed
	}
	return echo, nil
}
