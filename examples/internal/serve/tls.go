package serve

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Certificate holds a TLS certificate loaded from files and swaps it in on
// Reload, so that a renewed certificate is served to new handshakes without
// dropping open connections. Safe for concurrent use.
type Certificate struct {
	certFile, keyFile string
	current           atomic.Pointer[tls.Certificate]
}

// LoadCertificate reads a PEM certificate chain and its private key.
func LoadCertificate(certFile, keyFile string) (*Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("serve: both a TLS certificate and a key file are needed")
	}
	c := &Certificate{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. On error the previous certificate stays in
// use.
func (c *Certificate) Reload() error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("serve: loading TLS certificate: %w", err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return fmt.Errorf("serve: parsing TLS certificate: %w", err)
		}
	}
	c.current.Store(&pair)
	return nil
}

// NotAfter returns when the current certificate expires.
func (c *Certificate) NotAfter() time.Time { return c.current.Load().Leaf.NotAfter }

// DNSNames returns the host names the current certificate is valid for.
func (c *Certificate) DNSNames() []string { return c.current.Load().Leaf.DNSNames }

// TLSConfig returns a server configuration with TLS 1.2 as the minimum,
// Go's default cipher suites (forward-secret ECDHE key exchange only: no
// RSA key exchange, 3DES or RC4), HTTP/2 and HTTP/1.1, and the current
// certificate on every handshake.
func (c *Certificate) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.current.Load(), nil
		},
	}
}
