package csrf

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// Token defaults.
const (
	DefaultCookieName         = "__Host-csrf"
	DefaultInsecureCookieName = "csrf"
	DefaultHeaderName         = "X-CSRF-Token"
	DefaultMaxAge             = 12 * time.Hour
	// MinKeyLen is the shortest HMAC key NewTokens accepts, in bytes.
	MinKeyLen = 32
)

// Token layout: version (1) | nonce (16) | expiry, Unix seconds, big endian (8) | HMAC-SHA256 (32).
const (
	tokenVersion  = 1
	nonceLen      = 16
	payloadLen    = 1 + nonceLen + 8
	rawTokenLen   = payloadLen + sha256.Size
	tokenLen      = (rawTokenLen*8 + 5) / 6 // unpadded base64url
	macDomain     = "gatehouse/csrf/v1\x00"
	maxCookieSize = 4096
)

// TokenOptions configures double-submit tokens. Key is required; every other
// field has a safe default.
type TokenOptions struct {
	// Key is the HMAC-SHA256 key that signs tokens: at least 32 bytes from a
	// cryptographic random source, kept secret. NewTokens copies it.
	Key []byte
	// PreviousKeys are older keys still accepted by Verify during a key
	// rotation (each at least 32 bytes). Issue always signs with Key.
	PreviousKeys [][]byte
	// CookieName names the token cookie. Default "__Host-csrf": the __Host-
	// prefix makes browsers refuse the cookie unless it is Secure, has
	// Path=/ and no Domain, so a sibling subdomain cannot plant one. Default
	// "csrf" when InsecureCookie is set. A __Host- or __Secure- name with
	// InsecureCookie is an error.
	CookieName string
	// HeaderName is the request header that carries the token. Default
	// "X-CSRF-Token". Being a non-safelisted header, it cannot be sent
	// cross-origin without a CORS preflight.
	HeaderName string
	// InsecureCookie drops the Secure attribute, for local development over
	// plain HTTP only. Default false: the cookie is Secure.
	InsecureCookie bool
	// SameSite is the cookie's SameSite attribute. Default (zero, or
	// http.SameSiteDefaultMode) is http.SameSiteLaxMode, which keeps the
	// cookie on top-level navigations into the app; Strict is accepted.
	// http.SameSiteNoneMode requires a Secure cookie.
	SameSite http.SameSite
	// MaxAge is the lifetime of a token and of its cookie. Default 12h.
	// Negative is an error. The expiry is signed into the token, so a stale
	// cookie that a browser kept is still refused.
	MaxAge time.Duration
	// SessionID returns the session a request belongs to, for Handler; the
	// empty string binds tokens to no session (anonymous forms). Default: a
	// function returning "". Verify and Issue take the session id directly.
	SessionID func(r *http.Request) string
	// ErrorHandler writes Handler's rejections. Default DefaultErrorHandler
	// (403 problem, code "csrf_failed"). err satisfies errors.Is(err, ErrCSRF).
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives a malicious_csrf event for every failed Verify. nil: none.
	Audit audit.Recorder
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Tokens issues and verifies signed double-submit CSRF tokens. A token is
// base64url(version | 128-bit random nonce | expiry | HMAC-SHA256), where
// the MAC covers the version, nonce, expiry and the session id the token is
// bound to. The token travels twice: in a cookie that JavaScript can read,
// and in a request header the client copies it into. A cross-site attacker
// can make the browser send the cookie but can neither read it nor set the
// header; and because the token is bound to the session by a key only the
// server holds, a cookie planted by a sibling subdomain (cookie tossing) is
// useless too.
//
// Tokens is immutable after NewTokens and safe for concurrent use.
type Tokens struct {
	keys       [][]byte // keys[0] signs
	cookieName string
	headerName string // canonical
	secure     bool
	sameSite   http.SameSite
	maxAge     time.Duration
	sessionID  func(*http.Request) string
	onError    func(http.ResponseWriter, *http.Request, error)
	audit      audit.Recorder
	now        func() time.Time
}

// NewTokens validates opts and returns a token issuer and verifier.
func NewTokens(opts TokenOptions) (*Tokens, error) {
	if len(opts.Key) < MinKeyLen {
		return nil, fmt.Errorf("csrf: key must be at least %d bytes", MinKeyLen)
	}
	if allSame(opts.Key) {
		return nil, errors.New("csrf: key is not random (all bytes equal)")
	}
	t := &Tokens{
		keys:     [][]byte{append([]byte(nil), opts.Key...)},
		secure:   !opts.InsecureCookie,
		sameSite: opts.SameSite,
		maxAge:   opts.MaxAge,
		onError:  opts.ErrorHandler,
		audit:    opts.Audit,
		now:      opts.Now,
	}
	for i, k := range opts.PreviousKeys {
		if len(k) < MinKeyLen || allSame(k) {
			return nil, fmt.Errorf("csrf: previous key %d must be at least %d random bytes", i, MinKeyLen)
		}
		t.keys = append(t.keys, append([]byte(nil), k...))
	}

	t.cookieName = opts.CookieName
	if t.cookieName == "" {
		t.cookieName = DefaultCookieName
		if opts.InsecureCookie {
			t.cookieName = DefaultInsecureCookieName
		}
	}
	if !isToken(t.cookieName) {
		return nil, errors.New("csrf: cookie name is not a valid cookie name")
	}
	if opts.InsecureCookie && (strings.HasPrefix(t.cookieName, "__Host-") || strings.HasPrefix(t.cookieName, "__Secure-")) {
		return nil, errors.New("csrf: __Host- and __Secure- cookie names require a Secure cookie")
	}

	name := opts.HeaderName
	if name == "" {
		name = DefaultHeaderName
	}
	if !isToken(name) {
		return nil, errors.New("csrf: header name is not a valid header field name")
	}
	t.headerName = http.CanonicalHeaderKey(name)

	switch t.sameSite {
	case 0, http.SameSiteDefaultMode:
		t.sameSite = http.SameSiteLaxMode
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if opts.InsecureCookie {
			return nil, errors.New("csrf: SameSite=None requires a Secure cookie")
		}
	default:
		return nil, errors.New("csrf: unknown SameSite mode")
	}

	switch {
	case t.maxAge < 0:
		return nil, errors.New("csrf: max age must not be negative")
	case t.maxAge == 0:
		t.maxAge = DefaultMaxAge
	case t.maxAge < time.Second:
		return nil, errors.New("csrf: max age must be at least one second")
	}
	t.sessionID = opts.SessionID
	if t.sessionID == nil {
		t.sessionID = func(*http.Request) string { return "" }
	}
	if t.onError == nil {
		t.onError = DefaultErrorHandler
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t, nil
}

// HeaderName returns the canonical name of the request header that carries
// the token.
func (t *Tokens) HeaderName() string { return t.headerName }

// CookieName returns the name of the token cookie.
func (t *Tokens) CookieName() string { return t.cookieName }

// Issue creates a token bound to sessionID, valid for MaxAge, sets it in the
// token cookie (not HttpOnly, so that the page's script can copy it into the
// header), and returns it so that it can also be sent in a response body or
// header. Call it when a session starts (login) and whenever the client asks
// for a token; earlier tokens stay valid until they expire or the session
// they are bound to ends. An error means the system's random source failed.
func (t *Tokens) Issue(w http.ResponseWriter, sessionID string) (string, error) {
	tok, err := t.newToken(sessionID)
	if err != nil {
		return "", err
	}
	http.SetCookie(w, t.cookie(tok, int(t.maxAge.Round(time.Second)/time.Second)))
	return tok, nil
}

// Clear expires the token cookie, for logout.
func (t *Tokens) Clear(w http.ResponseWriter) {
	http.SetCookie(w, t.cookie("", -1))
}

func (t *Tokens) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     t.cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   t.secure,
		HttpOnly: false,
		SameSite: t.sameSite,
	}
}

