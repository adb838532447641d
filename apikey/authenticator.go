package apikey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// Options configures an Authenticator. Store is required; every other zero
// value is the safe default.
type Options struct {
	// Store holds the keys: a MemoryStore, sqlstore.APIKeyStore, or either
	// behind a Cache. Use the same Store value as the Manager, so that
	// revocations through the Manager invalidate the cache. Required.
	Store Store
	// Pepper makes key hashes HMAC-SHA256 keyed with it (at least
	// MinPepperLen bytes; see Hasher). Recommended. It must be the
	// Manager's pepper. Default none: SHA-256.
	Pepper []byte
	// Prefixes are the key kinds accepted ("gk_live"); a key with another
	// prefix is malformed and never looked up. Default [DefaultPrefix].
	Prefixes []string
	// Sources are where keys are read from. Every configured source is
	// read; no precedence applies: a request whose sources carry two
	// different keys is refused (ErrConflict), the same key in two sources
	// is accepted. URL query, form and cookie sources are refused by New.
	// Default SourceHeader (X-API-Key) and SourceBearer.
	Sources []Source
	// Realm is the realm of the WWW-Authenticate challenges: printable
	// ASCII without '"' or '\', at most 64 bytes. Default "api".
	Realm string
	// Usage configures usage accounting (UsageCount, LastUsed). Default:
	// on, flushed every DefaultUsageFlushInterval by a goroutine that
	// Close stops.
	Usage UsageOptions
	// ErrorHandler writes rejections. err satisfies errors.Is with
	// ErrUnauthorized (401), ErrForbidden (403) or ErrUnavailable (503);
	// Reason(err) gives the specific reason. Default: WriteError.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives authn_apikey_used for each accepted request,
	// authn_apikey_rejected (reason in Details) for each refusal,
	// authz_fail from RequireScopes and sys_store_error when the store
	// fails. Events name keys by id and prefix only. nil: none.
	Audit audit.Recorder
	// OmitUsedEvents suppresses the authn_apikey_used event of accepted
	// requests (one per API call), keeping rejections and store errors.
	// Default false.
	OmitUsedEvents bool
}

// Authenticator is middleware that authenticates requests by API key. It
// is safe for concurrent use. Unless usage accounting is disabled, it owns
// a goroutine: call Close when done.
type Authenticator struct {
	store    Store
	hasher   *Hasher
	prefixes []string
	sources  []source
	bearer   bool
	missing  []string // WWW-Authenticate values for a request without a key
	invalid  []string // ... for an invalid key
	realm    string
	onError  func(http.ResponseWriter, *http.Request, error)
	audit    audit.Recorder
	omitUsed bool
	usage    *usageTracker // nil when disabled
	now      func() time.Time
}

// New validates opts and returns an Authenticator.
func New(opts Options) (*Authenticator, error) {
	if opts.Store == nil {
		return nil, errors.New("apikey: Options.Store is required")
	}
	hasher, err := NewHasher(opts.Pepper)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{
		store:    opts.Store,
		hasher:   hasher,
		onError:  opts.ErrorHandler,
		audit:    opts.Audit,
		omitUsed: opts.OmitUsedEvents,
		now:      time.Now,
	}
	if a.prefixes, err = validPrefixes(opts.Prefixes, nil); err != nil {
		return nil, err
	}
	if a.sources, err = parseSources(opts.Sources); err != nil {
		return nil, err
	}
	realm := opts.Realm
	if realm == "" {
		realm = "api"
	}
	if !validRealm(realm) {
		return nil, fmt.Errorf("apikey: invalid realm %q", realm)
	}
	a.realm = realm
	a.buildChallenges()
	if a.onError == nil {
		a.onError = a.WriteError
	}
	if !opts.Usage.Disabled {
		if a.usage, err = newUsageTracker(opts.Store, opts.Usage, opts.Audit); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// validPrefixes validates and deduplicates prefixes; empty means
// DefaultPrefix (plus first, when set).
func validPrefixes(list []string, first *string) ([]string, error) {
	var out []string
	if first != nil {
		out = append(out, *first)
	}
	for _, p := range list {
		if err := ValidatePrefix(p); err != nil {
			return nil, err
		}
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{DefaultPrefix}
	}
	return out, nil
}

func validRealm(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\' {
			return false
		}
	}
	return true
}

// buildChallenges precomputes the WWW-Authenticate values: a Bearer
// challenge when SourceBearer is configured (RFC 6750, section 3: no error
// attribute when the request had no credentials, error="invalid_token"
// otherwise), first, then an "APIKey" challenge naming the header for each
// header source.
func (a *Authenticator) buildChallenges() {
	realm := `realm="` + a.realm + `"`
	for _, s := range a.sources {
		if s.bearer {
			a.bearer = true
			a.missing = append(a.missing, "Bearer "+realm)
			a.invalid = append(a.invalid, "Bearer "+realm+`, error="invalid_token"`)
		}
	}
	for _, s := range a.sources {
		if !s.bearer {
			c := "APIKey " + realm + `, header="` + s.name + `"`
			a.missing = append(a.missing, c)
			a.invalid = append(a.invalid, c)
		}
	}
	a.missing = a.missing[:len(a.missing):len(a.missing)]
	a.invalid = a.invalid[:len(a.invalid):len(a.invalid)]
}

