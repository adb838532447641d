package jwtauth

import (
	"context"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims every Gatehouse token carries: the registered
// claims of RFC 7519 (iss, sub, aud, exp, nbf, iat, jti), the session id
// shared by all tokens of one login (sid), the time of that login
// (auth_time) and the granted scopes (scope, space-separated as in RFC 9068
// and RFC 8693).
//
// Applications add their own claims by embedding Claims in a struct:
//
//	type AppClaims struct {
//		jwtauth.Claims
//		Role string `json:"role,omitempty"`
//	}
//
// and use that type as the type parameter of Options and ClaimsFrom. A
// claims type may implement Validate() error (golang-jwt's
// ClaimsValidator) to refuse tokens on its own rules; the error makes the
// token invalid (reason "claims").
type Claims struct {
	jwt.RegisteredClaims
	// SessionID identifies the login session: the refresh-token family and
	// every access token issued from it. CSRF tokens are bound to it.
	SessionID string `json:"sid,omitempty"`
	// AuthTime is when the user authenticated (OpenID Connect's auth_time);
	// it bounds the session's total lifetime across refreshes.
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
	// Scope is the space-separated list of granted scopes.
	Scope string `json:"scope,omitempty"`
}

// claimer is implemented by *Claims and by every struct embedding Claims.
type claimer interface{ base() *Claims }

func (c *Claims) base() *Claims { return c }

// HasScope reports whether the space-separated Scope holds s.
func (c *Claims) HasScope(s string) bool {
	if s == "" {
		return false
	}
	scope := c.Scope
	for scope != "" {
		var item string
		item, scope, _ = strings.Cut(scope, " ")
		if item == s {
			return true
		}
	}
	return false
}

// Scopes returns the granted scopes as a slice.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// ctxKey keys the verified claims in a request context.
type ctxKey struct{}

// withClaims stores verified claims (a *T) in ctx.
func withClaims(ctx context.Context, claims any) context.Context {
	return context.WithValue(ctx, ctxKey{}, claims)
}

// ClaimsFrom returns the claims of the access token that the middleware
// verified for this request, and false when there are none (no middleware,
// an optional route without a token, or another claims type). T is the
// type parameter of the Options the middleware was built with.
//
// The claims are shared with other readers of the request: treat them as
// read-only.
func ClaimsFrom[T any](ctx context.Context) (*T, bool) {
	c, ok := ctx.Value(ctxKey{}).(*T)
	return c, ok && c != nil
}

// baseOf returns the embedded Claims of a claims value.
func baseOf[T any](c *T) *Claims {
	return any(c).(claimer).base()
}
