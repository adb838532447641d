package jwtauth_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/jwtauth"
)

// Example shows an application claims type and the round trip of
// issuing and verifying a token pair.
func Example() {
	type AppClaims struct {
		jwtauth.Claims
		Role string `json:"role,omitempty"`
	}
	// In production: jwtauth.KeyFromEnv("JWT_SECRET", "", jwtauth.HS256)
	// or jwtauth.LoadKeyFile("/run/secrets/jwt.pem", "", jwtauth.EdDSA).
	key, err := jwtauth.NewKey("2025-01", jwtauth.HS256, []byte("example-secret-example-secret-32"))
	if err != nil {
		log.Fatal(err)
	}
	keys, err := jwtauth.NewKeySet(key)
	if err != nil {
		log.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Options[AppClaims]{
		Keys:     keys,
		Issuer:   "https://api.example.com",
		Audience: []string{"https://api.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}

	claims := AppClaims{Role: "admin"}
	claims.Subject = "user-42"
	claims.Scope = "items:read items:write"
	pair, err := auth.Issue(context.Background(), claims)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pair.TokenType, pair.ExpiresIn, pair.RefreshExpiresIn)

	got, err := auth.Verify(context.Background(), pair.AccessToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Subject, got.Role, got.HasScope("items:write"))

	_, err = auth.Verify(context.Background(), pair.RefreshToken)
	fmt.Println(errors.Is(err, jwtauth.ErrTokenType))
	// Output:
	// Bearer 900 604800
	// user-42 admin true
	// true
}

func ExampleAuth_Handler() {
	key, _ := jwtauth.NewKey("k1", jwtauth.HS256, []byte("example-secret-example-secret-32"))
	keys, _ := jwtauth.NewKeySet(key)
	auth, err := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys, Realm: "example"})
	if err != nil {
		log.Fatal(err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := jwtauth.ClaimsFrom[jwtauth.Claims](r.Context())
		fmt.Fprintln(w, "hello", claims.Subject)
	})
	h := auth.Handler(hello)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))

	var c jwtauth.Claims
	c.Subject = "alice"
	pair, _ := auth.Issue(context.Background(), c)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body.String())

	req.Header.Set("Authorization", "Bearer "+pair.AccessToken+"x")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 Bearer realm="example"
	// 200 hello alice
	// 401 Bearer realm="example", error="invalid_token", error_description="The access token is invalid"
}

func ExampleAuth_Refresh() {
	key, _ := jwtauth.NewKey("k1", jwtauth.HS256, []byte("example-secret-example-secret-32"))
	keys, _ := jwtauth.NewKeySet(key)
	auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys})
	ctx := context.Background()
	var c jwtauth.Claims
	c.Subject = "alice"
	first, _ := auth.Issue(ctx, c)

	second, err := auth.Refresh(ctx, first.RefreshToken)
	fmt.Println(err, second.SessionID == first.SessionID)

	// The first refresh token was used: presenting it again is a reuse,
	// and the whole session is revoked.
	_, err = auth.Refresh(ctx, first.RefreshToken)
	fmt.Println(errors.Is(err, jwtauth.ErrRefreshReuse))
	_, err = auth.Verify(ctx, second.AccessToken)
	fmt.Println(errors.Is(err, jwtauth.ErrTokenRevoked))
	// Output:
	// <nil> true
	// true
	// true
}

func ExampleKeySet_rotation() {
	old, _ := jwtauth.NewKey("2025-01", jwtauth.HS256, []byte("old-secret-old-secret-old-secret"))
	keys, _ := jwtauth.NewKeySet(old)
	auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys})
	ctx := context.Background()
	var c jwtauth.Claims
	c.Subject = "alice"
	before, _ := auth.Issue(ctx, c)

	next, _ := jwtauth.NewKey("2025-02", jwtauth.HS256, []byte("new-secret-new-secret-new-secret"))
	_ = keys.Add(next)           // verifies (and is published) at once
	_ = keys.Activate("2025-02") // signs from now on; the old key verifies only
	_, err := auth.Verify(ctx, before.AccessToken)
	fmt.Println(keys.Active().KID(), err)

	// After the longest token lifetime (RefreshTTL), retire the old key.
	_ = keys.Retire("2025-01")
	_, err = auth.Verify(ctx, before.AccessToken)
	fmt.Println(keys.KIDs(), errors.Is(err, jwtauth.ErrUnknownKID))
	// Output:
	// 2025-02 <nil>
	// [2025-02] true
}

func ExampleKeySet_JWKSHandler() {
	seed := make([]byte, ed25519.SeedSize) // a fixed key, for a stable output
	key, _ := jwtauth.NewKey("ed-1", jwtauth.EdDSA, ed25519.NewKeyFromSeed(seed))
	keys, _ := jwtauth.NewKeySet(key)
	rec := httptest.NewRecorder()
	keys.JWKSHandler(0).ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	fmt.Println(rec.Header().Get("Cache-Control"))
	fmt.Println(rec.Body.String())
	fmt.Println(key) // never the private key
	// Output:
	// public, max-age=300
	// {"keys":[{"kty":"OKP","kid":"ed-1","alg":"EdDSA","use":"sig","crv":"Ed25519","x":"O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik"}]}
	// jwtauth.Key{kid="ed-1" alg=EdDSA private=[redacted]}
}

func ExampleAuth_RequireScopes() {
	key, _ := jwtauth.NewKey("k1", jwtauth.HS256, []byte("example-secret-example-secret-32"))
	keys, _ := jwtauth.NewKeySet(key)
	auth, _ := jwtauth.New(jwtauth.Options[jwtauth.Claims]{Keys: keys})
	write, err := auth.RequireScopes("items:write")
	if err != nil {
		log.Fatal(err)
	}
	h := auth.Handler(write(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))

	var c jwtauth.Claims
	c.Subject, c.Scope = "alice", "items:read"
	pair, _ := auth.Issue(context.Background(), c)
	req := httptest.NewRequest("POST", "/items", nil)
	req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 403 Bearer realm="api", error="insufficient_scope", scope="items:write"
}
