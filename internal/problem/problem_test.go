package problem

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteSendsRFC9457Body(t *testing.T) {
	t.Parallel()
	p := New(http.StatusTooManyRequests, "rate_limited", "Slow down.")
	rec := httptest.NewRecorder()
	rec.Header().Set("Retry-After", "3")
	p.Write(rec)

	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.Equal(t, "3", rec.Header().Get("Retry-After"), "headers set before Write are kept")
	require.Equal(t, rec.Body.Len(), atoi(t, rec.Header().Get("Content-Length")))

	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Equal(t, map[string]any{
		"type": "about:blank", "title": "Too Many Requests", "status": float64(429),
		"code": "rate_limited", "detail": "Slow down.",
	}, got)
	require.Equal(t, 429, p.Status())
	require.Equal(t, "rate_limited", p.Code())
	require.Equal(t, "Too Many Requests", p.Title())
	require.Equal(t, "Slow down.", p.Detail())
}

func TestEmptyDetailIsOmitted(t *testing.T) {
	t.Parallel()
	p := New(http.StatusUnauthorized, "invalid_token", "")
	require.JSONEq(t, `{"type":"about:blank","title":"Unauthorized","status":401,"code":"invalid_token"}`, string(p.Body()))
}

func TestBodyIsACopy(t *testing.T) {
	t.Parallel()
	p := New(http.StatusForbidden, "forbidden", "")
	b := p.Body()
	b[0] = 'X'
	require.Equal(t, byte('{'), p.Body()[0])
}

func TestSharedHeaderSlicesAreNotCorruptedByAppend(t *testing.T) {
	t.Parallel()
	p := New(http.StatusBadRequest, "bad_request", "")
	rec := httptest.NewRecorder()
	p.Write(rec)
	rec.Header().Add("Content-Type", "text/plain") // appends to the shared slice
	rec2 := httptest.NewRecorder()
	p.Write(rec2)
	require.Equal(t, []string{ContentType}, rec2.Header().Values("Content-Type"))
}

func TestWriteJSONMergesExtensionsWithoutOverridingStandardMembers(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusBadRequest, "weak_password", "", map[string]any{
		"errors": []string{"too_short", "common"},
		"status": 200, "code": "ok", "detail": "forged",
	})
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, ContentType, rec.Header().Get("Content-Type"))
	require.JSONEq(t, `{"type":"about:blank","title":"Bad Request","status":400,"code":"weak_password","errors":["too_short","common"]}`, rec.Body.String())
}

func TestWriteJSONWithUnencodableExtensionFallsBackTo500(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusBadRequest, "x", "", map[string]any{"bad": make(chan int)})
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, rec.Body.String(), `"code":"internal_error"`)
}

func TestWriteAllocatesNothing(t *testing.T) {
	p := New(http.StatusTooManyRequests, "rate_limited", "")
	w := &discardWriter{h: make(http.Header, 8)}
	allocs := testing.AllocsPerRun(100, func() { p.Write(w) })
	require.Zero(t, allocs)
}

func BenchmarkWrite(b *testing.B) {
	p := New(http.StatusTooManyRequests, "rate_limited", "Too many requests.")
	w := &discardWriter{h: make(http.Header, 8)}
	b.ReportAllocs()
	for b.Loop() {
		p.Write(w)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
