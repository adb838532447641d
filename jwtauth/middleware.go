package jwtauth

import (
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/csrf"
)

// Handler authenticates every request with an access token and passes the
// verified claims to next in the request context (read them with
// ClaimsFrom). The token is looked for in Options.Sources, in order (by
// default the Authorization header, then the access cookie in cookie
// mode); the first source holding one is used. A request authenticated by
// the cookie with an unsafe method must also pass the CSRF check, bound to
// the token's session.
//
// Rejections go to Options.ErrorHandler after an authn_token_invalid
// event: 401 missing_token (no token), 401 invalid_token or token_expired
// (with WWW-Authenticate: Bearer error="invalid_token"), 400
// invalid_request (two Authorization headers, an empty Bearer credential,
// two cookies of the name), 403 csrf_failed, 503 auth_unavailable (store
// down, failing closed).
func (a *Auth[T]) Handler(next http.Handler) http.Handler {
	return a.handler(next, false)
}

// Optional is Handler for routes that also serve anonymous requests: a
// request without a token passes with no claims in its context; a request
// with a bad token is still rejected.
func (a *Auth[T]) Optional(next http.Handler) http.Handler {
	return a.handler(next, true)
}

func (a *Auth[T]) handler(next http.Handler, optional bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, src, err := a.token(r)
		if err == ErrMissingToken && optional {
			next.ServeHTTP(w, r)
			return
		}
		var c *T
		if err == nil {
			c, err = a.verify(r.Context(), r, tok, kindAccess)
		}
		if err == nil && src == SourceCookie && !csrf.IsSafeMethod(r.Method) {
			err = a.cookie.csrf.Verify(r, baseOf(c).SessionID)
		}
		if err != nil {
			a.recordInvalid(r.Context(), r, err, false)
			a.errorHandler(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(withClaims(r.Context(), c)))
	})
}

// token finds the access token of r in the configured sources.
func (a *Auth[T]) token(r *http.Request) (string, Source, error) {
	for _, s := range a.sources {
		switch s {
		case SourceHeader:
			tok, ok, err := bearer(r.Header["Authorization"])
			if err != nil || ok {
				return tok, s, err
			}
		case SourceCookie:
			tok, ok, err := cookieValue(r.Header, a.cookie.accessName)
			if err != nil || ok {
				return tok, s, err
			}
		}
	}
	return "", 0, ErrMissingToken
}

// bearer extracts the token of an "Authorization: Bearer <token>" header
// (RFC 6750, section 2.1; the scheme is case-insensitive). Another scheme
// is not a bearer token (ok false); two headers or an empty credential are
// malformed.
func bearer(values []string) (tok string, ok bool, err error) {
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
	default:
		return "", false, ErrInvalidRequest
	}
	v := values[0]
	const scheme = "bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false, nil
	}
	rest := v[len(scheme):]
	if rest != "" && rest[0] != ' ' {
		return "", false, nil // "Bearerx": another scheme
	}
	tok = strings.Trim(rest, " ")
	if tok == "" {
		return "", false, ErrInvalidRequest
	}
	return tok, true, nil
}
