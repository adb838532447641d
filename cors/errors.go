package cors

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// Configuration errors returned by New. Every one of them satisfies
// errors.Is(err, ErrInvalidOptions); the more specific kinds below can be
// tested the same way.
var (
	// ErrInvalidOptions is matched by every error New returns.
	ErrInvalidOptions = errors.New("cors: invalid options")
	// ErrInvalidOrigin: an allowed origin is not a serialized origin
	// (scheme://host[:port]) or a label-anchored pattern such as
	// https://*.example.com: it has a path, a query, userinfo, no scheme, a
	// bad port, or a wildcard that is not a full leading label.
	ErrInvalidOrigin = errors.New("cors: invalid allowed origin")
	// ErrInsecureOptions: the configuration would let any site read
	// credentialed responses ("*" or "null" with AllowCredentials), or allows
	// the null origin without AllowNullOrigin, or a pattern is so broad that
	// it covers a whole top-level domain.
	ErrInsecureOptions = errors.New("cors: insecure options")
)

// optionsError is a configuration error: its message names the offending
// option, and it matches ErrInvalidOptions and its kind with errors.Is.
type optionsError struct {
	kind error
	msg  string
}

func (e *optionsError) Error() string { return e.msg }

func (e *optionsError) Is(target error) bool {
	return target == ErrInvalidOptions || (e.kind != nil && target == e.kind)
}

func optionsErr(kind error, msg string) error { return &optionsError{kind: kind, msg: msg} }

// ErrRejected is matched by every preflight rejection handed to
// Options.ErrorHandler. The specific errors below wrap it.
var ErrRejected = errors.New("cors: preflight rejected")

// Preflight rejections. Each one satisfies errors.Is(err, ErrRejected); the
// same reasons appear in the "reason" detail of audit events, including those
// about actual requests served without CORS headers.
var (
	// ErrOriginMissing: a preflight without an Origin header.
	ErrOriginMissing error = &rejection{"origin_missing", "cors: origin missing"}
	// ErrOriginInvalid: the Origin header is not a serialized origin (path,
	// userinfo, bad port, several values, control characters, ...).
	ErrOriginInvalid error = &rejection{"origin_invalid", "cors: malformed origin"}
	// ErrOriginNotAllowed: the origin is well formed but not allowed.
	ErrOriginNotAllowed error = &rejection{"origin_not_allowed", "cors: origin not allowed"}
	// ErrNullOrigin: the Origin is "null" and AllowNullOrigin is false.
	ErrNullOrigin error = &rejection{"null_origin", "cors: null origin not allowed"}
	// ErrMethodNotAllowed: the requested method is malformed or not in
	// AllowedMethods.
	ErrMethodNotAllowed error = &rejection{"method_not_allowed", "cors: method not allowed"}
	// ErrHeadersNotAllowed: Access-Control-Request-Headers names a header
	// that is not allowed, is malformed, or exceeds the parsing bounds.
	ErrHeadersNotAllowed error = &rejection{"headers_not_allowed", "cors: request headers not allowed"}
)

// rejection is a refused CORS request with a stable reason.
type rejection struct {
	reason string
	msg    string
}

func (e *rejection) Error() string { return e.msg }
func (e *rejection) Unwrap() error { return ErrRejected }

// Reason returns the stable snake_case reason of a cors rejection
// ("origin_not_allowed", "headers_not_allowed", ...), as it appears in audit
// events, or "" when err is not a cors rejection.
func Reason(err error) string {
	var re *rejection
	if errors.As(err, &re) {
		return re.reason
	}
	if errors.Is(err, ErrRejected) {
		return "cors_rejected"
	}
	return ""
}

// ProblemCode is the stable "code" member of the default rejection body.
const ProblemCode = "cors_preflight_rejected"

var forbidden = problem.New(http.StatusForbidden, ProblemCode,
	"The cross-origin request is not allowed by this server's CORS policy.")

// DefaultErrorHandler answers a rejected preflight with 403 Forbidden and an
// application/problem+json body whose code is "cors_preflight_rejected". It
// adds no CORS header, so the browser fails the request; the error is not
// echoed. It allocates nothing.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, _ error) {
	forbidden.Write(w)
}
