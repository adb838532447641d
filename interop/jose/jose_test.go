// Package jose_test checks jwtauth against go-jose, an independent JOSE
// implementation: go-jose verifies Gatehouse tokens with nothing but the
// published JWKS, and Gatehouse verifies tokens go-jose signed.
package jose_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"
)

const (
	issuer   = "https://issuer.example"
	audience = "https://api.example"
)

type appClaims struct {
	jwtauth.Claims
	Role string `json:"role,omitempty"`
}

// goJoseClaims is what go-jose decodes the payload into.
type goJoseClaims struct {
	josejwt.Claims
	SessionID string `json:"sid"`
	Scope     string `json:"scope"`
	Role      string `json:"role"`
}

var asymmetric = []jwtauth.Algorithm{jwtauth.RS256, jwtauth.PS256, jwtauth.ES256, jwtauth.EdDSA}

func TestGoJoseVerifiesOurTokensWithThePublishedJWKS(t *testing.T) {
	t.Parallel()
	for _, alg := range asymmetric {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			key, err := jwtauth.GenerateKey(alg)
			require.NoError(t, err)
			old, err := jwtauth.GenerateKey(alg)
			require.NoError(t, err)
			keys, err := jwtauth.NewKeySet(key, old)
			require.NoError(t, err)
			auth, err := jwtauth.New(jwtauth.Options[appClaims]{Keys: keys, Issuer: issuer, Audience: []string{audience}})
			require.NoError(t, err)
			c := appClaims{Role: "admin"}
			c.Subject, c.Scope = "alice", "read write"
			pair, err := auth.Issue(context.Background(), c)
			require.NoError(t, err)

			// Fetch the JWKS over HTTP, as a relying party would.
			srv := httptest.NewServer(keys.JWKSHandler(0))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			var jwks jose.JSONWebKeySet
			require.NoError(t, json.Unmarshal(body, &jwks))
			require.Len(t, jwks.Keys, 2)
			for _, k := range jwks.Keys {
				require.True(t, k.IsPublic(), "go-jose sees public keys only")
				require.True(t, k.Valid())
				require.Equal(t, "sig", k.Use)
				tp, err := k.Thumbprint(crypto.SHA256)
				require.NoError(t, err)
				require.Equal(t, k.KeyID, b64(tp), "our derived kid is go-jose's RFC 7638 thumbprint")
			}

			for _, tok := range []string{pair.AccessToken, pair.RefreshToken} {
				parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
				require.NoError(t, err)
				require.Len(t, parsed.Headers, 1)
				h := parsed.Headers[0]
				require.Equal(t, key.KID(), h.KeyID)
				matches := jwks.Key(h.KeyID)
				require.Len(t, matches, 1)
				var got goJoseClaims
				require.NoError(t, parsed.Claims(matches[0].Key, &got))
				require.Equal(t, "alice", got.Subject)
				require.Equal(t, issuer, got.Issuer)
				require.Equal(t, pair.SessionID, got.SessionID)
				require.Equal(t, "admin", got.Role)
				require.NotEmpty(t, got.ID)
				require.NoError(t, got.ValidateWithLeeway(josejwt.Expected{Issuer: issuer, Time: time.Now()}, 0))
			}
			parsed, err := josejwt.ParseSigned(pair.AccessToken, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			require.NoError(t, err)
			require.Equal(t, "at+jwt", parsed.Headers[0].ExtraHeaders[jose.HeaderType])
			var got goJoseClaims
			require.NoError(t, parsed.Claims(jwks.Key(key.KID())[0].Key, &got))
			require.NoError(t, got.ValidateWithLeeway(josejwt.Expected{Issuer: issuer, AnyAudience: josejwt.Audience{audience}, Time: time.Now()}, 0))

			// The old key's JWK cannot verify the new key's token.
			var other goJoseClaims
			require.Error(t, parsed.Claims(jwks.Key(old.KID())[0].Key, &other))
		})
	}
}

