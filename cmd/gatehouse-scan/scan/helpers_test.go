package scan_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// target is a running fixture and the configuration that scans it.
type target struct {
	srv   *server
	plain *server // the plain-HTTP listener of a TLS target, if any
	caPEM []byte  // the CA of a TLS target
	cfg   scan.Config
}

// tlsSetup describes a TLS target.
type tlsSetup struct {
	minVersion  uint16        // default TLS 1.2
	validFor    time.Duration // certificate lifetime left; default 1 year
	plainServes bool          // the plain-HTTP port serves the API instead of redirecting
}

// baseConfig scans everything: a protected path with a valid token, the
// app's origin, the POST probes, and the rate check on /limited.
func baseConfig(u string) scan.Config {
	return scan.Config{
		Target:      u,
		Protected:   []string{"/api/me"},
		Token:       signHS256("alice"),
		Origin:      appOrigin,
		AllowUnsafe: true,
		Rate:        2 * rateLimit,
		RatePath:    "/limited",
		Timeout:     5 * time.Second,
	}
}

// startHTTP serves f over plain HTTP on loopback.
func startHTTP(t testing.TB, f fixture) *target {
	t.Helper()
	srv := newServer(f)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &target{srv: srv, cfg: baseConfig(ts.URL + "/")}
}

// startTLS serves f over TLS with a certificate from a fresh CA, and a
// plain-HTTP listener on another port that redirects (or serves).
func startTLS(t testing.TB, f fixture, setup tlsSetup) *target {
	t.Helper()
	pool, cert, caDER := newCertificate(t, setup.validFor)
	srv := newServer(f)
	ts := httptest.NewUnstartedServer(srv)
	minVersion := setup.minVersion
	if minVersion == 0 {
		minVersion = tls.VersionTLS12
	}
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minVersion} //nolint:gosec // old versions on purpose
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)                                     // refused old-version handshakes are expected
	ts.StartTLS()
	t.Cleanup(ts.Close)

	plain := newServer(f)
	var ph http.Handler = plain
	if !setup.plainServes {
		ph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			plain.count(r)
			http.Redirect(w, r, ts.URL+r.URL.RequestURI(), http.StatusPermanentRedirect)
		})
	}
	ps := httptest.NewServer(ph)
	t.Cleanup(ps.Close)
	pu, err := url.Parse(ps.URL)
	require.NoError(t, err)
	port, err := strconv.Atoi(pu.Port())
	require.NoError(t, err)

	cfg := baseConfig(ts.URL + "/")
	cfg.RootCAs = pool
	cfg.HTTPPort = port
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return &target{srv: srv, plain: plain, caPEM: caPEM, cfg: cfg}
}

// newCertificate makes a CA and a leaf for 127.0.0.1 and localhost that
// expires after validFor (default a year); it returns the CA's DER too.
func newCertificate(t testing.TB, validFor time.Duration) (*x509.CertPool, tls.Certificate, []byte) {
	t.Helper()
	if validFor == 0 {
		validFor = 365 * 24 * time.Hour
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gatehouse-scan test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(2 * 365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validFor),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caDER
}

// runScan scans and fails the test on error.
func runScan(t testing.TB, cfg scan.Config) *scan.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := scan.Run(ctx, cfg)
	require.NoError(t, err)
	require.NotNil(t, r)
	return r
}

// above returns the IDs of findings more severe than info.
func above(r *scan.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		if f.Severity > scan.Info {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// find returns the first finding with id.
func find(r *scan.Report, id string) *scan.Finding {
	for i := range r.Findings {
		if r.Findings[i].ID == id {
			return &r.Findings[i]
		}
	}
	return nil
}
