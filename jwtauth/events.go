package jwtauth

import (
	"context"
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

const source = "jwtauth"

// event starts an audit event, about r when there is one.
func (a *Auth[T]) event(ctx context.Context, r *http.Request, t audit.Type, sev audit.Severity, outcome audit.Outcome) audit.Event {
	if r != nil {
		return event.New(r, source, t, sev, outcome)
	}
	return audit.Event{
		Time: a.now(), Type: t, Severity: sev, Outcome: outcome, Source: source,
		RequestID: audit.RequestIDFrom(ctx),
	}
}

// recordInvalid records a refused token: the reason, never the token.
func (a *Auth[T]) recordInvalid(ctx context.Context, r *http.Request, err error, refresh bool) {
	if a.audit == nil || err == ErrStoreUnavailable {
		return // store failures are recorded where they happen
	}
	reason := Reason(err)
	if reason == "csrf" {
		return // the csrf package records its own malicious_csrf event
	}
	sev, outcome := audit.SeverityWarn, audit.OutcomeFailure
	if err == ErrMissingToken {
		sev = audit.SeverityInfo
	}
	e := a.event(ctx, r, audit.AuthnTokenInvalid, sev, outcome)
	e.Description = "token refused"
	kind := "access"
	if refresh {
		kind = "refresh"
	}
	e.Details = map[string]string{"reason": reason, "token": kind}
	a.audit.Record(ctx, e)
}

// storeError records a failing store.
func (a *Auth[T]) storeError(ctx context.Context, r *http.Request, store string, err error) {
	if a.audit == nil {
		return
	}
	outcome := audit.OutcomeBlocked
	if a.failOpen && store == "revoker" {
		outcome = audit.OutcomeAllowed
	}
	e := a.event(ctx, r, audit.SysStoreError, audit.SeverityCritical, outcome)
	e.Description = "token store failed"
	e.Details = map[string]string{"store": store, "error": audit.Clean(err.Error(), 200)}
	a.audit.Record(ctx, e)
}

// recordToken records a token lifecycle event about a subject's session.
func (a *Auth[T]) recordToken(ctx context.Context, r *http.Request, t audit.Type, sev audit.Severity, outcome audit.Outcome, b *Claims, desc string) {
	if a.audit == nil {
		return
	}
	e := a.event(ctx, r, t, sev, outcome)
	e.Actor = audit.Clean(b.Subject, 128)
	e.Description = desc
	e.Details = map[string]string{}
	if b.SessionID != "" {
		e.Details["session"] = audit.Fingerprint(b.SessionID)
	}
	if b.ID != "" {
		e.Details["jti"] = audit.Fingerprint(b.ID)
	}
	a.audit.Record(ctx, e)
}