func (t *Tokens) newToken(sessionID string) (string, error) {
	var raw [rawTokenLen]byte
	raw[0] = tokenVersion
	if _, err := rand.Read(raw[1 : 1+nonceLen]); err != nil {
		return "", fmt.Errorf("csrf: reading random bytes: %w", err)
	}
	exp := t.now().Add(t.maxAge).Unix()
	binary.BigEndian.PutUint64(raw[1+nonceLen:payloadLen], uint64(exp))
	sign(raw[payloadLen:payloadLen], t.keys[0], raw[:payloadLen], sessionID)
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// sign appends HMAC-SHA256(key, domain | payload | sessionID) to dst. The
// session id comes last and the payload has a fixed length, so the input is
// unambiguous.
func sign(dst, key, payload []byte, sessionID string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(macDomain))
	m.Write(payload)
	m.Write([]byte(sessionID))
	return m.Sum(dst)
}

// Verify checks r's token: the header token must equal the token cookie
// (compared in constant time), carry a valid signature for sessionID under
// one of the keys, and not be expired. It ignores the method: callers decide
// which requests need a token (see IsSafeMethod). Every error it returns
// satisfies errors.Is(err, ErrCSRF), and each failure is recorded as a
// malicious_csrf audit event through TokenOptions.Audit, so callers need not
// record their own.
func (t *Tokens) Verify(r *http.Request, sessionID string) error {
	err := t.verify(r, sessionID)
	if err != nil {
		t.record(r, err)
	}
	return err
}

