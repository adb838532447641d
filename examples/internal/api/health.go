package api

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout bounds all the checks of one health request together.
const healthTimeout = 2 * time.Second

// Health handles GET /healthz: 200 {"status":"ok"} when every store
// answers, otherwise 503 with a problem naming the stores that did not
// (never their errors, which may hold addresses).
func (a *App) Health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	checks := make(map[string]string, len(a.Checks))
	healthy := true
	for _, c := range a.Checks {
		if err := c.Ping(ctx); err != nil {
			checks[c.Name] = "unavailable"
			healthy = false
			if a.Logger != nil {
				a.Logger.Warn("health check failed", "store", c.Name, "error", err)
			}
			continue
		}
		checks[c.Name] = "ok"
	}
	if !healthy {
		errUnhealthy.WriteWith(w, map[string]any{"checks": checks})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "checks": checks})
}

var errUnhealthy = Problem{http.StatusServiceUnavailable, "unhealthy", "A store the service depends on does not answer."}
