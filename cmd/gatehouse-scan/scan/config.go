package scan

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Defaults applied to a zero Config field.
const (
	// DefaultBudget is the most requests (and TLS handshakes) a scan sends,
	// -rate requests aside.
	DefaultBudget = 200
	// DefaultTimeout bounds each request.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBody is how much of a response body is read.
	DefaultMaxBody = 256 << 10
	// MaxBudget and MaxRate cap what a configuration may ask for.
	MaxBudget = 10000
	MaxRate   = 10000
	// oversizedBody is the size of the oversized-body probe.
	oversizedBody = 2 << 20
)

// ErrConfig is wrapped by every configuration error Run returns.
var ErrConfig = errors.New("scan: invalid configuration")

// ErrOffHost is returned for any connection the scan would open to a host
// other than the target (a redirect, a misconfigured path).
var ErrOffHost = errors.New("scan: refusing to contact a host other than the target")

// ErrBudget is returned for requests beyond the budget; Run turns it into a
// note saying which checks did not run.
var ErrBudget = errors.New("scan: request budget exhausted")

// ErrCertificate is returned when the target's certificate does not
// verify and Config.Insecure is not set.
var ErrCertificate = errors.New("scan: the target's certificate does not verify")

// Config says what to scan and how politely. The zero value of every field
// but Target is a safe default.
type Config struct {
	// Target is the URL scanned, http or https; its path is the page the
	// header, CORS and error checks look at. Only its host is contacted.
	Target string
	// Protected are paths (or same-origin URLs) that must require
	// authentication; the authentication checks run on them. Default none.
	Protected []string
	// Token is a valid bearer token for the Protected paths. With it the
	// scan also tries signature-stripped variants and the token in the
	// query string. It is never printed. Default none.
	Token string
	// Origin is the browser origin the API legitimately allows
	// ("https://app.example.com"): it is used to build the suffix, prefix
	// and userinfo confusion probes and the preflights. Default: the
	// target's own origin.
	Origin string
	// Rate, when positive, enables the rate-limiting check: up to Rate
	// extra GET requests to RatePath, stopping at the first 429. Default 0:
	// not checked.
	Rate int
	// RatePath is the path the rate-limiting check requests. Default: the
	// target's path.
	RatePath string
	// Budget caps the requests and TLS handshakes of the scan, the Rate
	// requests aside. Default DefaultBudget (200).
	Budget int
	// Timeout bounds each request. Default DefaultTimeout (10 s).
	Timeout time.Duration
	// MaxBody is how many bytes of a response body are read. Default
	// DefaultMaxBody (256 KiB).
	MaxBody int64
	// AllowUnsafe permits the POST probes (malformed JSON and a 2 MiB body,
	// both unparsable so that no handler can act on them). Default false:
	// only GET, OPTIONS and TRACE are sent.
	AllowUnsafe bool
	// HTTPPort is the port the plain-HTTP check uses on an https target.
	// Default 80.
	HTTPPort int
	// RootCAs verifies the target's certificate. Default: the system pool.
	RootCAs *x509.CertPool
	// Insecure scans a target whose certificate does not verify, reporting
	// GH-TLS-004 instead of stopping.
	Insecure bool
	// Progress, if set, is called as each request is sent. It must not
	// block.
	Progress func(Progress)
}

// Progress tells a caller how far a scan has come.
type Progress struct {
	// Requests sent so far, and the budget they count against.
	Requests, Budget int
	// Check is the group of checks running: "baseline", "tls", "headers",
	// "cors", "auth", "errors" or "rate".
	Check string
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	target    *url.URL
	origin    *url.URL
	protected []*url.URL
	ratePath  *url.URL
}

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
}

func (c Config) validate() (*settings, error) {
	s := &settings{Config: c}
	t, err := url.Parse(strings.TrimSpace(c.Target))
	if err != nil {
		return nil, configErr("target: %v", err)
	}
	if t.Scheme != "http" && t.Scheme != "https" {
		return nil, configErr("target %q: scheme must be http or https", c.Target)
	}
	if t.Hostname() == "" {
		return nil, configErr("target %q: no host", c.Target)
	}
	if t.User != nil {
		return nil, configErr("target: user information in the URL is not supported; use -token")
	}
	if p := t.Port(); p != "" && !validPort(p) {
		return nil, configErr("target %q: bad port", c.Target)
	}
	t.Fragment, t.RawFragment = "", ""
	if t.Path == "" {
		t.Path = "/"
	}
	s.target = t

	origin := c.Origin
	if origin == "" {
		origin = t.Scheme + "://" + t.Host
	}
	o, err := url.Parse(origin)
	if err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Hostname() == "" ||
		o.User != nil || (o.Path != "" && o.Path != "/") || o.RawQuery != "" {
		return nil, configErr("origin %q: want scheme://host[:port]", c.Origin)
	}
	o.Path = ""
	s.origin = o

	for _, p := range c.Protected {
		u, err := s.sameOrigin(p)
		if err != nil {
			return nil, configErr("protected path %q: %v", p, err)
		}
		s.protected = append(s.protected, u)
	}
	s.ratePath = t
	if c.RatePath != "" {
		u, err := s.sameOrigin(c.RatePath)
		if err != nil {
			return nil, configErr("rate path %q: %v", c.RatePath, err)
		}
		s.ratePath = u
	}
	switch {
	case c.Budget < 0 || c.Budget > MaxBudget:
		return nil, configErr("budget %d out of range 1..%d", c.Budget, MaxBudget)
	case c.Budget == 0:
		s.Budget = DefaultBudget
	}
	if c.Rate < 0 || c.Rate > MaxRate {
		return nil, configErr("rate %d out of range 0..%d", c.Rate, MaxRate)
	}
	switch {
	case c.Timeout < 0:
		return nil, configErr("negative timeout")
	case c.Timeout == 0:
		s.Timeout = DefaultTimeout
	}
	switch {
	case c.MaxBody < 0:
		return nil, configErr("negative body limit")
	case c.MaxBody == 0:
		s.MaxBody = DefaultMaxBody
	}
	switch {
	case c.HTTPPort < 0 || c.HTTPPort > 65535:
		return nil, configErr("http port %d out of range", c.HTTPPort)
	case c.HTTPPort == 0:
		s.HTTPPort = 80
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return nil, configErr("token contains white space")
	}
	return s, nil
}

// sameOrigin resolves a path or URL against the target and refuses one on
// another origin.
func (s *settings) sameOrigin(ref string) (*url.URL, error) {
	if ref == "" {
		return nil, errors.New("empty")
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if r.Scheme == "" && r.Host == "" && !strings.HasPrefix(r.Path, "/") {
		return nil, errors.New("must start with / or be a URL on the target")
	}
	u := s.target.ResolveReference(r)
	if u.Scheme != s.target.Scheme || !strings.EqualFold(u.Host, s.target.Host) || u.User != nil {
		return nil, errors.New("not on the target's origin")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n <= 65535
}

// hostPort returns the dial address of u, with the scheme's default port,
// spelled as net/http's transport spells it (an internationalized name in
// its ASCII form), so that the dialer's allow-list matches.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(dialHost(u.Hostname()), port)
}

// dialHost lower-cases a host name and converts an internationalized one
// to its ASCII (punycode) form.
func dialHost(h string) string {
	h = strings.ToLower(h)
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			if a, err := idna.Lookup.ToASCII(h); err == nil {
				return a
			}
			break
		}
	}
	return h
}
