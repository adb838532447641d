package api

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// problemContentType is the media type of RFC 9457 problem documents.
const problemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document with a stable code, built once
// and written many times. Titles and details are fixed texts: nothing a
// client sent is ever echoed.
type Problem struct {
	Status int
	Code   string
	Detail string
}

// The application's own rejections; the packages' rejections (rate limits,
// tokens, keys, CSRF, CORS, request hygiene, password policy) come with
// their own codes.
var (
	ErrInvalidBody      = Problem{http.StatusBadRequest, "invalid_body", "The request body must be one JSON object of the documented shape."}
	ErrUnknownField     = Problem{http.StatusBadRequest, "unknown_field", "The request body has a member this endpoint does not accept."}
	ErrInvalidUsername  = Problem{http.StatusBadRequest, "invalid_username", "Usernames are 2 to 32 letters of one script and digits, with _ . or - between them."}
	ErrInvalidEmail     = Problem{http.StatusBadRequest, "invalid_email", "The email must be a plain address such as name@example.com."}
	ErrUsernameTaken    = Problem{http.StatusConflict, "username_taken", "This username, or one that looks the same, is taken."}
	ErrInvalidScope     = Problem{http.StatusBadRequest, "invalid_scope", "A requested scope does not exist."}
	ErrInvalidNetworks  = Problem{http.StatusBadRequest, "invalid_allowed_ips", "allowed_ips must list IP addresses or CIDR networks."}
	ErrInvalidKey       = Problem{http.StatusBadRequest, "invalid_key_request", "The key's name, scopes, networks or lifetime break a rule."}
	ErrTooManyKeys      = Problem{http.StatusConflict, "too_many_keys", "You have as many active API keys as allowed; revoke one first."}
	ErrInvalidMessage   = Problem{http.StatusBadRequest, "invalid_message", "message must be a non-empty string of at most 4000 characters."}
	ErrInvalidParameter = Problem{http.StatusBadRequest, "invalid_parameter", "A query parameter is malformed or out of range."}
	ErrNotFound         = Problem{http.StatusNotFound, "not_found", "There is nothing here."}
	ErrUnavailable      = Problem{http.StatusServiceUnavailable, "unavailable", "The service is temporarily unavailable; try again later."}
	ErrInternal         = Problem{http.StatusInternalServerError, "internal_error", "The server failed to handle the request."}
)

// Write sends p as the complete response, keeping headers already set
// (Allow, Retry-After, WWW-Authenticate).
func (p Problem) Write(w http.ResponseWriter) { p.WriteWith(w, nil) }

// WriteWith sends p with extension members (RFC 9457, section 3.2), which
// must not hold request input.
func (p Problem) WriteWith(w http.ResponseWriter, ext map[string]any) {
	m := make(map[string]any, len(ext)+5)
	for k, v := range ext {
		m[k] = v
	}
	m["type"] = "about:blank"
	m["title"] = http.StatusText(p.Status)
	m["status"] = p.Status
	m["code"] = p.Code
	m["detail"] = p.Detail
	b, err := json.Marshal(m)
	if err != nil {
		b = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"code":"internal_error"}`)
		p.Status = http.StatusInternalServerError
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", problemContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

// writeJSON sends v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		ErrInternal.Write(w)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
