package jwtauth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

func TestRotationKeepsOldTokensValidUntilRetirement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	old := mustKey(t, "old", jwtauth.HS256, hmacKey1)
	keys := mustSet(t, old)
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Keys = keys })
	before, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)

	require.NoError(t, keys.Add(mustKey(t, "new", jwtauth.HS256, hmacKey2)))
	after, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	require.Contains(t, headerOf(t, after.AccessToken), `"kid":"old"`, "an added key does not sign until activated")

	require.NoError(t, keys.Activate("new"))
	rotated, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	require.Contains(t, headerOf(t, rotated.AccessToken), `"kid":"new"`)
	_, err = a.Verify(ctx, before.AccessToken)
	require.NoError(t, err, "tokens of the previous key verify until it is retired")
	_, err = a.Refresh(ctx, before.RefreshToken)
	require.NoError(t, err, "refresh tokens of the previous key too")

	require.ErrorContains(t, keys.Retire("new"), "active signing key")
	require.NoError(t, keys.RetireAt("old", c.Now().Add(10*time.Minute)))
	_, err = a.Verify(ctx, before.AccessToken)
	require.NoError(t, err, "a scheduled retirement has not happened yet")
	c.Advance(10 * time.Minute)
	_, err = a.Verify(ctx, before.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrUnknownKID, "after retirement the old key's tokens are refused")
	_, err = a.Verify(ctx, rotated.AccessToken)
	require.NoError(t, err)

	require.NoError(t, keys.Retire("old"))
	require.Equal(t, []string{"new"}, keys.KIDs())
	require.Error(t, keys.Activate("old"), "a retired key is gone")
}

func TestKeySetRefusals(t *testing.T) {
	t.Parallel()
	testKeys(t)
	k := mustKey(t, "k", jwtauth.HS256, hmacKey1)
	pub := mustKey(t, "pub", jwtauth.ES256, &ecKey.PublicKey)
	_, err := jwtauth.NewKeySet(nil)
	require.Error(t, err, "an empty set")
	_, err = jwtauth.NewKeySet(k, mustKey(t, "k", jwtauth.HS256, hmacKey2))
	require.ErrorContains(t, err, "duplicate kid")
	_, err = jwtauth.NewKeySet(pub)
	require.Error(t, err, "a public key cannot be the active signing key")
	s := mustSet(t, nil, pub)
	require.Nil(t, s.Active(), "a verify-only set has no signing key")
	require.Error(t, s.Activate("pub"))
	require.Error(t, s.Add(pub), "duplicate kid")
	require.Error(t, s.Retire("missing"))

	a, err := jwtauth.New(jwtauth.Options[AppClaims]{Keys: s})
	require.NoError(t, err)
	_, err = a.Issue(context.Background(), user("alice", "", ""))
	require.ErrorIs(t, err, jwtauth.ErrNoSigningKey)
}

func TestSingleKeySetAcceptsTokensWithoutKID(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, nil) // one key, "k1"
	tok := forge(t, `{"alg":"HS256","typ":"at+jwt"}`, claimsJSON(t, c.Now(), nil), jwtHS256, hmacKey1)
	_, err := a.Verify(context.Background(), tok)
	require.NoError(t, err)
}

func TestJWKSHandlerPublishesPublicKeysOnly(t *testing.T) {
	t.Parallel()
	testKeys(t)
	set := mustSet(t, mustKey(t, "rsa", jwtauth.RS256, rsaKey),
		mustKey(t, "hmac", jwtauth.HS256, hmacKey1), mustKey(t, "ec", jwtauth.ES256, ecKey), mustKey(t, "ed", jwtauth.EdDSA, edKey))
	h := set.JWKSHandler(time.Hour)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "public, max-age=3600", rec.Header().Get("Cache-Control"))
	require.Equal(t, jwtauth.JWKSContentType, rec.Header().Get("Content-Type"))
	etag := rec.Header().Get("ETag")
	require.NotEmpty(t, etag)

	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Len(t, doc.Keys, 3, "the HMAC secret is not published")
	for _, k := range doc.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			require.NotContains(t, k, private)
		}
		require.Equal(t, "sig", k["use"])
		require.NotEmpty(t, k["kid"])
		require.NotEmpty(t, k["alg"])
	}

	req := httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)
	req.Header.Set("If-None-Match", `"other", `+etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotModified, rec.Code)
	require.Empty(t, rec.Body.Bytes())

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/.well-known/jwks.json", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))

	require.NoError(t, set.Retire("ec"))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	require.NotEqual(t, etag, rec.Header().Get("ETag"), "a retired key changes the document")
	require.NotContains(t, rec.Body.String(), `"kid":"ec"`)
}
