package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// BenchmarkScan measures a full scan of a loopback fixture, TLS included,
// with a protected path, a token and the POST probes, without -rate; and a
// scan given so many protected paths that it spends the whole budget of 200.
func BenchmarkScan(b *testing.B) {
	for _, c := range []struct {
		name  string
		f     fixture
		tls   tlsSetup
		paths int
	}{
		{"well-configured", fixture{}, tlsSetup{}, 1},
		{"misconfigured", everything, tlsSetup{minVersion: 0x0301, validFor: 10 * 24 * time.Hour, plainServes: true}, 1},
		{"whole-budget", fixture{}, tlsSetup{}, 40},
	} {
		b.Run(c.name, func(b *testing.B) {
			tg := startTLS(b, c.f, c.tls)
			tg.cfg.Rate = 0
			for range c.paths - 1 {
				tg.cfg.Protected = append(tg.cfg.Protected, "/api/me")
			}
			b.ReportAllocs()
			var requests int
			for b.Loop() {
				r, err := scan.Run(context.Background(), tg.cfg)
				if err != nil {
					b.Fatal(err)
				}
				requests = r.Requests
			}
			b.ReportMetric(float64(requests), "requests/op")
		})
	}
}

// TestServeFixture serves the misconfigured fixture over TLS for a run of
// the real command (the README's sample report). It runs only when
// GATEHOUSE_SCAN_FIXTURE names a directory, where it writes ca.pem, url
// and http-port, and serves for 60 seconds:
//
//	GATEHOUSE_SCAN_FIXTURE=/tmp/fx go test -run TestServeFixture ./scan &
//	go run . $(cat /tmp/fx/url) -ca /tmp/fx/ca.pem -http-port $(cat /tmp/fx/http-port) ...
func TestServeFixture(t *testing.T) {
	dir := os.Getenv("GATEHOUSE_SCAN_FIXTURE")
	if dir == "" {
		t.Skip("set GATEHOUSE_SCAN_FIXTURE=dir to serve the misconfigured fixture")
	}
	tg := startTLS(t, everything, tlsSetup{minVersion: 0x0301, validFor: 10 * 24 * time.Hour, plainServes: true})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), tg.caPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "url"), []byte(tg.cfg.Target), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "http-port"), []byte(strconv.Itoa(tg.cfg.HTTPPort)), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte(tg.cfg.Token), 0o600))
	time.Sleep(60 * time.Second)
}
