// Package audit records security events: logins, token and key use,
// authorization failures, rate limiting, rejected and malicious input.
//
// Events are named after the OWASP Logging Vocabulary
// (https://cheatsheetseries.owasp.org/cheatsheets/Logging_Vocabulary_Cheat_Sheet.html),
// so that a SIEM rule written for "authn_login_fail" works on Gatehouse logs.
// Every Gatehouse package takes an optional Recorder in its Options and emits
// events through it; nil means no events.
//
// Recorders compose:
//
//	sink := audit.NewSlog(slog.New(slog.NewJSONHandler(os.Stdout, nil)))
//	ring := audit.NewMemory(1000)                   // for an admin view
//	rec := audit.NewAsync(audit.Multi(sink, ring), audit.AsyncOptions{})
//	defer rec.Close(context.Background())           // drains the queue
//	limiter, _ := ratelimit.New(ratelimit.Options{Audit: rec, ...})
//
// Packages call Record on the request path, so a Recorder must not block:
// wrap slow sinks (files, databases, networks) in an Async recorder, which
// queues without blocking and counts what it has to drop.
//
// Secrets never enter an event: tokens, keys and passwords appear only as
// the fingerprints and placeholders of the redaction helpers (Fingerprint,
// Redact, RedactHeader). Control characters in event fields are neutralised
// by Clean, so a crafted User-Agent or path cannot forge log lines.
package audit

import (
	"context"
	"net/netip"
	"time"
)

// Type names a kind of security event, in the OWASP Logging Vocabulary where
// it has a name, and in the same style where Gatehouse adds one.
type Type string

// Event types of the OWASP Logging Vocabulary used by Gatehouse.
const (
	AuthnLoginSuccess          Type = "authn_login_success"
	AuthnLoginSuccessAfterFail Type = "authn_login_successafterfail"
	AuthnLoginFail             Type = "authn_login_fail"
	AuthnLoginFailMax          Type = "authn_login_fail_max"
	AuthnLoginLock             Type = "authn_login_lock"
	AuthnPasswordChange        Type = "authn_password_change"
	AuthnPasswordChangeFail    Type = "authn_password_change_fail"
	AuthnTokenCreated          Type = "authn_token_created"
	AuthnTokenRevoked          Type = "authn_token_revoked"
	AuthnTokenReuse            Type = "authn_token_reuse"
	AuthnTokenDelete           Type = "authn_token_delete"
	AuthzFail                  Type = "authz_fail"
	AuthzChange                Type = "authz_change"
	AuthzAdmin                 Type = "authz_admin"
	ExcessRateLimitExceeded    Type = "excess_rate_limit_exceeded"
	InputValidationFail        Type = "input_validation_fail"
	MaliciousExcess404         Type = "malicious_excess_404"
	MaliciousExtraneous        Type = "malicious_extraneous"
	MaliciousAttackTool        Type = "malicious_attack_tool"
	MaliciousCORS              Type = "malicious_cors"
	MaliciousDirectReference   Type = "malicious_direct_reference"
	PrivilegeChanged           Type = "privilege_permissions_changed"
	SessionCreated             Type = "session_created"
	SessionExpired             Type = "session_expired"
	SysStartup                 Type = "sys_startup"
	SysShutdown                Type = "sys_shutdown"
	UploadValidation           Type = "upload_validation"
	UserCreated                Type = "user_created"
	UserUpdated                Type = "user_updated"
	UserDeleted                Type = "user_deleted"
)

// Event types Gatehouse adds in the vocabulary's style.
const (
	AuthnTokenRefreshed       Type = "authn_token_refreshed"       // a refresh token was exchanged
	AuthnTokenInvalid         Type = "authn_token_invalid"         // a token was refused (reason in Details)
	AuthnAPIKeyCreated        Type = "authn_apikey_created"        // an API key was issued
	AuthnAPIKeyUsed           Type = "authn_apikey_used"           // an API key authenticated a request
	AuthnAPIKeyRejected       Type = "authn_apikey_rejected"       // an API key was refused (reason in Details)
	AuthnAPIKeyRevoked        Type = "authn_apikey_revoked"        // an API key was revoked
	AuthnLoginSuspicious      Type = "authn_login_suspicious"      // a failure threshold was crossed
	MaliciousCSRF             Type = "malicious_csrf"              // a cross-site request forgery was refused
	MaliciousXSS              Type = "malicious_xss"               // input looks like cross-site scripting
	MaliciousSQLi             Type = "malicious_sqli"              // input looks like SQL injection
	MaliciousPathTraversal    Type = "malicious_path_traversal"    // input looks like path traversal
	MaliciousCommandInjection Type = "malicious_command_injection" // input looks like OS command injection
	SysStoreError             Type = "sys_store_error"             // a storage backend failed (policy in Outcome)
)

// KnownTypes returns every event type this package defines, in a new slice.
// Metrics use it to keep label values to a fixed set.
func KnownTypes() []Type {
	return []Type{
		AuthnLoginSuccess, AuthnLoginSuccessAfterFail, AuthnLoginFail, AuthnLoginFailMax, AuthnLoginLock,
		AuthnPasswordChange, AuthnPasswordChangeFail, AuthnTokenCreated, AuthnTokenRevoked, AuthnTokenReuse,
		AuthnTokenDelete, AuthzFail, AuthzChange, AuthzAdmin, ExcessRateLimitExceeded, InputValidationFail,
		MaliciousExcess404, MaliciousExtraneous, MaliciousAttackTool, MaliciousCORS, MaliciousDirectReference,
		PrivilegeChanged, SessionCreated, SessionExpired, SysStartup, SysShutdown, UploadValidation,
		UserCreated, UserUpdated, UserDeleted,
		AuthnTokenRefreshed, AuthnTokenInvalid, AuthnAPIKeyCreated, AuthnAPIKeyUsed, AuthnAPIKeyRejected,
		AuthnAPIKeyRevoked, AuthnLoginSuspicious, MaliciousCSRF, MaliciousXSS, MaliciousSQLi,
		MaliciousPathTraversal, MaliciousCommandInjection, SysStoreError,
	}
}