func TestGoJoseVerifiesHMACTokensWithTheSharedSecret(t *testing.T) {
	t.Parallel()
	for alg, secret := range map[jwtauth.Algorithm][]byte{
		jwtauth.HS256: []byte("interop-secret-interop-secret-32b"),
		jwtauth.HS384: []byte("interop-secret-interop-secret-interop-secret-48b"),
		jwtauth.HS512: []byte("interop-secret-interop-secret-interop-secret-interop-secret-64by"),
	} {
		t.Run(string(alg), func(t *testing.T) {
			key, err := jwtauth.NewKey("s", alg, secret)
			require.NoError(t, err)
			keys, err := jwtauth.NewKeySet(key)
			require.NoError(t, err)
			require.JSONEq(t, `{"keys":[]}`, string(keys.JWKS()), "secrets are never published")
			auth, err := jwtauth.New(jwtauth.Options[appClaims]{Keys: keys, Issuer: issuer})
			require.NoError(t, err)
			var c appClaims
			c.Subject = "bob"
			pair, err := auth.Issue(context.Background(), c)
			require.NoError(t, err)
			parsed, err := josejwt.ParseSigned(pair.AccessToken, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			require.NoError(t, err)
			var got goJoseClaims
			require.NoError(t, parsed.Claims(secret, &got))
			require.Equal(t, "bob", got.Subject)
		})
	}
}

func TestWeVerifyTokensGoJoseSigned(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		alg  jwtauth.Algorithm
		priv crypto.Signer
	}{
		{jwtauth.RS256, rsaKey}, {jwtauth.PS256, rsaKey}, {jwtauth.ES256, ecKey}, {jwtauth.EdDSA, edKey},
	}
	for _, tc := range cases {
		t.Run(string(tc.alg), func(t *testing.T) {
			t.Parallel()
			kid := "jose-" + string(tc.alg)
			pub := jose.JSONWebKey{Key: tc.priv.Public(), KeyID: kid, Algorithm: string(tc.alg), Use: "sig"}
			pubJSON, err := json.Marshal(pub)
			require.NoError(t, err)
			key, err := jwtauth.ParseJWK(pubJSON)
			require.NoError(t, err)
			require.False(t, key.CanSign())
			keys, err := jwtauth.NewKeySet(nil, key)
			require.NoError(t, err)
			auth, err := jwtauth.New(jwtauth.Options[appClaims]{Keys: keys, Issuer: issuer, Audience: []string{audience}})
			require.NoError(t, err)

			privJWK := jose.JSONWebKey{Key: tc.priv, KeyID: kid, Algorithm: string(tc.alg)}
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(tc.alg), Key: privJWK},
				(&jose.SignerOptions{}).WithType("at+jwt"))
			require.NoError(t, err)
			now := time.Now()
			claims := goJoseClaims{Claims: josejwt.Claims{Issuer: issuer, Subject: "carol", Audience: josejwt.Audience{audience},
				Expiry: josejwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: josejwt.NewNumericDate(now), ID: "jose-1"}, Role: "user"}
			tok, err := josejwt.Signed(signer).Claims(claims).Serialize()
			require.NoError(t, err)
			got, err := auth.Verify(context.Background(), tok)
			require.NoError(t, err)
			require.Equal(t, "carol", got.Subject)
			require.Equal(t, "user", got.Role)

			// A go-jose token with the jwk header (embedding the signer's
			// key) is still verified against our set only.
			_, other, err := ed25519.GenerateKey(rand.Reader)
			require.NoError(t, err)
			evil, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: other, KeyID: kid}},
				(&jose.SignerOptions{EmbedJWK: true}).WithType("at+jwt"))
			require.NoError(t, err)
			forged, err := josejwt.Signed(evil).Claims(claims).Serialize()
			require.NoError(t, err)
			_, err = auth.Verify(context.Background(), forged)
			require.ErrorIs(t, err, jwtauth.ErrInvalidToken)
		})
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
