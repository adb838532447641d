package password

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BreachChecker tells whether a password is known from data breaches.
// Implementations must be safe for concurrent use and must not log or
// store the password.
type BreachChecker interface {
	// Breached returns how many times password appears in the breaches it
	// knows (0: not found).
	Breached(ctx context.Context, password string) (int, error)
}

// BreachCheckerFunc adapts a function to BreachChecker.
type BreachCheckerFunc func(ctx context.Context, password string) (int, error)

// Breached calls f.
func (f BreachCheckerFunc) Breached(ctx context.Context, password string) (int, error) {
	return f(ctx, password)
}

// DefaultHIBPEndpoint is the Pwned Passwords range API.
const DefaultHIBPEndpoint = "https://api.pwnedpasswords.com/range/"

// HIBPOptions configures an HIBP client.
type HIBPOptions struct {
	// Endpoint is the range API's URL, to which the 5-character prefix is
	// appended. Default DefaultHIBPEndpoint. It must be https, except on a
	// loopback host (for tests and local mirrors).
	Endpoint string
	// Client makes the requests. Default an http.Client with a 5 s timeout.
	Client *http.Client
	// UserAgent is sent with each request. Default "gatehouse-password".
	UserAgent string
	// MaxResponseBytes bounds the body read. Default 1 MiB (a padded
	// response is about 30 KB).
	MaxResponseBytes int64
}

// HIBP checks passwords against Have I Been Pwned's Pwned Passwords with
// the k-anonymity range API: only the first 5 hex digits of the password's
// SHA-1 leave the process; the service answers every hash suffix under
// that prefix with its count, and the match is made locally. Requests ask
// for padding (Add-Padding: true) so that the response size does not hint
// at the prefix; padding entries (count 0) are ignored. It is safe for
// concurrent use.
type HIBP struct {
	endpoint string
	client   *http.Client
	ua       string
	maxBody  int64
}

// NewHIBP returns a client, or an error for an invalid endpoint.
func NewHIBP(o HIBPOptions) (*HIBP, error) {
	if o.Endpoint == "" {
		o.Endpoint = DefaultHIBPEndpoint
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if o.UserAgent == "" {
		o.UserAgent = "gatehouse-password"
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = 1 << 20
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || u.Host == "" {
		return nil, errors.New("password: invalid HIBP endpoint")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname())) {
		return nil, errors.New("password: HIBP endpoint must use https")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("password: HIBP endpoint must not have a query or fragment")
	}
	return &HIBP{endpoint: o.Endpoint, client: o.Client, ua: o.UserAgent, maxBody: o.MaxResponseBytes}, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Breached implements BreachChecker.
func (c *HIBP) Breached(ctx context.Context, password string) (int, error) {
	sum := sha1.Sum([]byte(password))
	var hx [40]byte
	hex.Encode(hx[:], sum[:])
	digest := strings.ToUpper(string(hx[:]))
	prefix, suffix := digest[:5], digest[5:]

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+prefix, nil)
	if err != nil {
		return 0, fmt.Errorf("password: hibp: %w", err)
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", c.ua)
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("password: hibp: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("password: hibp: status %d", resp.StatusCode)
	}
	return parseRange(resp.Body, suffix, c.maxBody)
}

// parseRange reads a range response ("SUFFIX:COUNT" lines, CRLF or LF) of
// at most maxBytes and returns the count of suffix (0 when absent). A
// malformed line fails the whole response: an answer that cannot be
// trusted is not taken as "not breached".
func parseRange(r io.Reader, suffix string, maxBytes int64) (int, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxBytes+1))
	sc.Buffer(make([]byte, 0, 128), 128)
	var read int64
	found := 0
	for sc.Scan() {
		line := sc.Bytes()
		read += int64(len(line)) + 1
		if read > maxBytes {
			return 0, errors.New("password: hibp: response too large")
		}
		s := strings.TrimSuffix(string(line), "\r")
		if s == "" {
			continue
		}
		suf, cnt, ok := strings.Cut(s, ":")
		if !ok || len(suf) != 35 || !isHex(suf) {
			return 0, errors.New("password: hibp: malformed response line")
		}
		n, err := strconv.Atoi(cnt)
		if err != nil || n < 0 || len(cnt) > 12 {
			return 0, errors.New("password: hibp: malformed count")
		}
		if found == 0 && n > 0 && strings.EqualFold(suf, suffix) {
			found = n
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("password: hibp: reading response: %w", err)
	}
	return found, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
