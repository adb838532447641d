package cors

import (
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// record sends a malicious_cors warning about r. Callers check c.audit first,
// so that nothing is built when no recorder is configured.
func (c *CORS) record(r *http.Request, err error, outcome audit.Outcome) {
	e := event.New(r, "cors", audit.MaliciousCORS, audit.SeverityWarn, outcome)
	if outcome == audit.OutcomeBlocked {
		e.Description = "CORS preflight rejected"
	} else {
		e.Description = "cross-origin request served without CORS headers"
	}
	e.Details = map[string]string{"reason": Reason(err)}
	if v := r.Header["Origin"]; len(v) > 0 {
		e.Details["origin"] = audit.Clean(v[0], 256)
	}
	if v := r.Header.Get("Access-Control-Request-Method"); v != "" && outcome == audit.OutcomeBlocked {
		e.Details["request_method"] = audit.Clean(v, 32)
	}
	c.audit.Record(r.Context(), e)
}

// sameOrigin reports whether a request whose Origin is not allowed is in
// fact a same-origin request (browsers send Origin on same-origin POSTs).
// It only keeps such requests out of the audit log; it never grants access.
func sameOrigin(r *http.Request, s string) bool {
	if r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return true
	}
	o, ok := parseOrigin(s)
	if !ok {
		return false
	}
	host := o.host
	if o.port != "" {
		host = s[strings.Index(s, "://")+3:]
	}
	return equalFold(host, r.Host)
}
