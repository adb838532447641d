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
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/examples/internal/api"
)

// benchLimits keeps every limit out of the benchmark's way.
const benchLimits = `{"rate_limits": {"ip": "1000000/second", "chat_user": "1000000/second", "chat_ip": "1000000/second"}}`

// BenchmarkChat measures an authenticated chat request through the whole
// assembled handler (metrics, request id, client IP, headers, CORS, CSRF
// origin check, sanitize, per-IP limit, router, JWT verification and
// revocation check, per-user and per-IP chat limits) against the bare chat
// handler, in process, without a network.
func BenchmarkChat(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.json")
	require.NoError(b, os.WriteFile(path, []byte(benchLimits), 0o600))
	env := map[string]string{"GATEHOUSE_JWT_SECRET": randomSecret(), "GATEHOUSE_CSRF_KEY": randomSecret(),
		"GATEHOUSE_APIKEY_PEPPER": randomSecret(), "GATEHOUSE_AUDIT_KEY": randomSecret()}
	logger := newTestLogger(io.Discard)
	cfg, err := loadConfig([]string{"-config", path}, func(k string) string { return env[k] }, io.Discard, logger)
	require.NoError(b, err)
	srv, err := build(context.Background(), cfg, logger)
	require.NoError(b, err)
	b.Cleanup(func() { srv.close(logger) })

	call := func(h http.Handler, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.Host = "127.0.0.1:8080"
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := call(srv.handler, "POST", "/api/auth/register", `{"username":"bench","email":"bench@example.com","password":"`+strong+`"}`)
	require.Equal(b, http.StatusCreated, rec.Code, rec.Body.String())
	rec = call(srv.handler, "POST", "/api/auth/login", `{"username":"bench","password":"`+strong+`"}`)
	require.Equal(b, http.StatusOK, rec.Code, rec.Body.String())
	var sess session
	require.NoError(b, json.Unmarshal(rec.Body.Bytes(), &sess))
	body := []byte(chatBody)

	for _, c := range []struct {
		name string
		h    http.Handler
		hdr  []string
	}{
		{"bare", http.HandlerFunc((&api.App{}).Chat), nil},
		{"full", srv.handler, []string{"Authorization", "Bearer " + sess.Access}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			start := processCPU()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/api/agent/chat", bytes.NewReader(body))
				req.Host = "127.0.0.1:8080"
				req.Header.Set("Content-Type", "application/json")
				if c.hdr != nil {
					req.Header.Set(c.hdr[0], c.hdr[1])
				}
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU returns the CPU time (user and system, every thread, the
// garbage collector's included) the process has used: unlike ns/op, it
// does not count time spent waiting for a core that other processes hold.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