// KnownOutcomes returns every Outcome this package defines, in a new slice.
func KnownOutcomes() []Outcome {
	return []Outcome{OutcomeSuccess, OutcomeFailure, OutcomeBlocked, OutcomeAllowed}
}

// Severity ranks an event. The zero value is SeverityInfo.
type Severity uint8

// Severities, as the OWASP vocabulary uses them.
const (
	SeverityInfo     Severity = iota // expected activity: a login, a token issued
	SeverityWarn                     // a failure that may be an attack: a bad password, a rate limit
	SeverityCritical                 // an attack or a loss of protection: token reuse, a store down
)

var severityNames = [...]string{"info", "warn", "critical"}

// String returns "info", "warn" or "critical".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "critical"
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a severity name. Unknown names are critical, so a
// corrupted record is never under-ranked.
func (s *Severity) UnmarshalText(b []byte) error {
	*s = ParseSeverity(string(b))
	return nil
}

// ParseSeverity returns the severity named s; unknown names are critical.
func ParseSeverity(s string) Severity {
	for i, n := range severityNames {
		if n == s {
			return Severity(i)
		}
	}
	return SeverityCritical
}

// Outcome says what became of the request or operation the event is about.
// The set is closed so that metrics keyed on it stay bounded.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success" // the operation succeeded
	OutcomeFailure Outcome = "failure" // the operation failed (bad password, invalid token)
	OutcomeBlocked Outcome = "blocked" // the request was refused by a security control
	OutcomeAllowed Outcome = "allowed" // let through despite the event (log-only detection, fail-open)
)

// Event is one security event. Build it with FromRequest when there is a
// request, set what the package knows, and hand it to a Recorder by value.
//
// No field may hold a secret: use Fingerprint or RedactHeader.
type Event struct {
	Time        time.Time         `json:"time"`
	Type        Type              `json:"type"`
	Severity    Severity          `json:"severity"`
	Outcome     Outcome           `json:"outcome,omitempty"`
	Actor       string            `json:"actor,omitempty"` // who: a user id, "apikey:<id>", empty when unknown
	ClientIP    netip.Addr        `json:"client_ip,omitzero"`
	UserAgent   string            `json:"user_agent,omitempty"`
	RequestID   string            `json:"request_id,omitempty"`
	Method      string            `json:"method,omitempty"`
	Path        string            `json:"path,omitempty"`
	Description string            `json:"description,omitempty"` // a fixed human text, never raw input
	Source      string            `json:"source,omitempty"`      // the emitting package: "ratelimit", "jwtauth", ...
	Details     map[string]string `json:"details,omitempty"`     // small, non-secret facts: reason, limit, key id
}

// Recorder receives security events.
//
// Record is called on the request path and must return quickly and never
// block: sinks that do I/O belong behind NewAsync. Implementations must be
// safe for concurrent use. Record has no error result: a recorder handles its
// own failures (Async counts drops, SQL sinks count write errors).
type Recorder interface {
	Record(ctx context.Context, e Event)
}

// RecorderFunc adapts a function to the Recorder interface.
type RecorderFunc func(ctx context.Context, e Event)

// Record calls f(ctx, e).
func (f RecorderFunc) Record(ctx context.Context, e Event) { f(ctx, e) }

// Filter selects events in a Querier. The zero value selects the most recent
// DefaultLimit events of any kind.
type Filter struct {
	Types       []Type    // only these types; empty means all
	MinSeverity Severity  // only events at least this severe
	Actor       string    // only this actor; empty means all
	Since       time.Time // only events at or after this time; zero means all
	Limit       int       // at most this many, newest first; 0 means DefaultLimit, capped at MaxLimit
}

// Query limits.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// EffectiveLimit returns f.Limit bounded to [1, MaxLimit], DefaultLimit when
// unset.
func (f Filter) EffectiveLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Match reports whether e passes the filter (Limit aside).
func (f Filter) Match(e *Event) bool {
	if e.Severity < f.MinSeverity {
		return false
	}
	if f.Actor != "" && e.Actor != f.Actor {
		return false
	}
	if !f.Since.IsZero() && e.Time.Before(f.Since) {
		return false
	}
	if len(f.Types) == 0 {
		return true
	}
	for _, t := range f.Types {
		if t == e.Type {
			return true
		}
	}
	return false
}

// Querier returns recorded events, newest first. The in-memory ring buffer
// and the PostgreSQL recorder of the sqlstore module implement it.
type Querier interface {
	Query(ctx context.Context, f Filter) ([]Event, error)
}

// Multi returns a Recorder that hands each event to every non-nil recorder,
// in order. With no recorders it discards events.
func Multi(recorders ...Recorder) Recorder {
	var rs multi
	for _, r := range recorders {
		if r != nil {
			rs = append(rs, r)
		}
	}
	return rs
}

type multi []Recorder

func (m multi) Record(ctx context.Context, e Event) {
	for _, r := range m {
		r.Record(ctx, e)
	}
}

// Nop is a Recorder that drops every event.
type Nop struct{}

// Record does nothing.
func (Nop) Record(context.Context, Event) {}
