package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Defaults.
const (
	DefaultAccessTTL       = 15 * time.Minute
	DefaultRefreshTTL      = 7 * 24 * time.Hour
	DefaultMaxSessionAge   = 30 * 24 * time.Hour
	DefaultRealm           = "api"
	DefaultAccessType      = "at+jwt" // RFC 9068
	RefreshType            = "rt+jwt" // the "typ" of Gatehouse refresh tokens
	DefaultRefreshAudience = "urn:gatehouse:jwtauth:refresh"
	// MaxLeeway is the largest clock-skew allowance New accepts.
	MaxLeeway = 5 * time.Minute
)

// Source is a place the middleware looks for the access token.
type Source uint8

// Token sources.
const (
	// SourceHeader is "Authorization: Bearer <token>" (RFC 6750, section 2.1).
	SourceHeader Source = iota + 1
	// SourceCookie is the access-token cookie of cookie mode. Unsafe
	// requests authenticated by it must carry the CSRF token.
	SourceCookie
)

// Options configures an Auth. T is the claims type: Claims, or a struct
// embedding Claims. Keys is required; every other field has a safe default.
type Options[T any] struct {
	// Keys verifies tokens (and, when it is a *KeySet with an active key,
	// signs them). Required.
	Keys KeySource
	// Issuer is set as "iss" on issued tokens; when non-empty, verified
	// tokens must carry exactly this "iss". Default "": none.
	Issuer string
	// Audience is set as "aud" on issued access tokens; when non-empty, a
	// verified access token's "aud" must hold one of these values. When
	// empty, a token carrying any "aud" is refused (RFC 7519, section
	// 4.1.3: a recipient that is not named must reject).
	Audience []string
	// RefreshAudience is the "aud" of refresh tokens, distinct from any
	// access-token audience so that a verifier that ignores "typ" still
	// refuses a refresh token as an access token. Default
	// DefaultRefreshAudience.
	RefreshAudience string
	// AccessTTL is the lifetime of access tokens. Default 15 minutes.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of each refresh token. Default 7 days.
	RefreshTTL time.Duration
	// MaxSessionAge bounds a session across refreshes, from the login
	// ("auth_time"). Default 30 days. Must be at least RefreshTTL.
	MaxSessionAge time.Duration
	// Leeway tolerates clock skew when checking exp, nbf and iat. Default
	// 0; at most MaxLeeway.
	Leeway time.Duration
	// MaxTokenBytes bounds a token's length; longer ones are refused before
	// any decoding. Default DefaultMaxTokenBytes (8 KiB); 512 to 65536.
	MaxTokenBytes int
	// AccessTypes lists the accepted "typ" header values of access tokens,
	// compared case-insensitively with or without "application/". Default
	// {"at+jwt"} (RFC 9068). Add "JWT" to accept tokens of issuers that do
	// not type them, and "" to accept a missing "typ". The refresh type
	// "rt+jwt" is refused.
	AccessTypes []string
	// Cookie enables cookie mode (see CookieOptions). Default nil: tokens
	// travel in the Authorization header only.
	Cookie *CookieOptions
	// Sources lists where the middleware looks for the access token, in
	// order; the first source that holds a token is used, and a bad token
	// there is not retried from the next source. Default {SourceHeader},
	// or {SourceHeader, SourceCookie} in cookie mode.
	Sources []Source
	// Revoker records revoked tokens. Default: a MemoryRevoker with default
	// bounds.
	Revoker Revoker
	// Families tracks refresh-token families. Default: a MemoryFamilies
	// with default bounds.
	Families FamilyStore
	// StoreFailOpen accepts access tokens when the Revoker fails. Default
	// false: a Revoker error answers 503 (fail closed). Refreshes always
	// fail closed. Either way a sys_store_error event is recorded.
	StoreFailOpen bool
	// CacheSize enables a cache of verified access tokens signed with
	// asymmetric keys (RSA, ECDSA, Ed25519 verification costs tens of
	// microseconds; HMAC is never cached). Entries leave at the token's
	// expiry or when the key is retired; revocation is checked on every hit.
	// Default 0: no cache.
	CacheSize int
	// Realm is the realm of WWW-Authenticate challenges. Default "api".
	Realm string
	// ErrorHandler writes rejections. Default: an RFC 9457 problem with the
	// RFC 6750 challenge (see Auth.WriteError). The event is recorded before
	// it is called.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Refreshed, when set, is called with the claims of every refresh token
	// being exchanged, before rotation; it may update them (a changed role,
	// fewer scopes) for the new tokens, or return an error to refuse the
	// refresh (a disabled user). Registered claims are reset after it runs.
	Refreshed func(ctx context.Context, claims *T) error
	// Audit receives authn_token_* events. Default nil: none.
	Audit audit.Recorder
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Auth issues, verifies, refreshes and revokes tokens, and is the
// middleware that authenticates requests. It is safe for concurrent use.
type Auth[T any] struct {
	keys            KeySource
	issuer          string
	audience        []string
	refreshAudience string
	accessTTL       time.Duration
	refreshTTL      time.Duration
	maxSession      time.Duration
	leeway          time.Duration
	maxTokenBytes   int
	accessTypes     []string
	cookie          *cookieMode
	sources         []Source
	revoker         Revoker
	families        FamilyStore
	failOpen        bool
	cache           *tokenCache[T]
	challenges      challenges
	errorHandler    func(http.ResponseWriter, *http.Request, error)
	refreshed       func(context.Context, *T) error
	audit           audit.Recorder
	now             func() time.Time
	names           *claimNames
	fast            bool      // decodeFast applies to T
	bufs            sync.Pool // *decodeBuf
}

// New validates o and returns an Auth.
func New[T any](o Options[T]) (*Auth[T], error) {
	if _, ok := any(new(T)).(claimer); !ok {
		var zero T
		return nil, fmt.Errorf("jwtauth: claims type %T must be jwtauth.Claims or embed it", zero)
	}
	if o.Keys == nil || (reflect.ValueOf(o.Keys).Kind() == reflect.Pointer && reflect.ValueOf(o.Keys).IsNil()) {
		return nil, errors.New("jwtauth: Keys is required")
	}
	a := &Auth[T]{
		keys:            o.Keys,
		issuer:          o.Issuer,
		audience:        append([]string(nil), o.Audience...),
		refreshAudience: o.RefreshAudience,
		accessTTL:       o.AccessTTL,
		refreshTTL:      o.RefreshTTL,
		maxSession:      o.MaxSessionAge,
		leeway:          o.Leeway,
		maxTokenBytes:   o.MaxTokenBytes,
		revoker:         o.Revoker,
		families:        o.Families,
		failOpen:        o.StoreFailOpen,
		errorHandler:    o.ErrorHandler,
		refreshed:       o.Refreshed,
		audit:           o.Audit,
		now:             o.Now,
		names:           newClaimNames(reflect.TypeFor[T]()),
	}
	if err := a.durations(); err != nil {
		return nil, err
	}
	if a.refreshAudience == "" {
		a.refreshAudience = DefaultRefreshAudience
	}
	for _, aud := range a.audience {
		if aud == "" || aud == a.refreshAudience {
			return nil, errors.New("jwtauth: Audience values must be non-empty and differ from RefreshAudience")
		}
	}
	switch {
	case a.maxTokenBytes == 0:
		a.maxTokenBytes = DefaultMaxTokenBytes
	case a.maxTokenBytes < 512 || a.maxTokenBytes > 64<<10:
		return nil, errors.New("jwtauth: MaxTokenBytes must be between 512 and 65536")
	}
	a.bufs.New = func() any { return &decodeBuf{payload: make([]byte, a.maxTokenBytes)} }
	a.fast = fastEligible(reflect.TypeFor[T]())
	if err := a.types(o.AccessTypes); err != nil {
		return nil, err
	}
	realm := o.Realm
	if realm == "" {
		realm = DefaultRealm
	}
	if !validRealm(realm) {
		return nil, errors.New("jwtauth: Realm must be printable ASCII without quotes or backslashes")
	}
	a.challenges = newChallenges(realm)
	if o.Cookie != nil {
		c, err := newCookieMode(o.Cookie)
		if err != nil {
			return nil, err
		}
		a.cookie = c
	}
	if err := a.setSources(o.Sources); err != nil {
		return nil, err
	}
	if err := a.stores(); err != nil {
		return nil, err
	}
	if o.CacheSize < 0 {
		return nil, errors.New("jwtauth: CacheSize must not be negative")
	}
	if o.CacheSize > 0 {
		a.cache = newTokenCache[T](o.CacheSize)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.errorHandler == nil {
		a.errorHandler = a.WriteError
	}
	return a, nil
}

func (a *Auth[T]) durations() error {
	def := func(d *time.Duration, v time.Duration, name string) error {
		switch {
		case *d < 0:
			return fmt.Errorf("jwtauth: %s must not be negative", name)
		case *d == 0:
			*d = v
		case *d < time.Second:
			return fmt.Errorf("jwtauth: %s must be at least one second", name)
		}
		return nil
	}
	if err := errors.Join(def(&a.accessTTL, DefaultAccessTTL, "AccessTTL"),
		def(&a.refreshTTL, DefaultRefreshTTL, "RefreshTTL"),
		def(&a.maxSession, DefaultMaxSessionAge, "MaxSessionAge")); err != nil {
		return err
	}
	switch {
	case a.maxSession < a.refreshTTL:
		return errors.New("jwtauth: MaxSessionAge must be at least RefreshTTL")
	case a.accessTTL > a.refreshTTL:
		return errors.New("jwtauth: AccessTTL must not exceed RefreshTTL")
	case a.leeway < 0 || a.leeway > MaxLeeway:
		return fmt.Errorf("jwtauth: Leeway must be between 0 and %v", MaxLeeway)
	}
	return nil
}

func (a *Auth[T]) types(types []string) error {
	if len(types) == 0 {
		types = []string{DefaultAccessType}
	}
	for _, t := range types {
		if typMatches([]byte(t), RefreshType) {
			return errors.New("jwtauth: AccessTypes must not accept the refresh type")
		}
		if len(t) > 64 || strings.ContainsAny(t, "\"\\") {
			return errors.New("jwtauth: malformed AccessTypes entry")
		}
		a.accessTypes = append(a.accessTypes, strings.TrimPrefix(strings.ToLower(t), "application/"))
	}
	return nil
}

func (a *Auth[T]) setSources(sources []Source) error {
	if len(sources) == 0 {
		sources = []Source{SourceHeader}
		if a.cookie != nil {
			sources = append(sources, SourceCookie)
		}
	}
	seen := map[Source]bool{}
	for _, s := range sources {
		switch {
		case s != SourceHeader && s != SourceCookie:
			return errors.New("jwtauth: unknown token source")
		case s == SourceCookie && a.cookie == nil:
			return errors.New("jwtauth: SourceCookie needs Cookie options")
		case seen[s]:
			return errors.New("jwtauth: duplicate token source")
		}
		seen[s] = true
	}
	a.sources = sources
	return nil
}

func (a *Auth[T]) stores() error {
	mo := MemoryOptions{Now: a.now}
	if a.revoker == nil {
		r, err := NewMemoryRevoker(mo)
		if err != nil {
			return err
		}
		a.revoker = r
	}
	if a.families == nil {
		f, err := NewMemoryFamilies(mo)
		if err != nil {
			return err
		}
		a.families = f
	}
	return nil
}

func validRealm(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// WriteError writes the default response for a rejection: an RFC 9457
// problem body with a stable code, and the RFC 6750 WWW-Authenticate
// challenge (401 missing_token, invalid_token, token_expired,
// refresh_token_reused; 400 invalid_request; 403 insufficient_scope,
// forbidden, csrf_failed; 503 auth_unavailable). A custom ErrorHandler may
// call it for the cases it does not handle itself.
func (a *Auth[T]) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	a.challenges.write(w, r, err)
}
