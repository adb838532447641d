// Package serve runs an http.Handler the way a public API should be run
// without a reverse proxy in front: bounded timeouts and header sizes, a
// connection limit, a per-connection stream limit, TLS 1.2+ with
// certificates reloaded on demand, and an HTTP listener that only redirects
// to HTTPS.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits are the hardening settings of an http.Server. The zero value of a
// field means its default, given in the field's comment.
type Limits struct {
	// ReadHeaderTimeout bounds the time to read a request's headers; a
	// client trickling its headers (Slowloris) is cut off. Default 5s.
	ReadHeaderTimeout time.Duration `json:"read_header_timeout"`
	// ReadTimeout bounds the time to read a whole request, body included.
	// Default 30s.
	ReadTimeout time.Duration `json:"read_timeout"`
	// WriteTimeout bounds the time from the end of the request headers to
	// the end of the response. Default 60s.
	WriteTimeout time.Duration `json:"write_timeout"`
	// IdleTimeout bounds how long a keep-alive connection may wait for its
	// next request. Default 120s.
	IdleTimeout time.Duration `json:"idle_timeout"`
	// MaxHeaderBytes bounds the request line and headers; larger requests
	// are answered 431. Default 64 KiB.
	MaxHeaderBytes int `json:"max_header_bytes"`
	// MaxConns bounds the open connections; further connections wait in the
	// kernel's accept queue. Default 10,000.
	MaxConns int `json:"max_conns"`
	// MaxConcurrentStreams bounds the concurrent requests on one HTTP/2
	// connection (HTTP/1.1 serves one at a time). Default 100.
	MaxConcurrentStreams int `json:"max_concurrent_streams"`
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, 5*time.Second)
	def(&l.ReadTimeout, 30*time.Second)
	def(&l.WriteTimeout, 60*time.Second)
	def(&l.IdleTimeout, 120*time.Second)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = 64 << 10
	}
	if l.MaxConns == 0 {
		l.MaxConns = 10000
	}
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = 100
	}
	return l
}

// Validate reports settings that cannot be right.
func (l Limits) Validate() error {
	switch {
	case l.ReadHeaderTimeout < 0, l.ReadTimeout < 0, l.WriteTimeout < 0, l.IdleTimeout < 0:
		return errors.New("serve: timeouts must not be negative")
	case l.MaxHeaderBytes < 0 || l.MaxConns < 0 || l.MaxConcurrentStreams < 0:
		return errors.New("serve: limits must not be negative")
	case l.ReadTimeout != 0 && l.ReadHeaderTimeout > l.ReadTimeout:
		return errors.New("serve: read_header_timeout must not exceed read_timeout")
	}
	return nil
}

// NewServer returns an http.Server for h with the limits applied (defaults
// filled in).
func NewServer(h http.Handler, l Limits, logger *slog.Logger) *http.Server {
	l = l.WithDefaults()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: l.MaxConcurrentStreams},
	}
	if logger != nil {
		srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelDebug)
	}
	return srv
}

// LimitListener returns a listener that accepts at most n connections at a
// time; Accept blocks while n are open.
func LimitListener(l net.Listener, n int) net.Listener {
	if n <= 0 {
		return l
	}
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// Run serves srv on ln (over TLS when srv.TLSConfig is set) until ctx ends,
// then shuts down gracefully within grace. It returns the first serving
// error other than http.ErrServerClosed.
func Run(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		if srv.TLSConfig != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return <-errc
}
