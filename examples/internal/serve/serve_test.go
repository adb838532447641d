package serve

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and localhost
// with the given common name, and returns the file paths.
func writeCert(t *testing.T, dir, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	return certFile, keyFile
}

func startTLS(t *testing.T, cert *Certificate, h http.Handler, l Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(h, l, nil)
	srv.TLSConfig = cert.TLSConfig()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, srv, ln, 2*time.Second) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return ln.Addr().String()
}

func TestTLSVersions(t *testing.T) {
	t.Parallel()
	certFile, keyFile := writeCert(t, t.TempDir(), "v1")
	cert, err := LoadCertificate(certFile, keyFile)
	require.NoError(t, err)
	addr := startTLS(t, cert, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), Limits{})
	cases := []struct {
		name    string
		version uint16
		ok      bool
	}{
		{"TLS 1.0 is refused", tls.VersionTLS10, false},
		{"TLS 1.1 is refused", tls.VersionTLS11, false},
		{"TLS 1.2 is accepted", tls.VersionTLS12, true},
		{"TLS 1.3 is accepted", tls.VersionTLS13, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", addr, &tls.Config{
				InsecureSkipVerify: true, //nolint:gosec // self-signed test certificate
				MinVersion:         tc.version, MaxVersion: tc.version,
			})
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.version, conn.ConnectionState().Version)
			_ = conn.Close()
		})
	}
}

func TestHTTP2IsNegotiated(t *testing.T) {
	t.Parallel()
	certFile, keyFile := writeCert(t, t.TempDir(), "h2")
	cert, err := LoadCertificate(certFile, keyFile)
	require.NoError(t, err)
	addr := startTLS(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}), Limits{})
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true} //nolint:gosec
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, "HTTP/2.0", string(body))
}

func TestCertificateReloadKeepsOpenConnections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := writeCert(t, dir, "first")
	cert, err := LoadCertificate(certFile, keyFile)
	require.NoError(t, err)
	addr := startTLS(t, cert, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), Limits{})

	cn := func(c *tls.Conn) string { return c.ConnectionState().PeerCertificates[0].Subject.CommonName }
	cfg := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}} //nolint:gosec
	old, err := tls.Dial("tcp", addr, cfg)
	require.NoError(t, err)
	defer old.Close()
	require.Equal(t, "first", cn(old))

	writeCert(t, dir, "second")
	require.NoError(t, cert.Reload())

	fresh, err := tls.Dial("tcp", addr, cfg)
	require.NoError(t, err)
	defer fresh.Close()
	require.Equal(t, "second", cn(fresh), "new handshakes get the new certificate")

	// The connection opened before the reload still serves requests.
	_, err = io.WriteString(old, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(old), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_ = resp.Body.Close()

	// A broken file leaves the current certificate in place.
	require.NoError(t, os.WriteFile(certFile, []byte("garbage"), 0o600))
	require.Error(t, cert.Reload())
	again, err := tls.Dial("tcp", addr, cfg)
	require.NoError(t, err)
	defer again.Close()
	require.Equal(t, "second", cn(again))
}

func TestLoadCertificateErrors(t *testing.T) {
	t.Parallel()
	_, err := LoadCertificate("", "")
	require.ErrorContains(t, err, "both a TLS certificate and a key file")
	_, err = LoadCertificate(filepath.Join(t.TempDir(), "none.pem"), "x")
	require.ErrorContains(t, err, "loading TLS certificate")
}

func TestServerLimits(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), Limits{
		ReadHeaderTimeout: 300 * time.Millisecond, MaxHeaderBytes: 4 << 10,
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, srv, ln, time.Second) }()
	defer func() { cancel(); require.NoError(t, <-done) }()
	addr := ln.Addr().String()

	t.Run("a client trickling its headers is cut off", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
		require.NoError(t, err)
		start := time.Now()
		var closed bool
		for i := 0; i < 50 && !closed; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := io.WriteString(c, "X-Slow: 1\r\n"); err != nil {
				closed = true
			}
			_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				closed = true
			}
		}
		require.True(t, closed, "the connection stayed open")
		require.Less(t, time.Since(start), 2*time.Second)
	})

	t.Run("oversized headers get 431", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 8<<10))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestLimitsDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	l := Limits{}.WithDefaults()
	require.Equal(t, Limits{
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10, MaxConns: 10000, MaxConcurrentStreams: 100,
	}, l)
	require.NoError(t, l.Validate())
	require.Error(t, Limits{ReadTimeout: -1}.Validate())
	require.Error(t, Limits{MaxConns: -1}.Validate())
	require.Error(t, Limits{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Second}.Validate())
	srv := NewServer(http.NotFoundHandler(), Limits{}, nil)
	require.Equal(t, 100, srv.HTTP2.MaxConcurrentStreams)
	require.Equal(t, 5*time.Second, srv.ReadHeaderTimeout)
}

