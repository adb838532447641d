package prommetrics_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/prommetrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Count security events and requests, and serve them on a separate
// listener's handler.
func Example() {
	reg := prometheus.NewRegistry()
	events, err := prommetrics.NewRecorder(reg, prommetrics.RecorderOptions{})
	if err != nil {
		panic(err)
	}
	requests, err := prommetrics.NewMiddleware(reg, prommetrics.MiddlewareOptions{})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/auth/login", func(w http.ResponseWriter, r *http.Request) {
		e := audit.FromRequest(r, audit.AuthnLoginFail, audit.SeverityWarn)
		e.Outcome = audit.OutcomeFailure
		events.Record(r.Context(), e) // normally passed as a package's Audit recorder
		w.WriteHeader(http.StatusUnauthorized)
	})
	api := requests.Handler(prommetrics.CaptureRoute(mux))
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/auth/login", nil))

	// In a real server: a separate, private listener.
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	rec := httptest.NewRecorder()
	metrics.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "gatehouse_security_events_total") || strings.HasPrefix(line, "gatehouse_http_requests_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// gatehouse_http_requests_total{code="4xx",method="POST",route="POST /api/auth/login"} 1
	// gatehouse_security_events_total{outcome="failure",severity="warn",type="authn_login_fail"} 1
}
