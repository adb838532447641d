package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"golang.org/x/time/rate"
)

// Remote JWKS defaults.
const (
	DefaultRemoteRefresh     = 15 * time.Minute
	DefaultUnknownKIDRefresh = time.Minute
	DefaultRemoteTimeout     = 10 * time.Second
	DefaultRemoteMaxBytes    = 256 << 10
)

// RemoteOptions configures a RemoteKeySet. URL is required.
type RemoteOptions struct {
	// URL of the issuer's JWKS, for example
	// "https://issuer.example.com/.well-known/jwks.json". Must be https.
	URL string
	// Client fetches the JWKS. Default: a client with Timeout that follows
	// no redirects.
	Client *http.Client
	// RefreshInterval is how often the set is refetched in the background.
	// Default 15 minutes; at least one second.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches triggered by
	// tokens naming an unknown kid, so that forged kids cannot make this
	// service hammer the issuer. Default one minute; at least one second.
	UnknownKIDInterval time.Duration
	// Timeout bounds one fetch. Default 10 seconds.
	Timeout time.Duration
	// MaxResponseBytes bounds the JWKS document. Default 256 KiB; at most
	// 1 MiB.
	MaxResponseBytes int64
	// Algorithms lists the accepted key algorithms. Default: RS256, PS256,
	// ES256, EdDSA. HMAC keys are never accepted from a remote set.
	Algorithms []Algorithm
	// FallbackAlg is the algorithm of published keys without "alg" whose
	// key type does not imply one (RSA). Default "": such keys are skipped.
	FallbackAlg Algorithm
	// AllowHTTP permits a plain http URL. For tests on loopback only.
	AllowHTTP bool
	// Audit receives a sys_store_error event for every failed fetch.
	Audit audit.Recorder
}

// RemoteKeySet is a KeySource that verifies with the public keys another
// issuer publishes as a JWKS. It fetches the set at creation, refreshes it
// in the background, and refetches early (rate-limited) when a token names
// an unknown kid. Keys holding private material, HMAC keys, keys whose
// "kty" does not match their "alg", keys whose "use" is not "sig" and keys
// of refused algorithms are skipped. A fetch that fails keeps the previous
// keys.
//
// A RemoteKeySet is safe for concurrent use. Close stops the background
// refresh.
type RemoteKeySet struct {
	o       RemoteOptions
	url     string
	client  *http.Client
	snap    atomic.Pointer[keySnapshot]
	limiter *rate.Limiter
	ctx     context.Context // ends at Close
	cancel  context.CancelFunc
	done    chan struct{}

	mu       sync.Mutex
	inflight chan struct{}
	lastErr  error
	fetches  atomic.Int64
}

// NewRemoteKeySet fetches the JWKS at o.URL and starts refreshing it in
// the background until Close is called or ctx ends. An unreachable issuer
// or a set without a usable key is an error.
func NewRemoteKeySet(ctx context.Context, o RemoteOptions) (*RemoteKeySet, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" || u.User != nil || !(u.Scheme == "https" || u.Scheme == "http" && o.AllowHTTP) {
		return nil, errors.New("jwtauth: remote JWKS URL must be an https URL without credentials")
	}
	if err := remoteDefaults(&o); err != nil {
		return nil, err
	}
	r := &RemoteKeySet{
		o: o, url: u.String(), client: o.Client,
		limiter: rate.NewLimiter(rate.Every(o.UnknownKIDInterval), 1),
		done:    make(chan struct{}),
	}
	if r.client == nil {
		r.client = &http.Client{
			Timeout:       o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	r.snap.Store((&keySnapshot{byKID: map[string]keyEntry{}}).build(time.Now()))
	r.ctx, r.cancel = context.WithCancel(ctx)
	if err := r.Refresh(ctx); err != nil {
		r.cancel()
		return nil, err
	}
	go r.loop()
	return r, nil
}

func remoteDefaults(o *RemoteOptions) error {
	def := func(d *time.Duration, v time.Duration, name string) error {
		switch {
		case *d == 0:
			*d = v
		case *d < time.Second:
			return fmt.Errorf("jwtauth: %s must be at least one second", name)
		}
		return nil
	}
	if err := errors.Join(def(&o.RefreshInterval, DefaultRemoteRefresh, "RefreshInterval"),
		def(&o.UnknownKIDInterval, DefaultUnknownKIDRefresh, "UnknownKIDInterval"),
		def(&o.Timeout, DefaultRemoteTimeout, "Timeout")); err != nil {
		return err
	}
	switch {
	case o.MaxResponseBytes == 0:
		o.MaxResponseBytes = DefaultRemoteMaxBytes
	case o.MaxResponseBytes < 0 || o.MaxResponseBytes > maxJWKSBytes:
		return errors.New("jwtauth: MaxResponseBytes must be between 1 and 1 MiB")
	}
	if len(o.Algorithms) == 0 {
		o.Algorithms = []Algorithm{RS256, PS256, ES256, EdDSA}
	}
	for _, a := range o.Algorithms {
		if !a.Valid() || a.Symmetric() {
			return fmt.Errorf("jwtauth: algorithm %q cannot be used with a remote JWKS", string(a))
		}
	}
	if o.FallbackAlg != "" && (!o.FallbackAlg.Valid() || o.FallbackAlg.Symmetric()) {
		return errors.New("jwtauth: FallbackAlg must be an asymmetric algorithm")
	}
	return nil
}

func (r *RemoteKeySet) loop() {
	defer close(r.done)
	t := time.NewTicker(r.o.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			_ = r.Refresh(r.ctx)
		}
	}
}

