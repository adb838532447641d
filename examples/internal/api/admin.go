package api

import (
	"net/http"
	"strconv"

	"github.com/gatehouse-go/gatehouse/audit"
)

// SecurityEvents handles GET /api/admin/security-events?limit=N: the most
// recent security events, newest first (limit 1 to 1000, default 100).
// Mount it behind an admin-only check.
func (a *App) SecurityEvents(w http.ResponseWriter, r *http.Request) {
	f := audit.Filter{}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > audit.MaxLimit {
			ErrInvalidParameter.Write(w)
			return
		}
		f.Limit = n
	}
	if a.Log == nil {
		ErrNotFound.Write(w)
		return
	}
	events, err := a.Log.Query(r.Context(), f)
	if err != nil {
		a.fail(w, r, ErrUnavailable, "querying security events failed", err)
		return
	}
	if events == nil {
		events = []audit.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}
