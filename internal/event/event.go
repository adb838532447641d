// Package event builds audit events about requests for Gatehouse packages.
//
// It joins the two leaf packages: audit (which cannot know which proxies to
// trust) and clientip (which does).
package event

import (
	"context"
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
)

// New starts an event about r from the named package, with the client
// address as clientip resolves it.
func New(r *http.Request, source string, t audit.Type, sev audit.Severity, outcome audit.Outcome) audit.Event {
	e := audit.FromRequest(r, t, sev)
	e.ClientIP = clientip.From(r)
	e.Source = source
	e.Outcome = outcome
	return e
}

// Record sends e to rec when rec is not nil.
func Record(ctx context.Context, rec audit.Recorder, e audit.Event) {
	if rec != nil {
		rec.Record(ctx, e)
	}
}