func TestLimitListenerBoundsOpenConnections(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := LimitListener(inner, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err)
		clients = append(clients, c)
		defer c.Close()
	}
	first, second := <-accepted, <-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection was accepted while two were open")
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, first.Close())
	select {
	case c := <-accepted:
		_ = c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("closing a connection did not free a slot")
	}
	_ = second.Close()
	require.Len(t, clients, 3)
}

func TestLookupSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		require.NoError(t, os.Chmod(p, mode))
		return p
	}
	good := write("good", "s3cr3t-value\n", 0o600)
	crlf := write("crlf", "s3cr3t-value\r\n", 0o600)
	loose := write("loose", "s3cr3t-value", 0o644)
	empty := write("empty", "\n", 0o600)
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	var warnings []string
	warn := func(msg string, args ...any) { warnings = append(warnings, fmt.Sprint(append([]any{msg}, args...)...)) }

	env["A_FILE"] = good
	s, err := LookupSecret(getenv, "A", warn)
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-value", string(s.Bytes()), "one trailing newline is trimmed")
	require.Empty(t, warnings)

	env["B_FILE"] = crlf
	s, err = LookupSecret(getenv, "B", warn)
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-value", string(s.Bytes()))

	env["C_FILE"] = loose
	_, err = LookupSecret(getenv, "C", warn)
	require.NoError(t, err)
	require.Len(t, warnings, 1)
	require.Contains(t, warnings[0], "readable by group or others")
	require.NotContains(t, warnings[0], "s3cr3t")

	env["D"] = "direct"
	s, err = LookupSecret(getenv, "D", warn)
	require.NoError(t, err)
	require.Equal(t, "direct", string(s.Bytes()))
	require.Equal(t, "env D", s.Source())

	env["E"], env["E_FILE"] = "x", good
	_, err = LookupSecret(getenv, "E", warn)
	require.ErrorContains(t, err, "both E and E_FILE are set")

	env["F_FILE"] = empty
	_, err = LookupSecret(getenv, "F", warn)
	require.ErrorContains(t, err, "is empty")

	env["G_FILE"] = filepath.Join(dir, "missing")
	_, err = LookupSecret(getenv, "G", warn)
	require.ErrorContains(t, err, "G_FILE")

	env["H_FILE"] = dir
	_, err = LookupSecret(getenv, "H", warn)
	require.ErrorContains(t, err, "not a regular file")

	s, err = LookupSecret(getenv, "UNSET", warn)
	require.NoError(t, err)
	require.False(t, s.Set())
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	s := NewSecret([]byte("hunter2-very-secret"), "env X")
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
		fmt.Sprintf("%v", struct{ S Secret }{s}), fmt.Sprintf("%+v", &struct{ S Secret }{s}),
	} {
		require.NotContains(t, out, "hunter2")
		require.Contains(t, out, "redacted")
	}
	b, err := json.Marshal(map[string]Secret{"s": s})
	require.NoError(t, err)
	require.NotContains(t, string(b), "hunter2")
	require.Equal(t, "(not set)", Secret{}.String())
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	require.Equal(t, "redis://:xxxxx@127.0.0.1:6379/0", RedactURL("redis://:hunter2@127.0.0.1:6379/0"))
	require.Equal(t, "postgres://app:xxxxx@db:5432/app?sslmode=require", RedactURL("postgres://app:hunter2@db:5432/app?sslmode=require"))
	require.NotContains(t, RedactURL("postgres://db/app?password=hunter2&sslmode=disable"), "hunter2")
	require.Equal(t, "postgres://postgres@127.0.0.1:5432/test", RedactURL("postgres://postgres@127.0.0.1:5432/test"))
	require.NotContains(t, RedactURL("postgres://a:hun ter2@%zz"), "hun")
	require.Equal(t, "", RedactURL(""))
}
