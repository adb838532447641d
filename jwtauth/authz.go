package jwtauth

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
)

// RequireScopes returns middleware, to place after Handler, that lets a
// request through only when its token's scope claim holds every one of
// scopes. Otherwise it answers 403 with problem code insufficient_scope
// and "WWW-Authenticate: Bearer realm=..., error="insufficient_scope",
// scope="..."" (RFC 6750, section 3.1), after an authz_fail event. A
// request without verified claims gets 401 missing_token.
//
// Scopes must be RFC 6749 scope tokens (printable ASCII without spaces,
// quotes or backslashes); anything else is an error.
func (a *Auth[T]) RequireScopes(scopes ...string) (func(http.Handler) http.Handler, error) {
	if len(scopes) == 0 {
		return nil, errors.New("jwtauth: RequireScopes needs at least one scope")
	}
	for _, s := range scopes {
		if s == "" || !scopeToken(s) {
			return nil, errors.New("jwtauth: scopes must be RFC 6749 scope tokens")
		}
	}
	se := &ScopeError{Required: append([]string(nil), scopes...)}
	se.challenge = a.challenges.scope(se.Required)
	return a.require("insufficient_scope", se, func(c *T) bool {
		b := baseOf(c)
		for _, s := range se.Required {
			if !b.HasScope(s) {
				return false
			}
		}
		return true
	}), nil
}

// Require returns middleware, to place after Handler, that lets a request
// through only when allow returns true for its token's claims; otherwise it
// answers 403 with problem code forbidden, after an authz_fail event whose
// "rule" detail is name (a fixed label such as "role=admin"). A request
// without verified claims gets 401 missing_token.
//
//	admins := auth.Require("role=admin", func(c *AppClaims) bool { return c.Role == "admin" })
func (a *Auth[T]) Require(name string, allow func(*T) bool) func(http.Handler) http.Handler {
	return a.require(name, ErrForbidden, allow)
}

func (a *Auth[T]) require(rule string, deny error, allow func(*T) bool) func(http.Handler) http.Handler {
	rule = audit.Clean(rule, 64)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := ClaimsFrom[T](r.Context())
			if !ok {
				a.recordInvalid(r.Context(), r, ErrMissingToken, false)
				a.errorHandler(w, r, ErrMissingToken)
				return
			}
			if !allow(c) {
				if a.audit != nil {
					e := a.event(r.Context(), r, audit.AuthzFail, audit.SeverityWarn, audit.OutcomeBlocked)
					e.Actor = audit.Clean(baseOf(c).Subject, 128)
					e.Description = "token lacks a required grant"
					e.Details = map[string]string{"reason": Reason(deny), "rule": rule}
					a.audit.Record(r.Context(), e)
				}
				a.errorHandler(w, r, deny)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// scopeToken reports whether s is an RFC 6749 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func scopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
