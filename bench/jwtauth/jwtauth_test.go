// Package jwtauth_test compares Gatehouse's jwtauth with golang-jwt (bare
// ParseWithClaims doing the same checks) and go-chi/jwtauth.
package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	chijwt "github.com/go-chi/jwtauth/v5"
	"github.com/golang-jwt/jwt/v5"
	lestrrat "github.com/lestrrat-go/jwx/v2/jwt"
)

const (
	issuer   = "https://issuer.example"
	audience = "https://api.example"
)

var secret = []byte("bench-secret-bench-secret-bench-secret!")

// appClaims is the claims type of every implementation: the registered
// claims plus a session id, login time, scope and role.
type appClaims struct {
	jwtauth.Claims
	Role string `json:"role,omitempty"`
}

// plainClaims is the same JSON for golang-jwt alone.
type plainClaims struct {
	jwt.RegisteredClaims
	SessionID string           `json:"sid,omitempty"`
	AuthTime  *jwt.NumericDate `json:"auth_time,omitempty"`
	Scope     string           `json:"scope,omitempty"`
	Role      string           `json:"role,omitempty"`
}

var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// setup returns a Gatehouse middleware for key and a token it issued.
func setup(b *testing.B, alg jwtauth.Algorithm) (http.Handler, string, *jwtauth.Key) {
	b.Helper()
	var key *jwtauth.Key
	var err error
	if alg == jwtauth.HS256 {
		key, err = jwtauth.NewKey("k1", alg, secret)
	} else {
		key, err = jwtauth.GenerateKey(alg)
	}
	if err != nil {
		b.Fatal(err)
	}
	keys, err := jwtauth.NewKeySet(key)
	if err != nil {
		b.Fatal(err)
	}
	a, err := jwtauth.New(jwtauth.Options[appClaims]{Keys: keys, Issuer: issuer, Audience: []string{audience}})
	if err != nil {
		b.Fatal(err)
	}
	c := appClaims{Role: "user"}
	c.Subject, c.Scope = "user-1234", "read write"
	p, err := a.Issue(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	return a.Handler(noop), p.AccessToken, key
}

func request(tok string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/api/items", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func runHandler(b *testing.B, h http.Handler, r *http.Request) {
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// golangJWT returns a parser with the checks Gatehouse makes by default
// that golang-jwt offers: the algorithm, issuer, audience, exp required,
// iat not in the future.
func golangJWT(alg string) *jwt.Parser {
	return jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(issuer), jwt.WithAudience(audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
}

func runGolangJWT(b *testing.B, alg, tok string, key any) {
	p := golangJWT(alg)
	keyfunc := func(*jwt.Token) (any, error) { return key, nil }
	b.ReportAllocs()
	for b.Loop() {
		var c plainClaims
		if _, err := p.ParseWithClaims(tok, &c, keyfunc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWT(b *testing.B) {
	b.Run("verify-HS256/gatehouse", func(b *testing.B) {
		h, tok, _ := setup(b, jwtauth.HS256)
		runHandler(b, h, request(tok))
	})
	b.Run("verify-HS256/golang-jwt", func(b *testing.B) {
		_, tok, _ := setup(b, jwtauth.HS256)
		runGolangJWT(b, "HS256", tok, secret)
	})
	b.Run("verify-HS256/go-chi-jwtauth", func(b *testing.B) {
		_, tok, _ := setup(b, jwtauth.HS256)
		ja := chijwt.New("HS256", secret, nil, lestrrat.WithIssuer(issuer), lestrrat.WithAudience(audience),
			lestrrat.WithAcceptableSkew(0))
		h := chijwt.Verifier(ja)(chijwt.Authenticator(ja)(noop))
		runHandler(b, h, request(tok))
	})
	for _, alg := range []jwtauth.Algorithm{jwtauth.ES256, jwtauth.EdDSA} {
		b.Run("verify-"+string(alg)+"/gatehouse", func(b *testing.B) {
			h, tok, _ := setup(b, alg)
			runHandler(b, h, request(tok))
		})
		b.Run("verify-"+string(alg)+"/golang-jwt", func(b *testing.B) {
			_, tok, key := setup(b, alg)
			var pub any
			switch k := key.Public().(type) {
			case *ecdsa.PublicKey:
				pub = k
			case ed25519.PublicKey:
				pub = k
			}
			runGolangJWT(b, string(alg), tok, pub)
		})
	}
	huge := strings.Repeat("a", 1<<20)
	dots := strings.Repeat(".", 1<<20)
	for _, tc := range []struct{ name, tok string }{{"reject-1MiB", huge}, {"reject-dots", dots}} {
		b.Run(tc.name+"/gatehouse", func(b *testing.B) {
			h, _, _ := setup(b, jwtauth.HS256)
			runHandler(b, h, request(tc.tok))
		})
		b.Run(tc.name+"/golang-jwt", func(b *testing.B) {
			p := golangJWT("HS256")
			keyfunc := func(*jwt.Token) (any, error) { return secret, nil }
			b.ReportAllocs()
			for b.Loop() {
				var c plainClaims
				if _, err := p.ParseWithClaims(tc.tok, &c, keyfunc); err == nil {
					b.Fatal("accepted")
				}
			}
		})
		b.Run(tc.name+"/go-chi-jwtauth", func(b *testing.B) {
			ja := chijwt.New("HS256", secret, nil, lestrrat.WithIssuer(issuer), lestrrat.WithAudience(audience))
			h := chijwt.Verifier(ja)(chijwt.Authenticator(ja)(noop))
			runHandler(b, h, request(tc.tok))
		})
	}
}

// TestSameTokensAccepted checks that every implementation accepts the
// benchmark's tokens, so the comparison measures successful verification.
func TestSameTokensAccepted(t *testing.T) {
	key, err := jwtauth.NewKey("k1", jwtauth.HS256, secret)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := jwtauth.NewKeySet(key)
	a, err := jwtauth.New(jwtauth.Options[appClaims]{Keys: keys, Issuer: issuer, Audience: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	c := appClaims{Role: "user"}
	c.Subject = "user-1234"
	p, err := a.Issue(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var pc plainClaims
	if _, err := golangJWT("HS256").ParseWithClaims(p.AccessToken, &pc, func(*jwt.Token) (any, error) { return secret, nil }); err != nil {
		t.Fatalf("golang-jwt: %v", err)
	}
	ja := chijwt.New("HS256", secret, nil, lestrrat.WithIssuer(issuer), lestrrat.WithAudience(audience))
	if _, err := chijwt.VerifyToken(ja, p.AccessToken); err != nil {
		t.Fatalf("go-chi/jwtauth: %v", err)
	}
	if time.Until(pc.ExpiresAt.Time) <= 0 {
		t.Fatal("expired")
	}
}
