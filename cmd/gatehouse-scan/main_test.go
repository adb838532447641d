package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// weakAPI has a missing nosniff (low) and a TRACE that echoes (medium).
func weakAPI(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodTrace {
			w.Header().Set("Content-Type", "message/http")
			io.WriteString(w, "TRACE / HTTP/1.1\r\nX-Gatehouse-Scan: "+r.Header.Get("X-Gatehouse-Scan")+"\r\n")
			return
		}
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/"
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	env := map[string]string{}
	code := run(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	u := weakAPI(t)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"a medium finding fails the default -fail-on medium", []string{u}, exitFindings},
		{"-fail-on high passes when the worst finding is medium", []string{"-fail-on", "high", u}, exitOK},
		{"-fail-on low fails", []string{"-fail-on=low", u}, exitFindings},
		{"-fail-on none never fails", []string{"-fail-on", "none", u}, exitOK},
		{"flags after the URL are read", []string{u, "-fail-on", "critical"}, exitOK},
		{"an unknown severity is a usage error", []string{"-fail-on", "severe", u}, exitError},
		{"no URL is a usage error", []string{"-fail-on", "low"}, exitError},
		{"two URLs are a usage error", []string{u, u}, exitError},
		{"an unknown format is a usage error", []string{"-format", "xml", u}, exitError},
		{"an unknown flag is a usage error", []string{"-frobnicate", u}, exitError},
		{"a bad target is an error", []string{"ftp://example.com/"}, exitError},
		{"-h is not an error", []string{"-h"}, exitOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(append([]string{"-q"}, c.args...)...)
			require.Equal(t, c.code, code, stderr)
		})
	}
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	u := weakAPI(t)
	t.Run("the default is a table without colour when stdout is not a terminal", func(t *testing.T) {
		t.Parallel()
		_, out, _ := runCLI("-q", u)
		require.Contains(t, out, "SEVERITY  ID")
		require.Contains(t, out, "GH-ERR-006")
		require.NotContains(t, out, "\x1b[")
	})
	t.Run("-json writes one JSON document", func(t *testing.T) {
		t.Parallel()
		_, out, _ := runCLI("-q", "-json", u)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		require.Equal(t, "gatehouse-scan", doc["tool"])
	})
	t.Run("-format sarif writes SARIF to stdout", func(t *testing.T) {
		t.Parallel()
		_, out, _ := runCLI("-q", "-format", "sarif", u)
		require.Contains(t, out, `"version": "2.1.0"`)
	})
	t.Run("-sarif FILE writes SARIF beside the table", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "scan.sarif")
		code, out, _ := runCLI("-q", "-sarif", file, "-fail-on", "none", u)
		require.Equal(t, exitOK, code)
		require.Contains(t, out, "SEVERITY")
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Contains(t, string(b), `"ruleId": "GH-ERR-006"`)
	})
	t.Run("the token is taken from the environment and never printed", func(t *testing.T) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		secret := "opaque-secret-token-value"
		code := run(context.Background(), []string{"-q", "-protected", "/api", "-fail-on", "none", u}, &stdout, &stderr,
			func(k string) string {
				if k == "GATEHOUSE_SCAN_TOKEN" {
					return secret
				}
				return ""
			})
		require.Equal(t, exitOK, code, stderr.String())
		require.NotContains(t, stdout.String()+stderr.String(), secret)
		require.Contains(t, stdout.String(), "the -token is not a JWT")
	})
	t.Run("an unreachable target is reported on stderr", func(t *testing.T) {
		t.Parallel()
		ts := httptest.NewServer(http.NotFoundHandler())
		dead := ts.URL
		ts.Close()
		code, out, errOut := runCLI("-q", dead)
		require.Equal(t, exitError, code)
		require.Empty(t, out)
		require.True(t, strings.HasPrefix(errOut, "gatehouse-scan: target unreachable"), errOut)
	})
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	require.True(t, useColor(true, env()))
	require.False(t, useColor(false, env()), "not a terminal")
	require.False(t, useColor(true, env("NO_COLOR", "1")), "NO_COLOR set")
	require.False(t, useColor(true, env("TERM", "dumb")))
	require.False(t, isTerminal(&bytes.Buffer{}))
}
