// Package api holds the HTTP handlers of the example server: accounts,
// tokens, API keys, the agent chat and the admin view of security events.
//
// Handlers get their dependencies from an App and do only the
// application's work; everything that protects them (headers, CORS, request
// hygiene, rate limits, authentication) is middleware that the server wires
// around them:
//
//	app := &api.App{Users: store, Auth: auth, Keys: keys, ...}
//	rt := api.NewRouter()
//	rt.Handle("POST /api/auth/register", registerLimit.Handler(http.HandlerFunc(app.Register)))
//	rt.Handle("GET /api/auth/profile", auth.Handler(http.HandlerFunc(app.Profile)))
//	handler := rt.Mux()
//
// Every response is JSON; every error is an RFC 9457 problem document with
// a stable code.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/sanitize"

	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// Claims are the claims of the server's access tokens: Gatehouse's claims
// and the user's role.
type Claims struct {
	jwtauth.Claims
	Role string `json:"role,omitempty"`
}

// Validate refuses a token whose role is not one of the known roles, so
// that no code path ever meets an unexpected role.
func (c *Claims) Validate() error {
	if _, err := users.ParseRole(c.Role); err != nil {
		return errors.New("api: unknown role")
	}
	return nil
}

// Check is a health check of one backing store.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// App holds what the handlers need. Every field but Log and Checks is
// required; an App is safe for concurrent use once built.
type App struct {
	Users   users.Store
	Auth    *jwtauth.Auth[Claims]
	Keys    *apikey.Manager
	Hasher  *password.Hasher
	Policy  *password.Policy
	Tracker *password.Tracker
	// Events receives the application's own audit events (user_created).
	Events audit.Recorder
	// Log answers the admin view of security events.
	Log audit.Querier
	// Checks are run by Health.
	Checks []Check
	// KeyScopes are the scopes an API key may be granted.
	KeyScopes []string
	// Logger receives failures that the client sees only as a 5xx.
	Logger *slog.Logger
}

// SubjectOf returns the user a request acts for: the subject of its access
// token, or the owner of its API key, so that a user's keys share the
// user's limits (creating more keys buys no more requests). It is a
// ratelimit.ContextFunc.
func SubjectOf(ctx context.Context) (string, bool) {
	if c, ok := jwtauth.ClaimsFrom[Claims](ctx); ok && c.Subject != "" {
		return c.Subject, true
	}
	if k, ok := apikey.FromContext(ctx); ok && k.Owner != "" {
		return k.Owner, true
	}
	return "", false
}

// RoleOf returns the role a request acts with, for rate-limit tiers: the
// access token's role claim. Requests authenticated by an API key get the
// "user" tier, the most restrictive.
func RoleOf(ctx context.Context) (string, bool) {
	if c, ok := jwtauth.ClaimsFrom[Claims](ctx); ok {
		return c.Role, true
	}
	if _, ok := apikey.FromContext(ctx); ok {
		return string(users.RoleUser), true
	}
	return "", false
}

// IsAdmin is the rule of the admin endpoints, for jwtauth's Require.
func IsAdmin(c *Claims) bool { return c.Role == string(users.RoleAdmin) }

// JWTOrAPIKey sends requests that carry an API key to byKey and all others
// to byJWT. A request carries an API key when it has an X-API-Key header or
// a Bearer credential without a dot: JWTs always have two, API keys never.
// Either handler then refuses what it cannot verify, so nothing gets
// through without one of the two checks.
func JWTOrAPIKey(byJWT, byKey http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["X-Api-Key"]; ok || bearerWithoutDot(r.Header) {
			byKey.ServeHTTP(w, r)
			return
		}
		byJWT.ServeHTTP(w, r)
	})
}

func bearerWithoutDot(h http.Header) bool {
	for _, v := range h["Authorization"] {
		if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") && !strings.Contains(v[7:], ".") {
			return true
		}
	}
	return false
}

// decode reads the request's JSON body into v: one object, no member that
// v does not have (so that {"role":"admin"} is refused rather than
// ignored), nothing after it. The sanitize middleware has already bounded
// and checked the body; decode answers the client itself and reports
// whether it may go on.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := sanitize.Body(r)
	if !ok {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, 1<<20)); err != nil {
			ErrInvalidBody.Write(w)
			return false
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	switch {
	case err == nil:
		return true
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		ErrUnknownField.Write(w)
	default:
		ErrInvalidBody.Write(w)
	}
	return false
}

// record emits an audit event about r.
func (a *App) record(r *http.Request, t audit.Type, sev audit.Severity, outcome audit.Outcome, actor, desc string) {
	if a.Events == nil {
		return
	}
	e := audit.FromRequest(r, t, sev)
	e.ClientIP = clientip.From(r)
	e.Outcome, e.Actor, e.Description, e.Source = outcome, actor, desc, "api"
	a.Events.Record(r.Context(), e)
}

// fail logs an unexpected error (never shown to the client) and answers p.
func (a *App) fail(w http.ResponseWriter, r *http.Request, p Problem, msg string, err error) {
	if a.Logger != nil {
		a.Logger.LogAttrs(r.Context(), slog.LevelError, msg, slog.String("error", err.Error()),
			slog.String("request_id", audit.RequestIDFrom(r.Context())))
	}
	p.Write(w)
}

// timeJSON is a time for responses: RFC 3339 in UTC, omitted when zero.
func timeJSON(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