func (t *Tokens) verify(r *http.Request, sessionID string) error {
	hv := r.Header[t.headerName]
	if len(hv) == 0 || hv[0] == "" {
		return ErrTokenMissing
	}
	if len(hv) > 1 {
		return ErrTokenInvalid
	}
	header := hv[0]
	if len(header) > maxCookieSize {
		return ErrTokenInvalid
	}
	cookies := r.CookiesNamed(t.cookieName)
	if len(cookies) == 0 {
		return ErrTokenMissing
	}
	// A browser may hold several cookies of this name (different paths, or
	// planted ones); the request passes if any of them is the header token.
	// Which one matches does not matter: the signature check below binds the
	// header token to the session, so a planted token is refused anyway.
	match := 0
	for _, c := range cookies {
		match |= subtle.ConstantTimeCompare([]byte(c.Value), []byte(header))
	}
	if match != 1 {
		return ErrTokenMismatch
	}
	return t.check(header, sessionID)
}

// check validates a token's format, signature and expiry.
func (t *Tokens) check(tok, sessionID string) error {
	raw, ok := decodeToken(tok)
	if !ok {
		return ErrTokenInvalid
	}
	valid := false
	var mac [sha256.Size]byte
	for _, k := range t.keys {
		if hmac.Equal(sign(mac[:0], k, raw[:payloadLen], sessionID), raw[payloadLen:]) {
			valid = true
		}
	}
	if !valid {
		return ErrTokenInvalid
	}
	exp := int64(binary.BigEndian.Uint64(raw[1+nonceLen : payloadLen]))
	if t.now().Unix() >= exp {
		return ErrTokenExpired
	}
	return nil
}

// decodeToken parses the wire form of a token. It checks the length before
// decoding, so arbitrary input costs at most one fixed-size decode.
func decodeToken(tok string) (raw [rawTokenLen]byte, ok bool) {
	if len(tok) != tokenLen {
		return raw, false
	}
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], []byte(tok))
	if err != nil || n != rawTokenLen || raw[0] != tokenVersion {
		return raw, false
	}
	return raw, true
}

// Handler returns middleware that requires a valid token on every request
// whose method is not safe (see IsSafeMethod), bound to the session that
// TokenOptions.SessionID names. Rejections go to TokenOptions.ErrorHandler.
func (t *Tokens) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsSafeMethod(r.Method) {
			if err := t.Verify(r, t.sessionID(r)); err != nil {
				t.onError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (t *Tokens) record(r *http.Request, err error) {
	if t.audit == nil {
		return
	}
	e := event.New(r, "csrf", audit.MaliciousCSRF, audit.SeverityWarn, audit.OutcomeBlocked)
	e.Description = "double-submit token check failed"
	e.Details = map[string]string{"reason": Reason(err), "check": "token"}
	t.audit.Record(r.Context(), e)
}

// isToken reports whether s is a non-empty RFC 9110 token (header field
// names and cookie names).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

func allSame(b []byte) bool {
	for _, c := range b[1:] {
		if c != b[0] {
			return false
		}
	}
	return true
}
