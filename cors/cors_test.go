package cors

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

// discardWriter is a ResponseWriter whose header map is reused, so that the
// only allocations measured are the middleware's own.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) reset()                      { clear(w.h); w.status = 0 }

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func request(method, origin string, kv ...string) *http.Request {
	r := httptest.NewRequest(method, "http://api.example.com/v1", nil)
	if origin != "" {
		r.Header["Origin"] = []string{origin}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header[kv[i]] = append(r.Header[kv[i]], kv[i+1])
	}
	return r
}

func TestEveryPathAllocatesNothing(t *testing.T) {
	c, err := New(Options{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.org"},
		AllowedMethods:   []string{"GET", "POST", "PUT"},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: true,
		MaxAge:           600,
	})
	require.NoError(t, err)
	h := c.Handler(noop)
	cases := map[string]*http.Request{
		"actual allowed":                request("GET", "https://app.example.com"),
		"actual allowed by a pattern":   request("GET", "https://a.example.org"),
		"actual allowed, not canonical": request("GET", "HTTPS://APP.example.com:443"),
		"actual denied":                 request("GET", "https://evil.example"),
		"actual malformed origin":       request("GET", "https://evil.example/x"),
		"actual without origin":         request("GET", ""),
		"preflight allowed":             request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "Content-Type,authorization,X-REQUEST-ID"),
		"preflight denied origin":       request("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "PUT"),
		"preflight denied header":       request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-nope"),
		"preflight adversarial ACRH":    request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", strings.Repeat(",", 1000)),
		"actual megabyte origin":        request("GET", "https://"+strings.Repeat("A", 1<<20)),
		"preflight megabyte method":     request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", strings.Repeat("P", 1<<20)),
		"preflight megabyte ACRH":       request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", strings.Repeat("content-type,", 80000)),
	}
	w := &discardWriter{h: make(http.Header, 16)}
	for name, r := range cases {
		allocs := testing.AllocsPerRun(100, func() {
			w.reset()
			h.ServeHTTP(w, r)
		})
		require.Zero(t, allocs, name)
	}
}

