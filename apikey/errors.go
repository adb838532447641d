package apikey

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// ErrUnauthorized is matched (errors.Is) by every rejection answered with
// 401: no key, or a key that is malformed, unknown, revoked or expired, or
// two different keys in one request. Clients get the same response for all
// of them; the specific error below reaches the ErrorHandler and the audit
// event's "reason" detail only.
var ErrUnauthorized = errors.New("apikey: missing or invalid api key")

// Rejections answered with 401. Each satisfies errors.Is(err, ErrUnauthorized).
var (
	// ErrMissing: the request carries no key in any configured source.
	ErrMissing error = &rejection{reason: "missing", msg: "apikey: no api key", base: ErrUnauthorized}
	// ErrMalformed: the key is not in the key format, its checksum does
	// not match, or its prefix is not accepted. Parse returns it too.
	ErrMalformed error = &rejection{reason: "malformed", msg: "apikey: malformed api key", base: ErrUnauthorized}
	// ErrUnknown: the key is well formed but no stored key has its hash.
	ErrUnknown error = &rejection{reason: "unknown", msg: "apikey: unknown api key", base: ErrUnauthorized}
	// ErrRevoked: the key was revoked.
	ErrRevoked error = &rejection{reason: "revoked", msg: "apikey: revoked api key", base: ErrUnauthorized}
	// ErrExpired: the key is past its expiry.
	ErrExpired error = &rejection{reason: "expired", msg: "apikey: expired api key", base: ErrUnauthorized}
	// ErrConflict: the request carries two different keys (in two sources,
	// or a header repeated), or a source header it cannot read as one key.
	ErrConflict error = &rejection{reason: "conflicting_keys", msg: "apikey: conflicting api keys", base: ErrUnauthorized}
)

// ErrForbidden is matched by the rejections answered with 403: the key is
// valid but may not be used for this request.
var ErrForbidden = errors.New("apikey: api key not allowed here")

// Rejections answered with 403. Each satisfies errors.Is(err, ErrForbidden).
var (
	// ErrIPNotAllowed: the client address is outside the key's
	// AllowedNetworks.
	ErrIPNotAllowed error = &rejection{reason: "ip_not_allowed", msg: "apikey: client address not allowed for this api key", base: ErrForbidden}
	// ErrInsufficientScope: the key lacks a scope RequireScopes asks for.
	ErrInsufficientScope error = &rejection{reason: "insufficient_scope", msg: "apikey: insufficient scope", base: ErrForbidden}
)

// ErrUnavailable is matched by errors from the store during
// authentication; the request is refused with 503 (fail closed). The
// store's own error is wrapped too.
var ErrUnavailable = errors.New("apikey: key store unavailable")

// rejection is a refusal with a stable reason for audit events.
type rejection struct {
	reason string
	msg    string
	base   error
}

func (e *rejection) Error() string { return e.msg }
func (e *rejection) Unwrap() error { return e.base }

// storeError wraps a store failure during authentication.
type storeError struct{ err error }

func (e *storeError) Error() string   { return "apikey: key store unavailable: " + e.err.Error() }
func (e *storeError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Reason returns the stable snake_case reason of a rejection, as in the
// "reason" detail of audit events: "missing", "malformed", "unknown",
// "revoked", "expired", "conflicting_keys", "ip_not_allowed",
// "insufficient_scope", "store_error"; "" when err is none of them.
func Reason(err error) string {
	var r *rejection
	switch {
	case errors.As(err, &r):
		return r.reason
	case errors.Is(err, ErrUnavailable):
		return "store_error"
	case errors.Is(err, ErrUnauthorized):
		return "invalid"
	}
	return ""
}

// Problem codes of the default responses.
const (
	CodeInvalidAPIKey     = "invalid_api_key"
	CodeIPNotAllowed      = "ip_not_allowed"
	CodeInsufficientScope = "insufficient_scope"
	CodeUnavailable       = "api_key_store_unavailable"
)

var (
	problemUnauthorized = problem.New(http.StatusUnauthorized, CodeInvalidAPIKey, "A valid API key is required.")
	problemIPNotAllowed = problem.New(http.StatusForbidden, CodeIPNotAllowed, "This API key may not be used from this network.")
	problemScope        = problem.New(http.StatusForbidden, CodeInsufficientScope, "This API key lacks a scope the request needs.")
	problemUnavailable  = problem.New(http.StatusServiceUnavailable, CodeUnavailable, "API keys cannot be checked at the moment.")
)
