package jwtauth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// AppClaims is the claims type of the tests: Claims plus an app field.
type AppClaims struct {
	jwtauth.Claims
	Role string `json:"role,omitempty"`
}

func user(sub, scope, role string) AppClaims {
	return AppClaims{Claims: jwtauth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: sub}, Scope: scope}, Role: role}
}

var (
	keyOnce  sync.Once
	rsaKey   *rsa.PrivateKey
	rsaKey2  *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
	hmacKey1 = []byte("0123456789abcdef0123456789abcdef")
	hmacKey2 = []byte("fedcba9876543210fedcba9876543210")
)

// testKeys generates the asymmetric keys once per test binary.
func testKeys(t testing.TB) {
	t.Helper()
	keyOnce.Do(func() {
		for _, alg := range []jwtauth.Algorithm{jwtauth.RS256, jwtauth.PS256, jwtauth.ES256, jwtauth.EdDSA} {
			k, err := jwtauth.GenerateKey(alg)
			if err != nil {
				panic(err)
			}
			switch alg {
			case jwtauth.RS256:
				rsaKey = mustSigner(k).(*rsa.PrivateKey)
			case jwtauth.PS256:
				rsaKey2 = mustSigner(k).(*rsa.PrivateKey)
			case jwtauth.ES256:
				ecKey = mustSigner(k).(*ecdsa.PrivateKey)
			case jwtauth.EdDSA:
				edKey = mustSigner(k).(ed25519.PrivateKey)
			}
		}
	})
}

// mustSigner recovers a generated key's private part through a PEM-free
// path: the JWK round trip is tested elsewhere, here we need raw keys.
func mustSigner(k *jwtauth.Key) any {
	return jwtauth.PrivateForTest(k)
}

func mustKey(t testing.TB, kid string, alg jwtauth.Algorithm, material any) *jwtauth.Key {
	t.Helper()
	k, err := jwtauth.NewKey(kid, alg, material)
	require.NoError(t, err)
	return k
}

func mustSet(t testing.TB, active *jwtauth.Key, others ...*jwtauth.Key) *jwtauth.KeySet {
	t.Helper()
	s, err := jwtauth.NewKeySet(active, others...)
	require.NoError(t, err)
	return s
}

// newAuth builds an Auth on a fake clock with an HS256 key "k1".
func newAuth(t testing.TB, c *clock, mod func(*jwtauth.Options[AppClaims])) *jwtauth.Auth[AppClaims] {
	t.Helper()
	o := jwtauth.Options[AppClaims]{
		Keys:     mustSet(t, mustKey(t, "k1", jwtauth.HS256, hmacKey1)),
		Issuer:   "https://issuer.test",
		Audience: []string{"https://api.test"},
		Now:      c.Now,
	}
	if mod != nil {
		mod(&o)
	}
	a, err := jwtauth.New(o)
	require.NoError(t, err)
	return a
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// forge builds a compact JWS from raw header and payload JSON, signed by
// method with key (nil method: signature segment sig as given).
func forge(t testing.TB, header, payload string, method jwt.SigningMethod, key any) string {
	t.Helper()
	input := b64url([]byte(header)) + "." + b64url([]byte(payload))
	if method == nil {
		return input + "." + b64url([]byte("sig"))
	}
	sig, err := method.Sign(input, key)
	require.NoError(t, err)
	return input + "." + b64url(sig)
}

// claimsJSON returns a valid access-token payload at now, with changes.
func claimsJSON(t testing.TB, now time.Time, mod func(m map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"iss": "https://issuer.test", "sub": "alice", "aud": []string{"https://api.test"},
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "id-1", "sid": "sess-1",
		"scope": "read", "role": "user",
	}
	if mod != nil {
		mod(m)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

var jwtHS256 = jwt.SigningMethodHS256

// headerOf decodes a token's JOSE header.
func headerOf(t testing.TB, tok string) string {
	t.Helper()
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	require.NoError(t, err)
	return string(b)
}
