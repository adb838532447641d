package jwtauth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/csrf"
	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// reasonError is a rejection with a stable snake_case reason, used in audit
// events and by Reason. Its parent is what errors.Is matches besides itself.
type reasonError struct {
	reason string
	msg    string
	parent error
}

func (e *reasonError) Error() string { return e.msg }
func (e *reasonError) Unwrap() error { return e.parent }

// Request-level rejections.
var (
	// ErrMissingToken: the request carries no access token. The response is
	// 401 with a WWW-Authenticate challenge without an error code (RFC 6750,
	// section 3.1) and problem code "missing_token".
	ErrMissingToken error = &reasonError{"missing_token", "jwtauth: missing token", nil}
	// ErrInvalidRequest: the token is sent in a malformed way, for example in
	// two Authorization headers, two cookies of the same name, or as an empty
	// Bearer credential. 400, error="invalid_request".
	ErrInvalidRequest error = &reasonError{"invalid_request", "jwtauth: malformed token request", nil}
	// ErrInvalidToken is matched by every rejection of a token itself (the
	// errors below). 401, error="invalid_token".
	ErrInvalidToken = errors.New("jwtauth: invalid token")
)

// Token rejections. Each one satisfies errors.Is(err, ErrInvalidToken).
var (
	// ErrTokenTooLarge: the token is longer than Options.MaxTokenBytes.
	ErrTokenTooLarge error = &reasonError{"token_too_large", "jwtauth: token too large", ErrInvalidToken}
	// ErrMalformedToken: not a compact JWS of strict base64url segments, a header
	// or payload that is not a JSON object, or a duplicate, case-variant or
	// escaped member name.
	ErrMalformedToken error = &reasonError{"malformed", "jwtauth: malformed token", ErrInvalidToken}
	// ErrAlgorithm: the "alg" header is missing or differs from the algorithm
	// of the key the "kid" names ("none", HS256 for an RS256 key, ...).
	ErrAlgorithm error = &reasonError{"algorithm", "jwtauth: token algorithm does not match its key", ErrInvalidToken}
	// ErrMissingKID: no "kid" while the key set holds several keys.
	ErrMissingKID error = &reasonError{"missing_kid", "jwtauth: token has no kid and the key set has several keys", ErrInvalidToken}
	// ErrUnknownKID: the "kid" names no key of the set (or a retired one).
	ErrUnknownKID error = &reasonError{"unknown_kid", "jwtauth: token kid names no known key", ErrInvalidToken}
	// ErrCriticalHeader: the header has a "crit" parameter; this package
	// understands no extension.
	ErrCriticalHeader error = &reasonError{"critical_header", "jwtauth: token has a critical header extension", ErrInvalidToken}
	// ErrTokenType: the "typ" header is not an accepted access type (or, for
	// Refresh, not "rt+jwt").
	ErrTokenType error = &reasonError{"wrong_token_type", "jwtauth: wrong token type", ErrInvalidToken}
	// ErrSignature: the signature does not verify.
	ErrSignature error = &reasonError{"bad_signature", "jwtauth: bad token signature", ErrInvalidToken}
	// ErrTokenExpired: a genuine token past "exp" (plus leeway). The only
	// rejection answered with problem code token_expired.
	ErrTokenExpired error = &reasonError{"token_expired", "jwtauth: token expired", ErrInvalidToken}
	// ErrTokenNotYetValid: "nbf" is in the future (beyond leeway).
	ErrTokenNotYetValid error = &reasonError{"not_yet_valid", "jwtauth: token not valid yet", ErrInvalidToken}
	// ErrIssuedInFuture: "iat" is in the future (beyond leeway).
	ErrIssuedInFuture error = &reasonError{"issued_in_future", "jwtauth: token issued in the future", ErrInvalidToken}
	// ErrMissingClaim: "exp" is missing (or, in a refresh token, "jti", "sid"
	// or "sub").
	ErrMissingClaim error = &reasonError{"missing_claim", "jwtauth: token lacks a required claim", ErrInvalidToken}
	// ErrIssuer: "iss" differs from Options.Issuer.
	ErrIssuer error = &reasonError{"issuer", "jwtauth: wrong token issuer", ErrInvalidToken}
	// ErrAudience: "aud" names none of Options.Audience, or names an audience
	// when none is configured.
	ErrAudience error = &reasonError{"audience", "jwtauth: wrong token audience", ErrInvalidToken}
	// ErrClaims: the claims type's Validate method, or Options.Refreshed,
	// refused the token; the cause is wrapped.
	ErrClaims error = &reasonError{"claims", "jwtauth: token claims refused", ErrInvalidToken}
	// ErrTokenRevoked: the Revoker lists the token's jti, session or subject.
	ErrTokenRevoked error = &reasonError{"revoked", "jwtauth: token revoked", ErrInvalidToken}
	// ErrRefreshReuse: a refresh token that was already exchanged was
	// presented again. Its whole family (session) has been revoked. It also
	// satisfies errors.Is(err, ErrTokenRevoked).
	ErrRefreshReuse error = &reasonError{"refresh_reused", "jwtauth: refresh token reused; session revoked", ErrTokenRevoked}
	// ErrSessionRevoked: the token's session (refresh family) was revoked
	// by a logout or a detected reuse. Satisfies errors.Is(err, ErrTokenRevoked).
	ErrSessionRevoked error = &reasonError{"session_revoked", "jwtauth: session revoked", ErrTokenRevoked}
	// ErrUnknownSession: the family store does not know the refresh token's
	// session (it expired or was evicted). Satisfies errors.Is(err, ErrTokenRevoked).
	ErrUnknownSession error = &reasonError{"unknown_session", "jwtauth: unknown session", ErrTokenRevoked}
)

