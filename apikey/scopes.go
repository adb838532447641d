package apikey

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// scopeError is ErrInsufficientScope with the challenge naming the scopes
// a route needs, built once per RequireScopes.
type scopeError struct {
	challenge []string // WWW-Authenticate value, Bearer only
}

func (e *scopeError) Error() string { return ErrInsufficientScope.Error() }
func (e *scopeError) Unwrap() error { return ErrInsufficientScope }

// RequireScopes returns middleware, placed after Handler, that lets through
// only requests whose key has every one of scopes (compared exactly). Others
// get the ErrorHandler's response for ErrInsufficientScope (by default 403
// "insufficient_scope", with a Bearer challenge carrying
// error="insufficient_scope" and the scopes when SourceBearer is configured,
// RFC 6750 section 3.1) and an authz_fail audit event. A request that did
// not pass through Handler is refused as ErrMissing: the route is
// misconfigured, and it fails closed.
//
// A scope that is not a valid scope token (ValidScope) can never be granted
// by the Manager, so a route requiring one refuses every request.
func (a *Authenticator) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	need := append([]string(nil), scopes...)
	se := &scopeError{}
	if a.bearer {
		c := `Bearer realm="` + a.realm + `", error="insufficient_scope"`
		valid := len(need) > 0
		for _, s := range need {
			valid = valid && ValidScope(s)
		}
		if valid {
			c += `, scope="` + strings.Join(need, " ") + `"`
		}
		se.challenge = []string{c}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k := keyFrom(r.Context())
			if k == nil {
				a.reject(w, r, ErrMissing, nil)
				return
			}
			if !k.HasScopes(need...) {
				if a.audit != nil {
					e := event.New(r, "apikey", audit.AuthzFail, audit.SeverityWarn, audit.OutcomeBlocked)
					e.Actor = k.Actor()
					e.Details = map[string]string{"reason": "insufficient_scope", "key_id": k.ID, "prefix": k.Prefix}
					a.audit.Record(r.Context(), e)
				}
				a.onError(w, r, se)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireScopes is Authenticator.RequireScopes for code without the
// Authenticator at hand: the same check, answered with the default 403
// problem and no WWW-Authenticate challenge, and no audit event. Prefer the
// method.
func RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	a := &Authenticator{realm: "api", missing: []string{`APIKey realm="api"`}}
	a.onError = a.WriteError
	return a.RequireScopes(scopes...)
}

// HasScopes reports whether the request's key (see FromContext) has every
// one of scopes; false when no key authenticated the request.
func HasScopes(ctx context.Context, scopes ...string) bool {
	k := keyFrom(ctx)
	return k != nil && k.HasScopes(scopes...)
}
