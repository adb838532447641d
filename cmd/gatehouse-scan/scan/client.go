package scan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// client sends the scan's requests. It dials only the target's host (on
// the target's port, and on Config.HTTPPort for the plain-HTTP check),
// never follows a redirect by itself, counts every request and handshake
// against the budget, and reads at most MaxBody bytes of a body.
//
// A client is used by one goroutine at a time.
type client struct {
	s       *settings
	hc      *http.Client
	dialer  *net.Dialer
	allowed map[string]bool
	used    int
	limit   int
	check   string
	agent   string
	observe func(*exchange)
}

// request is what a check wants sent, with how to show it in evidence.
type request struct {
	method string
	url    *url.URL
	header http.Header
	// body, when set, returns a fresh reader of bodyLen bytes; bodyDesc
	// describes it in evidence instead of the bytes themselves.
	body     func() io.Reader
	bodyLen  int64
	bodyDesc string
	// authLabel replaces the Authorization value in evidence.
	authLabel string
	// display replaces the request-target in evidence (a token in the
	// query string is redacted there).
	display string
}

// exchange is a request and the (bounded) response it got.
type exchange struct {
	req       *request
	status    int
	proto     string
	statusMsg string
	header    http.Header
	body      []byte
	truncated bool
	tls       *tls.ConnectionState
}

func newClient(s *settings, agent string) *client {
	c := &client{
		s:       s,
		dialer:  &net.Dialer{Timeout: s.Timeout},
		allowed: map[string]bool{hostPort(s.target): true},
		limit:   s.Budget,
		agent:   agent,
	}
	if s.target.Scheme == "https" {
		c.allowed[c.plainAddr()] = true
	}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would be another host
		DialContext:           c.dial,
		TLSClientConfig:       c.tlsConfig(false),
		TLSHandshakeTimeout:   s.Timeout,
		ResponseHeaderTimeout: s.Timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       s.Timeout,
	}
	c.hc = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// plainAddr is the dial address of the plain-HTTP check.
func (c *client) plainAddr() string {
	return net.JoinHostPort(dialHost(c.s.target.Hostname()), fmt.Sprint(c.s.HTTPPort))
}

// tlsConfig returns the verification settings of the scan; probe configs
// (version handshakes) are derived from it.
func (c *client) tlsConfig(verifyOnly bool) *tls.Config {
	cfg := &tls.Config{
		RootCAs:            c.s.RootCAs,
		InsecureSkipVerify: c.s.Insecure && !verifyOnly, //nolint:gosec // only with -insecure, reported as GH-TLS-004
		MinVersion:         tls.VersionTLS12,
	}
	if net.ParseIP(c.s.target.Hostname()) == nil {
		cfg.ServerName = c.s.target.Hostname()
	}
	return cfg
}

// dial refuses every address but the target's.
func (c *client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if !c.allowed[strings.ToLower(addr)] {
		return nil, fmt.Errorf("%w: %s", ErrOffHost, addr)
	}
	return c.dialer.DialContext(ctx, network, addr)
}

// spend takes one request from the budget.
func (c *client) spend() error {
	if c.used >= c.limit {
		return ErrBudget
	}
	c.used++
	if c.s.Progress != nil {
		c.s.Progress(Progress{Requests: c.used, Budget: c.limit, Check: c.check})
	}
	return nil
}

// do sends one request and reads at most MaxBody bytes of the answer.
func (c *client) do(ctx context.Context, r *request) (*exchange, error) {
	if err := c.spend(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.Timeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = r.body()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.s.target.String(), body)
	if err != nil {
		return nil, err
	}
	u := *r.url
	req.URL = &u
	req.Host = u.Host
	if r.header != nil {
		req.Header = r.header.Clone()
	}
	req.Header.Set("User-Agent", c.agent)
	if r.body != nil {
		req.ContentLength = r.bodyLen
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, redactedURL(r), unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, c.s.MaxBody+1))
	ex := &exchange{
		req:       r,
		status:    resp.StatusCode,
		proto:     resp.Proto,
		statusMsg: resp.Status,
		header:    resp.Header,
		body:      b,
		tls:       resp.TLS,
	}
	if int64(len(b)) > c.s.MaxBody {
		ex.body, ex.truncated = b[:c.s.MaxBody], true
	}
	if c.observe != nil {
		c.observe(ex)
	}
	return ex, nil
}

// get follows up to three same-origin redirects of a GET, each counted
// against the budget. A redirect elsewhere is returned, not followed.
func (c *client) get(ctx context.Context, u *url.URL, h http.Header) (*exchange, error) {
	r := &request{method: http.MethodGet, url: u, header: h}
	for range 4 {
		ex, err := c.do(ctx, r)
		if err != nil || ex.status < 300 || ex.status > 399 {
			return ex, err
		}
		loc, err := r.url.Parse(ex.header.Get("Location"))
		if err != nil || loc.Scheme != u.Scheme || !strings.EqualFold(loc.Host, u.Host) {
			return ex, nil
		}
		r = &request{method: http.MethodGet, url: loc, header: h}
	}
	return nil, fmt.Errorf("GET %s: too many redirects", u.Redacted())
}

// handshake opens a TLS connection to the target limited to one version,
// offering every cipher suite Go implements, and reports the negotiated
// state. It sends no application data.
func (c *client) handshake(ctx context.Context, version uint16) (*tls.ConnectionState, error) {
	if err := c.spend(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.Timeout)
	defer cancel()
	cfg := c.tlsConfig(false)
	cfg.InsecureSkipVerify = true //nolint:gosec // the probe only learns whether the version is accepted
	cfg.MinVersion, cfg.MaxVersion = version, version
	for _, cs := range tls.CipherSuites() {
		cfg.CipherSuites = append(cfg.CipherSuites, cs.ID)
	}
	for _, cs := range tls.InsecureCipherSuites() {
		cfg.CipherSuites = append(cfg.CipherSuites, cs.ID)
	}
	return c.tlsDial(ctx, cfg)
}

// verify opens a TLS connection with full verification.
func (c *client) verify(ctx context.Context) error {
	if err := c.spend(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.s.Timeout)
	defer cancel()
	_, err := c.tlsDial(ctx, c.tlsConfig(true))
	return err
}

func (c *client) tlsDial(ctx context.Context, cfg *tls.Config) (*tls.ConnectionState, error) {
	raw, err := c.dial(ctx, "tcp", hostPort(c.s.target))
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	st := conn.ConnectionState()
	return &st, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func redactedURL(r *request) string {
	if r.display != "" {
		return r.url.Scheme + "://" + r.url.Host + r.display
	}
	return r.url.Redacted()
}