// Handler returns middleware that lets through only requests carrying a
// valid key that may be used from the client's address, with the Key in
// the request context (FromContext). Other requests get the ErrorHandler's
// response. For a valid key it costs two allocations (the context and the
// request copy) and never waits on a database write.
func (a *Authenticator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := a.now()
		k, err := a.authenticate(r, now)
		if err != nil {
			a.reject(w, r, err, k)
			return
		}
		if a.usage != nil {
			a.usage.add(k.ID, now)
		}
		if a.audit != nil && !a.omitUsed {
			e := event.New(r, "apikey", audit.AuthnAPIKeyUsed, audit.SeverityInfo, audit.OutcomeSuccess)
			e.Actor = k.Actor()
			e.Details = map[string]string{"key_id": k.ID, "prefix": k.Prefix}
			a.audit.Record(r.Context(), e)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, k)))
	})
}

// Authenticate checks the key r carries, as Handler does, and counts its
// use, but writes no response and records no audit event: for code that
// authenticates outside the middleware chain. The error is one of the
// rejections (see Reason) or wraps ErrUnavailable.
func (a *Authenticator) Authenticate(r *http.Request) (Key, error) {
	now := a.now()
	k, err := a.authenticate(r, now)
	if err != nil {
		return Key{}, err
	}
	if a.usage != nil {
		a.usage.add(k.ID, now)
	}
	return *k, nil
}

// authenticate returns the stored key for the request's key, or a
// rejection together with the stored key when one was found (for the
// audit event).
func (a *Authenticator) authenticate(r *http.Request, now time.Time) (*Key, error) {
	raw, err := extract(r, a.sources)
	if err != nil {
		return nil, err
	}
	prefix, err := Parse(raw)
	if err != nil || !a.accepts(prefix) {
		return nil, ErrMalformed
	}
	h := a.hasher.Hash(raw)
	k, err := a.store.ByHash(r.Context(), h)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrUnknown
		}
		return nil, &storeError{err: err}
	}
	if k == nil || !hashEqual(&k.Hash, &h) {
		return nil, ErrUnknown
	}
	switch {
	case k.Revoked(now):
		return k, ErrRevoked
	case k.Expired(now):
		return k, ErrExpired
	case len(k.AllowedNetworks) > 0 && !k.AllowsAddr(clientip.From(r)):
		return k, ErrIPNotAllowed
	}
	return k, nil
}

func (a *Authenticator) accepts(prefix string) bool {
	for _, p := range a.prefixes {
		if p == prefix {
			return true
		}
	}
	return false
}

// reject records the audit event of a refusal and hands it to the
// ErrorHandler. k is the stored key when the refusal came after the
// lookup.
func (a *Authenticator) reject(w http.ResponseWriter, r *http.Request, err error, k *Key) {
	if a.audit != nil {
		var e audit.Event
		if errors.Is(err, ErrUnavailable) {
			e = event.New(r, "apikey", audit.SysStoreError, audit.SeverityCritical, audit.OutcomeBlocked)
			e.Description = "api key store failed; request refused"
		} else {
			e = event.New(r, "apikey", audit.AuthnAPIKeyRejected, audit.SeverityWarn, audit.OutcomeBlocked)
		}
		e.Details = map[string]string{"reason": Reason(err)}
		if k != nil {
			e.Actor = k.Actor()
			e.Details["key_id"] = k.ID
			e.Details["prefix"] = k.Prefix
		}
		a.audit.Record(r.Context(), e)
	}
	a.onError(w, r, err)
}

// WriteError writes the default response for a rejection: 401 with code
// "invalid_api_key" and WWW-Authenticate challenges for every
// ErrUnauthorized (identical whatever the reason, so that a client cannot
// tell an unknown key from a revoked one), 403 "ip_not_allowed" or
// "insufficient_scope" for ErrForbidden, 503 "api_key_store_unavailable"
// for ErrUnavailable. Any other error is answered as 401. Custom
// ErrorHandlers may call it.
func (a *Authenticator) WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInsufficientScope):
		var se *scopeError
		if a.bearer && errors.As(err, &se) {
			w.Header()["Www-Authenticate"] = se.challenge
		}
		problemScope.Write(w)
	case errors.Is(err, ErrForbidden):
		problemIPNotAllowed.Write(w)
	case errors.Is(err, ErrUnavailable):
		problemUnavailable.Write(w)
	case errors.Is(err, ErrMissing):
		w.Header()["Www-Authenticate"] = a.missing
		problemUnauthorized.Write(w)
	default:
		w.Header()["Www-Authenticate"] = a.invalid
		problemUnauthorized.Write(w)
	}
}

// Flush writes the usage counted so far to the store now, instead of at
// the next interval.
func (a *Authenticator) Flush(ctx context.Context) error {
	if a.usage == nil {
		return nil
	}
	return a.usage.flush(ctx)
}

// UsageDropped returns how many key uses were not counted, because the
// pending set was full or the Authenticator was closed.
func (a *Authenticator) UsageDropped() uint64 {
	if a.usage == nil {
		return 0
	}
	return a.usage.dropped.Load()
}

// Close stops the usage goroutine and flushes the usage counted so far,
// waiting at most until ctx ends. Requests after Close are still
// authenticated but their use is not counted. It is safe to call more than
// once.
func (a *Authenticator) Close(ctx context.Context) error {
	if a.usage == nil {
		return nil
	}
	return a.usage.close(ctx)
}

type ctxKey struct{}

// FromContext returns the key that authenticated the request, as stored by
// Handler. The Key shares its slices with the store's cache: read-only.
func FromContext(ctx context.Context) (Key, bool) {
	k := keyFrom(ctx)
	if k == nil {
		return Key{}, false
	}
	return *k, true
}

func keyFrom(ctx context.Context) *Key {
	k, _ := ctx.Value(ctxKey{}).(*Key)
	return k
}