func TestRejectedPreflightResponse(t *testing.T) {
	t.Parallel()
	c, err := New(Options{AllowedOrigins: []string{"https://app.example.com"}})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	c.Handler(noop).ServeHTTP(w, request("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "GET"))
	require.Equal(t, http.StatusForbidden, w.Code)
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	body, _ := io.ReadAll(w.Body)
	require.Contains(t, string(body), `"code":"cors_preflight_rejected"`)
	require.NotContains(t, string(body), "evil.example", "request input is never echoed")
	for k := range w.Header() {
		require.False(t, strings.HasPrefix(k, "Access-Control-"), k)
	}
}

func TestErrorHandlerReceivesTheReason(t *testing.T) {
	t.Parallel()
	var got error
	c, err := New(Options{
		AllowedOrigins: []string{"https://app.example.com"},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusTeapot)
		},
	})
	require.NoError(t, err)
	cases := []struct {
		name string
		r    *http.Request
		want error
	}{
		{"a missing origin is reported", request("OPTIONS", "", "Access-Control-Request-Method", "GET"), ErrOriginMissing},
		{"a malformed origin is reported", request("OPTIONS", "https://a@app.example.com", "Access-Control-Request-Method", "GET"), ErrOriginInvalid},
		{"a disallowed origin is reported", request("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "GET"), ErrOriginNotAllowed},
		{"the null origin is reported", request("OPTIONS", "null", "Access-Control-Request-Method", "GET"), ErrNullOrigin},
		{"a disallowed method is reported", request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "PATCH"), ErrMethodNotAllowed},
		{"a disallowed header is reported", request("OPTIONS", "https://app.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-nope"), ErrHeadersNotAllowed},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		c.Handler(noop).ServeHTTP(w, tc.r)
		require.Equal(t, http.StatusTeapot, w.Code, tc.name)
		require.ErrorIs(t, got, tc.want, tc.name)
		require.ErrorIs(t, got, ErrRejected, tc.name)
		require.NotEmpty(t, Reason(got), tc.name)
	}
	require.Equal(t, "headers_not_allowed", Reason(ErrHeadersNotAllowed))
	require.Equal(t, "cors_rejected", Reason(ErrRejected))
	require.Equal(t, "", Reason(errors.New("other")))
}

func TestAuditEvents(t *testing.T) {
	t.Parallel()
	mem := audit.NewMemory(16)
	c, err := New(Options{AllowedOrigins: []string{"https://app.example.com"}, Audit: mem})
	require.NoError(t, err)
	h := c.Handler(noop)
	serve := func(r *http.Request) { h.ServeHTTP(httptest.NewRecorder(), r) }

	serve(request("GET", "https://app.example.com"))
	serve(request("GET", ""))
	sameSite := request("POST", "http://api.example.com")
	serve(sameSite)
	fetchSite := request("POST", "https://other.example", "Sec-Fetch-Site", "same-origin")
	serve(fetchSite)
	events := mem.Events()
	require.Empty(t, events, "allowed, origin-less and same-origin requests are not recorded")

	serve(request("GET", "https://evil.example\r\nX: y"))
	serve(request("OPTIONS", "https://evil.example", "Access-Control-Request-Method", "DELETE"))
	events = mem.Events()
	require.Len(t, events, 2)
	byOutcome := map[audit.Outcome]audit.Event{}
	for _, e := range events {
		require.Equal(t, audit.MaliciousCORS, e.Type)
		require.Equal(t, audit.SeverityWarn, e.Severity)
		require.Equal(t, "cors", e.Source)
		byOutcome[e.Outcome] = e
	}
	actual := byOutcome[audit.OutcomeAllowed]
	require.Equal(t, "origin_invalid", actual.Details["reason"])
	require.NotContains(t, actual.Details["origin"], "\r")
	pre := byOutcome[audit.OutcomeBlocked]
	require.Equal(t, "origin_not_allowed", pre.Details["reason"])
	require.Equal(t, "https://evil.example", pre.Details["origin"])
	require.Equal(t, "DELETE", pre.Details["request_method"])
}

func TestAuditRecorderSeesTheRequestContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	var seen any
	rec := audit.RecorderFunc(func(ctx context.Context, _ audit.Event) { seen = ctx.Value(key{}) })
	c, err := New(Options{AllowedOrigins: []string{"https://app.example.com"}, Audit: rec})
	require.NoError(t, err)
	r := request("GET", "https://evil.example")
	r = r.WithContext(context.WithValue(r.Context(), key{}, "v"))
	c.Handler(noop).ServeHTTP(httptest.NewRecorder(), r)
	require.Equal(t, "v", seen)
}

func TestSharedHeaderValuesAreNotCorrupted(t *testing.T) {
	t.Parallel()
	c, err := New(Options{AllowedOrigins: []string{"https://app.example.com"}, ExposedHeaders: []string{"X-A"}})
	require.NoError(t, err)
	// A later handler appends to every field the middleware set.
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k := range w.Header() {
			w.Header().Add(k, "tampered")
		}
	}))
	for i := 0; i < 2; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, request("GET", "https://app.example.com"))
		require.Equal(t, []string{"Origin", "tampered"}, w.Header()["Vary"])
		require.Equal(t, []string{"X-A", "tampered"}, w.Header()["Access-Control-Expose-Headers"])
	}
	require.Equal(t, []string{"Origin"}, varyOrigin)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, err := New(Options{AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"}, AllowCredentials: true})
	require.NoError(t, err)
	h := c.Handler(noop)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, request("OPTIONS", "https://a.example.org", "Access-Control-Request-Method", "GET"))
				if w.Code != http.StatusNoContent {
					t.Errorf("status %d", w.Code)
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
