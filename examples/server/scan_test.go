package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
	"github.com/stretchr/testify/require"
)

// TestScan audits the running server from the outside with gatehouse-scan
// and expects nothing above info: headers, CORS, cookies, authentication
// (no token, forged tokens, alg none, the token in the query), errors and
// rate limiting.
func TestScan(t *testing.T) {
	t.Parallel()
	s := startServer(t, memoryBackend, `{"cors_origins": ["https://app.example.com"]}`) // default limits
	_, sess := s.user(t, "scanner")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report, err := scan.Run(ctx, scan.Config{
		Target:      s.url + "/",
		Origin:      "https://app.example.com",
		Protected:   []string{"/api/auth/profile", "/api/keys", "/api/admin/security-events"},
		Token:       sess.Access,
		Rate:        300, // the per-IP limit (1200/minute burst 200) answers 429 within them
		RatePath:    "/healthz",
		AllowUnsafe: true,
		Timeout:     10 * time.Second,
	})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.WriteText(&out, scan.TextOptions{}))
	t.Logf("%d requests\n%s", report.Requests, out.String())
	require.False(t, report.Fails(scan.Low), "findings above info:\n%s", out.String())
	require.NotContains(t, out.String(), sess.Access, "the token is never printed")
}
