package csrf

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// ErrCSRF is the error every csrf rejection matches with errors.Is. The more
// specific errors below wrap it.
var ErrCSRF = errors.New("csrf: request forgery check failed")

// Specific rejections. Each one satisfies errors.Is(err, ErrCSRF).
var (
	// ErrTokenMissing: an unsafe request lacks the token header or the token
	// cookie.
	ErrTokenMissing error = &reasonError{"token_missing", "csrf: token missing"}
	// ErrTokenMismatch: the header token differs from every token cookie.
	ErrTokenMismatch error = &reasonError{"token_mismatch", "csrf: header token does not match cookie token"}
	// ErrTokenInvalid: the token is malformed, carries a bad signature, or is
	// bound to another session.
	ErrTokenInvalid error = &reasonError{"token_invalid", "csrf: token invalid"}
	// ErrTokenExpired: the token was genuine but is past its expiry.
	ErrTokenExpired error = &reasonError{"token_expired", "csrf: token expired"}
	// ErrCrossOrigin: the browser reported a cross-origin request
	// (Sec-Fetch-Site), or the Origin header names another, untrusted origin.
	ErrCrossOrigin error = &reasonError{"cross_origin", "csrf: cross-origin request"}
	// ErrOriginInvalid: the Origin header is not a well-formed origin (for
	// example it carries userinfo, a path or an unknown scheme).
	ErrOriginInvalid error = &reasonError{"origin_invalid", "csrf: malformed origin"}
	// ErrNullOrigin: the Origin header is "null" (sandboxed frame, opaque
	// origin, cross-origin redirect), which is never trusted.
	ErrNullOrigin error = &reasonError{"null_origin", "csrf: null origin"}
	// ErrNoOriginInfo: in strict mode, an unsafe request carries neither
	// Sec-Fetch-Site nor Origin (and no valid token, when tokens are
	// configured).
	ErrNoOriginInfo error = &reasonError{"no_origin_info", "csrf: request has neither Sec-Fetch-Site nor Origin"}
)

// reasonError is a rejection with a stable reason used in audit events.
type reasonError struct {
	reason string
	msg    string
}

func (e *reasonError) Error() string { return e.msg }
func (e *reasonError) Unwrap() error { return ErrCSRF }

// Reason returns the stable snake_case reason of a csrf rejection, as it
// appears in the "reason" detail of audit events ("token_mismatch",
// "cross_origin", ...), or "" when err is not a csrf rejection.
func Reason(err error) string {
	var re *reasonError
	if errors.As(err, &re) {
		return re.reason
	}
	if errors.Is(err, ErrCSRF) {
		return "csrf_failed"
	}
	return ""
}

// IsSafeMethod reports whether method is one that CSRF protection exempts:
// GET, HEAD and OPTIONS. Methods are case-sensitive (RFC 9110, section 9.1),
// so "get" is not safe. TRACE is deliberately not exempt: browsers cannot send
// it, and servers should not serve it; treating it as unsafe fails closed.
// Applications must not change state on safe methods.
func IsSafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// forbidden is the default rejection response.
var forbidden = problem.New(http.StatusForbidden, "csrf_failed", "The request failed cross-site request forgery protection.")

// DefaultErrorHandler writes the default rejection: a 403 Forbidden
// application/problem+json response with code "csrf_failed". The error is not
// echoed to the client. It allocates nothing.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, _ error) {
	forbidden.Write(w)
}
