package jwtauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

// issuer is a token issuer publishing its JWKS over TLS.
type issuer struct {
	keys    *jwtauth.KeySet
	auth    *jwtauth.Auth[AppClaims]
	srv     *httptest.Server
	hits    atomic.Int64
	body    atomic.Pointer[string] // when set, served instead of the JWKS
	status  atomic.Int32
	headers atomic.Pointer[http.Header]
}

func newIssuer(t *testing.T, active *jwtauth.Key) *issuer {
	t.Helper()
	is := &issuer{keys: mustSet(t, active)}
	is.auth = newAuth(t, newClock(), func(o *jwtauth.Options[AppClaims]) { o.Keys = is.keys; o.Now = nil })
	jwks := is.keys.JWKSHandler(0)
	is.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.hits.Add(1)
		if s := is.status.Load(); s != 0 {
			w.WriteHeader(int(s))
			return
		}
		if b := is.body.Load(); b != nil {
			_, _ = w.Write([]byte(*b))
			return
		}
		jwks.ServeHTTP(w, r)
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) remote(t *testing.T, mod func(*jwtauth.RemoteOptions)) *jwtauth.RemoteKeySet {
	t.Helper()
	o := jwtauth.RemoteOptions{URL: is.srv.URL + "/.well-known/jwks.json", Client: is.srv.Client()}
	if mod != nil {
		mod(&o)
	}
	r, err := jwtauth.NewRemoteKeySet(context.Background(), o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	return r
}

func relyingParty(t *testing.T, keys jwtauth.KeySource) *jwtauth.Auth[AppClaims] {
	t.Helper()
	a, err := jwtauth.New(jwtauth.Options[AppClaims]{Keys: keys, Issuer: "https://issuer.test", Audience: []string{"https://api.test"}})
	require.NoError(t, err)
	return a
}

func TestRemoteKeySetVerifiesEveryAsymmetricAlgorithm(t *testing.T) {
	t.Parallel()
	for _, alg := range []jwtauth.Algorithm{jwtauth.RS256, jwtauth.PS256, jwtauth.ES256, jwtauth.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwtauth.GenerateKey(alg)
			require.NoError(t, err)
			is := newIssuer(t, k)
			rp := relyingParty(t, is.remote(t, nil))
			p, err := is.auth.Issue(context.Background(), user("alice", "read", "user"))
			require.NoError(t, err)
			claims, err := rp.Verify(context.Background(), p.AccessToken)
			require.NoError(t, err)
			require.Equal(t, "alice", claims.Subject)
		})
	}
}

func TestRemoteKeySetRefetchesForUnknownKIDsAtALimitedRate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	k1, err := jwtauth.GenerateKey(jwtauth.ES256)
	require.NoError(t, err)
	is := newIssuer(t, k1)
	remote := is.remote(t, func(o *jwtauth.RemoteOptions) { o.UnknownKIDInterval = time.Hour })
	rp := relyingParty(t, remote)
	require.Equal(t, int64(1), remote.Fetches())

	k2, err := jwtauth.GenerateKey(jwtauth.ES256)
	require.NoError(t, err)
	require.NoError(t, is.keys.Rotate(k2))
	p, err := is.auth.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	_, err = rp.Verify(ctx, p.AccessToken)
	require.NoError(t, err, "an unknown kid triggers one refetch, which finds the new key")
	require.Equal(t, int64(2), remote.Fetches())

	for i := range 50 {
		forged := forge(t, fmt.Sprintf(`{"alg":"ES256","kid":"forged-%d","typ":"at+jwt"}`, i), `{}`, nil, nil)
		_, err := rp.Verify(ctx, forged)
		require.ErrorIs(t, err, jwtauth.ErrUnknownKID)
	}
	require.Equal(t, int64(2), remote.Fetches(), "forged kids do not hammer the issuer")
	require.Equal(t, int64(2), is.hits.Load())
}