// Authorization and infrastructure rejections.
var (
	// ErrInsufficientScope: the token lacks a scope RequireScopes asks for.
	// 403, error="insufficient_scope". The error returned is a *ScopeError.
	ErrInsufficientScope error = &reasonError{"insufficient_scope", "jwtauth: insufficient scope", nil}
	// ErrForbidden: a Require check refused the token's claims. 403.
	ErrForbidden error = &reasonError{"forbidden", "jwtauth: forbidden", nil}
	// ErrStoreUnavailable: the revocation or family store failed and the
	// policy is to fail closed. 503.
	ErrStoreUnavailable error = &reasonError{"store_unavailable", "jwtauth: token store unavailable", nil}
	// ErrStoreFull: an in-memory store is at its bound and refuses to forget
	// a revocation to make room.
	ErrStoreFull error = &reasonError{"store_full", "jwtauth: token store full", nil}
	// ErrNoSigningKey: Issue was called with a key source that has no active
	// signing key (a verify-only KeySet or a RemoteKeySet).
	ErrNoSigningKey error = &reasonError{"no_signing_key", "jwtauth: no active signing key", nil}
)

// Reason returns the stable snake_case reason of a jwtauth rejection
// ("token_expired", "unknown_kid", ...), as it appears in the "reason"
// detail of audit events; "csrf" for a csrf rejection; "" for other errors.
func Reason(err error) string {
	var re *reasonError
	if errors.As(err, &re) {
		return re.reason
	}
	switch {
	case errors.Is(err, csrf.ErrCSRF):
		return "csrf"
	case errors.Is(err, ErrInvalidToken):
		return "invalid_token"
	}
	return ""
}

// ScopeError is the error RequireScopes reports: the scopes the resource
// requires. It satisfies errors.Is(err, ErrInsufficientScope).
type ScopeError struct {
	Required  []string
	challenge []string // precomputed WWW-Authenticate value
}

func (e *ScopeError) Error() string {
	return "jwtauth: insufficient scope: requires " + strings.Join(e.Required, " ")
}

// Unwrap returns ErrInsufficientScope.
func (e *ScopeError) Unwrap() error { return ErrInsufficientScope }

