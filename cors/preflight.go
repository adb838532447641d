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
	ov, acrh, err := c.checkPreflight(r, acrm)
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
		h["Access-Control-Allow-Origin"] = ov[:1:1]
	}
	if c.credentials {
		h["Access-Control-Allow-Credentials"] = trueValue
	}
	h["Access-Control-Allow-Methods"] = acrm[:1:1]
	if acrh != nil {
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

// checkPreflight returns nil when the preflight is allowed, with the Origin
// field (one line) and the Access-Control-Request-Headers lines to echo (nil
// when they name no header).
func (c *CORS) checkPreflight(r *http.Request, acrm []string) (origin, acrh []string, err error) {
	origin = r.Header["Origin"]
	switch {
	case len(origin) == 0 || len(origin) == 1 && origin[0] == "":
		return nil, nil, ErrOriginMissing
	case len(origin) != 1:
		return nil, nil, ErrOriginInvalid
	}
	if err := c.checkOrigin(r, origin[0]); err != nil {
		return nil, nil, err
	}
	if len(acrm) != 1 || !c.methods.allowed(acrm[0]) || len(acrm[0]) > maxMethodLen || !validToken(acrm[0]) {
		return nil, nil, ErrMethodNotAllowed
	}
	acrh = r.Header["Access-Control-Request-Headers"]
	ok, names := c.headers.accepts(acrh)
	if !ok {
		return nil, nil, ErrHeadersNotAllowed
	}
	if !names {
		acrh = nil
	}
	return origin, acrh, nil
}