func TestRemoteKeySetSkipsUnusableKeys(t *testing.T) {
	t.Parallel()
	testKeys(t)
	k, err := jwtauth.GenerateKey(jwtauth.EdDSA)
	require.NoError(t, err)
	is := newIssuer(t, k)
	pub := string(is.keys.JWKS())
	pub = strings.TrimSuffix(strings.TrimPrefix(pub, `{"keys":[`), "]}")
	doc := `{"keys":[` + pub + `,
		{"kty":"oct","kid":"secret","alg":"HS256","k":"` + b64url(hmacKey1) + `"},
		{"kty":"OKP","crv":"Ed25519","kid":"private","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
		{"kty":"RSA","kid":"mismatch","alg":"ES256","n":"` + rfc7638N + `","e":"AQAB"},
		{"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
		{"kty":"RSA","kid":"noalg","n":"` + rfc7638N + `","e":"AQAB"},
		{"kty":"RSA","kid":"rs","alg":"RS256","n":"` + rfc7638N + `","e":"AQAB"}]}`
	is.body.Store(&doc)
	remote := is.remote(t, nil)
	require.ElementsMatch(t, []string{k.KID(), "rs"}, remote.KIDs())

	remote2 := is.remote(t, func(o *jwtauth.RemoteOptions) {
		o.FallbackAlg = jwtauth.PS256
		o.Algorithms = []jwtauth.Algorithm{jwtauth.PS256, jwtauth.EdDSA}
	})
	require.ElementsMatch(t, []string{k.KID(), "noalg"}, remote2.KIDs(), "RS256 refused; the alg-less RSA key is PS256")
}

func TestRemoteKeySetFailures(t *testing.T) {
	t.Parallel()
	k, err := jwtauth.GenerateKey(jwtauth.ES256)
	require.NoError(t, err)
	is := newIssuer(t, k)
	base := jwtauth.RemoteOptions{URL: is.srv.URL, Client: is.srv.Client()}
	bad := func(mod func(*jwtauth.RemoteOptions)) error {
		o := base
		mod(&o)
		r, err := jwtauth.NewRemoteKeySet(context.Background(), o)
		if err == nil {
			_ = r.Close()
		}
		return err
	}
	require.Error(t, bad(func(o *jwtauth.RemoteOptions) { o.URL = strings.Replace(o.URL, "https", "http", 1) }), "plain http")
	require.Error(t, bad(func(o *jwtauth.RemoteOptions) { o.URL = "https://user:pw@example.test/jwks" }), "credentials in the URL")
	require.Error(t, bad(func(o *jwtauth.RemoteOptions) { o.Algorithms = []jwtauth.Algorithm{jwtauth.HS256} }), "HMAC from a remote set")
	require.Error(t, bad(func(o *jwtauth.RemoteOptions) { o.MaxResponseBytes = 2 << 20 }))
	require.Error(t, bad(func(o *jwtauth.RemoteOptions) { o.UnknownKIDInterval = time.Millisecond }))

	big := `{"keys":[],"pad":"` + strings.Repeat("x", 300<<10) + `"}`
	is.body.Store(&big)
	require.ErrorContains(t, bad(func(*jwtauth.RemoteOptions) {}), "too large")
	notJSON := `<html>`
	is.body.Store(&notJSON)
	require.Error(t, bad(func(*jwtauth.RemoteOptions) {}))
	is.body.Store(nil)
	is.status.Store(http.StatusInternalServerError)
	require.ErrorContains(t, bad(func(*jwtauth.RemoteOptions) {}), "status 500")
	is.status.Store(0)

	remote, err := jwtauth.NewRemoteKeySet(context.Background(), base)
	require.NoError(t, err)
	defer remote.Close()
	is.status.Store(http.StatusBadGateway)
	require.Error(t, remote.Refresh(context.Background()))
	require.Equal(t, []string{k.KID()}, remote.KIDs(), "a failed fetch keeps the previous keys")
}

func TestRemoteKeySetRefreshesInTheBackgroundUntilClosed(t *testing.T) {
	t.Parallel()
	k, err := jwtauth.GenerateKey(jwtauth.EdDSA)
	require.NoError(t, err)
	is := newIssuer(t, k)
	remote, err := jwtauth.NewRemoteKeySet(context.Background(), jwtauth.RemoteOptions{
		URL: is.srv.URL, Client: is.srv.Client(), RefreshInterval: time.Second})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return remote.Fetches() >= 2 }, 5*time.Second, 50*time.Millisecond)
	require.NoError(t, remote.Close())
	n := remote.Fetches()
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, n, remote.Fetches(), "no fetch after Close")

	ctx, cancel := context.WithCancel(context.Background())
	remote, err = jwtauth.NewRemoteKeySet(ctx, jwtauth.RemoteOptions{URL: is.srv.URL, Client: is.srv.Client()})
	require.NoError(t, err)
	cancel()
	require.NoError(t, remote.Close(), "Close after the context ended returns")
}