// Problems, built once.
var (
	problemMissing     = problem.New(http.StatusUnauthorized, "missing_token", "An access token is required.")
	problemBadRequest  = problem.New(http.StatusBadRequest, "invalid_request", "The access token is sent in a malformed way.")
	problemInvalid     = problem.New(http.StatusUnauthorized, "invalid_token", "The access token is invalid.")
	problemExpired     = problem.New(http.StatusUnauthorized, "token_expired", "The access token has expired.")
	problemReused      = problem.New(http.StatusUnauthorized, "refresh_token_reused", "The refresh token was already used; the session has been revoked.")
	problemScope       = problem.New(http.StatusForbidden, "insufficient_scope", "The access token lacks a scope this resource requires.")
	problemForbidden   = problem.New(http.StatusForbidden, "forbidden", "The access token does not grant access to this resource.")
	problemUnavailable = problem.New(http.StatusServiceUnavailable, "auth_unavailable", "Authentication is temporarily unavailable.")
	problemMethod      = problem.New(http.StatusMethodNotAllowed, "method_not_allowed", "Use POST.")
	problemMethodGet   = problem.New(http.StatusMethodNotAllowed, "method_not_allowed", "Use GET or HEAD.")
	problemBody        = problem.New(http.StatusBadRequest, "invalid_request", "The request body must be a JSON object with a refresh_token member.")
)

// challenges are the WWW-Authenticate values of one realm, built in New.
type challenges struct {
	missing, badRequest, invalid, expired []string
	realm                                 string
}

func newChallenges(realm string) challenges {
	base := `Bearer realm="` + realm + `"`
	return challenges{
		realm:      realm,
		missing:    []string{base},
		badRequest: []string{base + `, error="invalid_request"`},
		invalid:    []string{base + `, error="invalid_token", error_description="The access token is invalid"`},
		expired:    []string{base + `, error="invalid_token", error_description="The access token expired"`},
	}
}

// writeScope answers 403 insufficient_scope with the scopes a *ScopeError
// names. It is apart from write so that its errors.As target does not
// cost every other rejection an allocation.
func (c challenges) writeScope(w http.ResponseWriter, err error) {
	var se *ScopeError
	if errors.As(err, &se) {
		if se.challenge != nil {
			w.Header()["Www-Authenticate"] = se.challenge
		} else {
			w.Header()["Www-Authenticate"] = c.scope(se.Required)
		}
	}
	problemScope.Write(w)
}

func (c challenges) scope(required []string) []string {
	return []string{`Bearer realm="` + c.realm + `", error="insufficient_scope", scope="` + strings.Join(required, " ") + `"`}
}

// write sends the default response for err: an RFC 9457 problem with the
// RFC 6750 challenge where one applies. Nothing from the request is echoed.
func (c challenges) write(w http.ResponseWriter, r *http.Request, err error) {
	h := w.Header()
	switch {
	case errors.Is(err, csrf.ErrCSRF):
		csrf.DefaultErrorHandler(w, r, err)
	case errors.Is(err, ErrMissingToken):
		h["Www-Authenticate"] = c.missing
		problemMissing.Write(w)
	case errors.Is(err, ErrInvalidRequest):
		h["Www-Authenticate"] = c.badRequest
		problemBadRequest.Write(w)
	case errors.Is(err, ErrTokenExpired):
		h["Www-Authenticate"] = c.expired
		problemExpired.Write(w)
	case errors.Is(err, ErrRefreshReuse):
		h["Www-Authenticate"] = c.invalid
		problemReused.Write(w)
	case errors.Is(err, ErrInvalidToken):
		h["Www-Authenticate"] = c.invalid
		problemInvalid.Write(w)
	case errors.Is(err, ErrInsufficientScope):
		c.writeScope(w, err)
	case errors.Is(err, ErrForbidden):
		problemForbidden.Write(w)
	default: // store failures and anything unexpected
		problemUnavailable.Write(w)
	}
}
