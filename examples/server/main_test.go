package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRun starts the program as main does, with flags and environment,
// and stops it as SIGINT would.
func TestRun(t *testing.T) {
	t.Parallel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	env := map[string]string{"GATEHOUSE_JWT_SECRET": randomSecret()}
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-metrics-addr", "0"}, func(k string) string { return env[k] },
			stdout, stderr, func(addr string) { ready <- addr })
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("no start within 30s")
	}

	t.Run("it logs its address and an example curl", func(t *testing.T) {
		require.Contains(t, stdout.String(), "Gatehouse example API on http://"+addr)
		require.Contains(t, stdout.String(), "curl -si http://"+addr+"/api/auth/register")
	})
	t.Run("it warns about the secrets it generated, never printing them", func(t *testing.T) {
		logs := stderr.String()
		for _, name := range []string{"GATEHOUSE_CSRF_KEY", "GATEHOUSE_APIKEY_PEPPER", "GATEHOUSE_AUDIT_KEY"} {
			require.Contains(t, logs, "setting="+name)
		}
		require.NotContains(t, logs, "setting=GATEHOUSE_JWT_SECRET", "given in the environment")
		require.NotContains(t, logs, env["GATEHOUSE_JWT_SECRET"])
	})
	t.Run("it serves the API", func(t *testing.T) {
		res, err := http.Get("http://" + addr + "/healthz")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	})
	t.Run("metrics are on their own loopback listener, not on the API", func(t *testing.T) {
		m := regexp.MustCompile(`metrics on http://(127\.0\.0\.1:\d+)/metrics`).FindStringSubmatch(stdout.String())
		require.NotNil(t, m, stdout.String())
		res, err := http.Get("http://" + m[1] + "/metrics")
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, string(body), `gatehouse_http_requests_total{code="2xx",method="GET",route="GET /healthz"}`)
		require.Contains(t, string(body), `gatehouse_security_events_total{outcome="success",severity="info",type="sys_startup"} 1`)
		res, err = http.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	})

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown within 30s")
	}
	_, err := net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err, "the listener is closed")
	require.Contains(t, stderr.String(), "type=sys_shutdown", "the audit queue was flushed at shutdown")
}

// TestConfig covers flags, the file, the environment and their errors.
func TestConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	secretFile := write("jwt", strings.Repeat("s", 40)+"\n")
	good := write("good.json", `{"addr":"127.0.0.1:9999","cors_origins":["https://app.example.com"],
		"rate_limits":{"chat_user":"10/minute burst 5"},"access_ttl":"5m","server":{"read_header_timeout":"2s"},
		"jwt_secret_file":`+`"`+secretFile+`"}`)
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	load := func(args []string, getenv func(string) string) (*Config, string, error) {
		var logs bytes.Buffer
		cfg, err := loadConfig(args, getenv, io.Discard, newTestLogger(&logs))
		return cfg, logs.String(), err
	}

	t.Run("the defaults are a local, in-memory server", func(t *testing.T) {
		cfg, logs, err := load(nil, env())
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:8080", cfg.Addr)
		require.Empty(t, cfg.RedisURL)
		require.Empty(t, cfg.PostgresURL)
		require.Empty(t, cfg.MetricsAddr)
		require.False(t, cfg.InsecureCookies)
		require.Equal(t, []string{"localhost", "127.0.0.1", "[::1]"}, cfg.AllowedHosts)
		require.Equal(t, "100/hour", cfg.RateLimits.ChatUser.String())
		require.Equal(t, "5/minute", cfg.RateLimits.Login.String())
		require.Equal(t, 15*time.Minute, time.Duration(cfg.AccessTTL))
		require.Equal(t, 32, cfg.JWTSecret.Len())
		require.Contains(t, logs, "generated one for this run")
	})
	t.Run("the file, the environment and the flags apply in that order", func(t *testing.T) {
		cfg, _, err := load([]string{"-config", good, "-redis", "redis://flag:6379/0", "-metrics-addr", "9100", "-insecure-cookies"},
			env("GATEHOUSE_REDIS_URL", "redis://env:6379/0", "GATEHOUSE_POSTGRES_URL", "postgres://env/db"))
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:9999", cfg.Addr)
		require.Equal(t, "redis://flag:6379/0", cfg.RedisURL)
		require.Equal(t, "postgres://env/db", cfg.PostgresURL)
		require.Equal(t, "127.0.0.1:9100", cfg.MetricsAddr, "a bare port stays on loopback")
		require.True(t, cfg.InsecureCookies)
		require.Equal(t, "10/minute burst 5", cfg.RateLimits.ChatUser.String())
		require.Equal(t, "2000/hour", cfg.RateLimits.ChatIP.String(), "what the file leaves out keeps its default")
		require.Equal(t, 2*time.Second, cfg.Server.Limits().ReadHeaderTimeout)
		require.Equal(t, strings.Repeat("s", 40), string(cfg.JWTSecret.Bytes()))
		cfg, _, err = load([]string{"-config", good}, env("GATEHOUSE_JWT_SECRET", strings.Repeat("e", 32)))
		require.NoError(t, err)
		require.Equal(t, strings.Repeat("e", 32), string(cfg.JWTSecret.Bytes()), "the environment wins over the file")
	})
	for _, c := range []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"an unknown setting in the file", []string{"-config", write("typo.json", `{"cors_origin":["https://x.example"]}`)}, env(), "unknown field"},
		{"a bad rate", []string{"-config", write("rate.json", `{"rate_limits":{"login":"lots"}}`)}, env(), "ratelimit"},
		{"a short secret", nil, env("GATEHOUSE_CSRF_KEY", "short"), "GATEHOUSE_CSRF_KEY is 5 bytes"},
		{"a secret set twice", nil, env("GATEHOUSE_AUDIT_KEY", strings.Repeat("a", 32), "GATEHOUSE_AUDIT_KEY_FILE", secretFile), "keep one"},
		{"a missing file", []string{"-config", filepath.Join(dir, "nope.json")}, env(), "no such file"},
		{"a refresh shorter than access", []string{"-config", write("ttl.json", `{"access_ttl":"1h","refresh_ttl":"1m"}`)}, env(), "refresh_ttl"},
		{"a stray argument", []string{"serve"}, env(), "unexpected argument"},
		{"two values in the file", []string{"-config", write("two.json", `{} {"addr":":80"}`)}, env(), "more than one JSON value"},
		{"a proxy that is not a network", []string{"-config", write("proxy.json", `{"trusted_proxies":["10.0.0.1"]}`)}, env(), "no '/'"},
		{"an unknown flag", []string{"-port", "80"}, env(), "flag provided but not defined"},
	} {
		t.Run(c.name+" is an error", func(t *testing.T) {
			_, _, err := load(c.args, c.env)
			require.ErrorContains(t, err, c.want)
		})
	}
	t.Run("a short secret is never printed", func(t *testing.T) {
		_, logs, err := load(nil, env("GATEHOUSE_JWT_SECRET", "hunter2-hunter2"))
		require.Error(t, err)
		require.NotContains(t, err.Error()+logs, "hunter2")
	})
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
