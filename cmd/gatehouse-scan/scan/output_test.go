package scan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

func sampleReport() *scan.Report {
	return &scan.Report{
		Target:   "https://api.example.com/",
		Version:  "(devel)",
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Duration: 1500 * time.Millisecond,
		Requests: 42,
		Budget:   200,
		Findings: []scan.Finding{
			{
				ID: "GH-AUTH-003", Severity: scan.Critical, Title: `Token with alg "none" accepted`,
				URL: "https://api.example.com/api/me", Detail: "The protected path accepts an unsigned token.",
				Evidence: scan.Evidence{Request: []string{"GET /api/me HTTP/1.1", "Host: api.example.com"}, Response: []string{"HTTP/1.1 200 OK"}},
				Fix:      scan.Fix{Text: "Use jwtauth.", Snippet: "auth, _ := jwtauth.New(opts)"},
			},
			{
				ID: "GH-HDR-001", Severity: scan.Low, Title: "X-Content-Type-Options: nosniff is missing",
				URL: "https://api.example.com/", Detail: "No nosniff.",
				Evidence: scan.Evidence{Request: []string{"GET / HTTP/1.1"}, Response: []string{"HTTP/1.1 200 OK", "(X-Content-Type-Options absent)"}},
				Fix:      scan.Fix{Text: "Use headers.", Snippet: "headers.New(headers.Options{})"},
			},
		},
		Notes: []string{"rate limiting not checked"},
	}
}

func TestTextOutput(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&out, scan.TextOptions{}))
	want := `gatehouse-scan https://api.example.com/
2 findings: 1 critical, 1 low · 42 requests · 1.50 s

SEVERITY  ID           WHERE    TITLE
critical  GH-AUTH-003  /api/me  Token with alg "none" accepted
low       GH-HDR-001   /        X-Content-Type-Options: nosniff is missing

GH-AUTH-003  critical  Token with alg "none" accepted
  The protected path accepts an unsigned token.
  > GET /api/me HTTP/1.1
  > Host: api.example.com
  < HTTP/1.1 200 OK
  fix: Use jwtauth.
       auth, _ := jwtauth.New(opts)

GH-HDR-001  low  X-Content-Type-Options: nosniff is missing
  No nosniff.
  > GET / HTTP/1.1
  < HTTP/1.1 200 OK
  < (X-Content-Type-Options absent)
  fix: Use headers.
       headers.New(headers.Options{})

notes:
  - rate limiting not checked
`
	require.Equal(t, want, out.String())
}

func TestTextOutputColoursOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	var plain, colour bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&plain, scan.TextOptions{}))
	require.NoError(t, sampleReport().WriteText(&colour, scan.TextOptions{Color: true}))
	require.NotContains(t, plain.String(), "\x1b[")
	require.Contains(t, colour.String(), "\x1b[1;31mcritical")
	require.Contains(t, colour.String(), "\x1b[0m")
}

func TestTextOutputSummaryAndEmptyReport(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&out, scan.TextOptions{Summary: true}))
	require.NotContains(t, out.String(), "fix:")
	out.Reset()
	require.NoError(t, (&scan.Report{Target: "http://x/"}).WriteText(&out, scan.TextOptions{}))
	require.Equal(t, "gatehouse-scan http://x/\nno findings · 0 requests · 0.00 s\n", out.String())
}

func TestJSONOutput(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&out))
	var got struct {
		Tool       string         `json:"tool"`
		Target     string         `json:"target"`
		DurationMS int64          `json:"duration_ms"`
		Requests   int            `json:"requests"`
		Summary    map[string]int `json:"summary"`
		Findings   []scan.Finding `json:"findings"`
		Notes      []string       `json:"notes"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	require.Equal(t, "gatehouse-scan", got.Tool)
	require.Equal(t, int64(1500), got.DurationMS)
	require.Equal(t, map[string]int{"critical": 1, "high": 0, "medium": 0, "low": 1, "info": 0}, got.Summary)
	require.Equal(t, sampleReport().Findings, got.Findings)
	require.Contains(t, out.String(), `"severity": "critical"`)

	out.Reset()
	require.NoError(t, (&scan.Report{}).WriteJSON(&out))
	require.True(t, strings.Contains(out.String(), `"findings": []`) && strings.Contains(out.String(), `"notes": []`), "empty lists, not null")
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"info", "low", "medium", "high", "critical"} {
		s, err := scan.ParseSeverity(strings.ToUpper(name))
		require.NoError(t, err)
		require.Equal(t, name, s.String())
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back scan.Severity
		require.NoError(t, back.UnmarshalText(b))
		require.Equal(t, s, back)
	}
	_, err := scan.ParseSeverity("severe")
	require.ErrorContains(t, err, "scan: unknown severity")
	_, err = scan.Severity(9).MarshalText()
	require.Error(t, err)
	require.Equal(t, "severity(9)", scan.Severity(9).String())

	r := sampleReport()
	require.True(t, r.Fails(scan.Critical))
	require.True(t, r.Fails(scan.Low))
	require.Equal(t, []string{"GH-AUTH-003", "GH-HDR-001"}, r.IDs())
	_, ok := (&scan.Report{}).Worst()
	require.False(t, ok)
	require.False(t, (&scan.Report{}).Fails(scan.Info))
}