// Close stops the background refresh and waits for it to end. The keys
// fetched so far keep verifying.
func (r *RemoteKeySet) Close() error {
	r.cancel()
	<-r.done
	return nil
}

func (r *RemoteKeySet) snapshot() *keySnapshot { return r.snap.Load() }

// unknownKID refetches the set for a token naming an unknown kid, at most
// once per UnknownKIDInterval, sharing a fetch already in flight.
func (r *RemoteKeySet) unknownKID(ctx context.Context) *keySnapshot {
	if !r.limiter.Allow() {
		return nil
	}
	if err := r.Refresh(ctx); err != nil {
		return nil
	}
	return r.snap.Load()
}

// KIDs returns the ids of the keys currently held.
func (r *RemoteKeySet) KIDs() []string { return slices.Clone(r.snap.Load().order) }

// Fetches returns how many fetches were made, for tests and metrics.
func (r *RemoteKeySet) Fetches() int64 { return r.fetches.Load() }

// Refresh fetches the set now, or waits for a fetch already in flight.
// ctx bounds the wait; the fetch itself is bounded by Timeout and Close.
func (r *RemoteKeySet) Refresh(ctx context.Context) error {
	r.mu.Lock()
	ch := r.inflight
	if ch == nil {
		ch = make(chan struct{})
		r.inflight = ch
		r.mu.Unlock()
		err := r.fetch()
		r.mu.Lock()
		r.inflight, r.lastErr = nil, err
		r.mu.Unlock()
		close(ch)
		return err
	}
	r.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

func (r *RemoteKeySet) fetch() error {
	r.fetches.Add(1)
	err := r.get()
	if err != nil && r.o.Audit != nil {
		e := audit.Event{Time: time.Now(), Type: audit.SysStoreError, Severity: audit.SeverityWarn,
			Outcome: audit.OutcomeFailure, Source: source, Description: "remote JWKS fetch failed",
			Details: map[string]string{"store": "jwks", "error": audit.Clean(err.Error(), 200)}}
		r.o.Audit.Record(r.ctx, e)
	}
	return err
}

func (r *RemoteKeySet) get() error {
	ctx, cancel := context.WithTimeout(r.ctx, r.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("jwtauth: remote JWKS: %w", err)
	}
	req.Header.Set("Accept", JWKSContentType+", application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwtauth: remote JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("jwtauth: remote JWKS: status " + strconv.Itoa(resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.o.MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("jwtauth: remote JWKS: %w", err)
	}
	if int64(len(body)) > r.o.MaxResponseBytes {
		return errors.New("jwtauth: remote JWKS: response too large")
	}
	snap, err := parseRemoteJWKS(body, r.o.Algorithms, r.o.FallbackAlg)
	if err != nil {
		return err
	}
	r.snap.Store(snap)
	if len(snap.byKID) == 0 {
		return errors.New("jwtauth: remote JWKS has no usable key")
	}
	return nil
}

// parseRemoteJWKS parses a published JWKS into a verify-only snapshot,
// skipping every key that is not a usable public signature key.
func parseRemoteJWKS(data []byte, algs []Algorithm, fallback Algorithm) (*keySnapshot, error) {
	raw, err := splitJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: remote JWKS: %w", err)
	}
	snap := &keySnapshot{byKID: make(map[string]keyEntry, len(raw))}
	for _, b := range raw {
		k, err := parseJWK(b, false, fallback, "")
		if err != nil || !slices.Contains(algs, k.alg) {
			continue
		}
		if _, dup := snap.byKID[k.kid]; dup {
			continue
		}
		snap.byKID[k.kid] = keyEntry{key: k}
		snap.order = append(snap.order, k.kid)
	}
	return snap.build(time.Now()), nil
}
