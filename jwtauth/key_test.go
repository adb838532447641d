package jwtauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

func TestNewKeyRefusesWeakOrMismatchedMaterial(t *testing.T) {
	t.Parallel()
	testKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		name     string
		alg      jwtauth.Algorithm
		material any
	}{
		{"a 31-byte HS256 secret", jwtauth.HS256, make31()},
		{"a 32-byte HS384 secret (needs 48)", jwtauth.HS384, hmacKey1},
		{"a 48-byte HS512 secret (needs 64)", jwtauth.HS512, []byte(strings.Repeat("ab", 24))},
		{"a secret of one repeated byte", jwtauth.HS256, []byte(strings.Repeat("a", 64))},
		{"a 1024-bit RSA key", jwtauth.RS256, small},
		{"a 1024-bit RSA public key", jwtauth.PS256, &small.PublicKey},
		{"an RSA key for ES256", jwtauth.ES256, rsaKey},
		{"a secret for RS256", jwtauth.RS256, hmacKey1},
		{"an RSA key for HS256", jwtauth.HS256, rsaKey},
		{"a P-384 key for ES256", jwtauth.ES256, p384},
		{"an Ed25519 key for ES256", jwtauth.ES256, edKey},
		{"an ECDSA key for EdDSA", jwtauth.EdDSA, ecKey},
		{"the none algorithm", jwtauth.Algorithm("none"), hmacKey1},
		{"an unknown algorithm", jwtauth.Algorithm("HS1"), hmacKey1},
		{"a string instead of bytes", jwtauth.HS256, string(hmacKey1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jwtauth.NewKey("", tc.alg, tc.material)
			require.Error(t, err)
			require.NotContains(t, err.Error(), string(hmacKey1), "errors never show a secret")
		})
	}
	_, err = jwtauth.NewKey(strings.Repeat("k", 257), jwtauth.HS256, hmacKey1)
	require.Error(t, err, "a kid over 256 bytes is refused")
}

func make31() []byte { return []byte("0123456789abcdef0123456789abcde") }

func TestGenerateKeyForEveryAlgorithm(t *testing.T) {
	t.Parallel()
	for _, alg := range jwtauth.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwtauth.GenerateKey(alg)
			require.NoError(t, err)
			require.Equal(t, alg, k.Algorithm())
			require.True(t, k.CanSign())
			require.NotEmpty(t, k.KID())
			if alg.Symmetric() {
				require.Nil(t, k.Public())
				require.Empty(t, k.Thumbprint())
			} else {
				require.Equal(t, k.Thumbprint(), k.KID(), "the derived kid is the RFC 7638 thumbprint")
			}
		})
	}
}

func TestKeysNeverPrintTheirSecrets(t *testing.T) {
	t.Parallel()
	testKeys(t)
	secret := []byte("s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t!")
	hk := mustKey(t, "hk", jwtauth.HS256, secret)
	rk := mustKey(t, "rk", jwtauth.RS256, rsaKey)
	ek := mustKey(t, "ek", jwtauth.ES256, ecKey)
	dk := mustKey(t, "dk", jwtauth.EdDSA, edKey)
	set := mustSet(t, hk, rk, ek, dk)
	opts := jwtauth.Options[AppClaims]{Keys: set}
	auth, err := jwtauth.New(opts)
	require.NoError(t, err)
	pair, err := auth.Issue(context.Background(), user("alice", "", ""))
	require.NoError(t, err)
	forbidden := []string{
		string(secret), fmt.Sprintf("%x", secret), fmt.Sprint(secret[:8]), b64url(secret),
		b64url(rsaKey.D.Bytes()), rsaKey.D.String(), fmt.Sprintf("%x", rsaKey.D.Bytes()),
		b64url(ecKey.D.Bytes()), ecKey.D.String(), b64url(edKey.Seed()), fmt.Sprintf("%x", edKey.Seed()),
		fmt.Sprint([]byte(edKey)[:8]),
		pair.AccessToken[:30], pair.RefreshToken[:30],
	}
	for _, v := range []any{hk, *hk, rk, *rk, ek, *ek, dk, *dk, set, opts, &opts, []*jwtauth.Key{hk, rk}, auth, pair, *pair} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, f := range forbidden {
				require.NotContains(t, out, f, "%s of %T", verb, v)
			}
		}
		if _, isPair := v.(*jwtauth.Pair); isPair {
			continue // a Pair's JSON form is the token response
		}
		if _, isPair := v.(jwtauth.Pair); isPair {
			continue
		}
		out, err := json.Marshal(v)
		if err != nil {
			continue // Options holds funcs: not JSON
		}
		for _, f := range forbidden {
			require.NotContains(t, string(out), f, "json of %T", v)
		}
		for _, member := range []string{`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`} {
			require.NotContains(t, string(out), member+":", "json of %T", v)
		}
	}
	require.Contains(t, fmt.Sprint(hk), `kid="hk"`)
	require.Contains(t, fmt.Sprint(hk), "[redacted]")
}

func TestParsePEMForms(t *testing.T) {
	t.Parallel()
	testKeys(t)
	pkcs8 := func(k any) []byte {
		b, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
	}
	pkix := func(k any) []byte {
		b, err := x509.MarshalPKIXPublicKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: b})
	}
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	require.NoError(t, err)
	cases := []struct {
		name    string
		alg     jwtauth.Algorithm
		pem     []byte
		canSign bool
	}{
		{"PKCS #8 RSA", jwtauth.RS256, pkcs8(rsaKey), true},
		{"PKCS #1 RSA", jwtauth.PS256, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), true},
		{"SEC 1 EC", jwtauth.ES256, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}), true},
		{"PKCS #8 Ed25519", jwtauth.EdDSA, pkcs8(edKey), true},
		{"PKIX RSA public", jwtauth.RS256, pkix(&rsaKey.PublicKey), false},
		{"PKCS #1 RSA public", jwtauth.RS256, pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)}), false},
		{"PKIX EC public", jwtauth.ES256, pkix(&ecKey.PublicKey), false},
		{"PKIX Ed25519 public", jwtauth.EdDSA, pkix(edKey.Public()), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := jwtauth.ParsePEM("", tc.alg, tc.pem)
			require.NoError(t, err)
			require.Equal(t, tc.canSign, k.CanSign())
			require.Equal(t, k.Thumbprint(), k.KID())
		})
	}
	_, err = jwtauth.ParsePEM("", jwtauth.ES256, pkcs8(rsaKey))
	require.Error(t, err, "an RSA PEM for ES256 is refused")
	_, err = jwtauth.ParsePEM("", jwtauth.RS256, []byte("not pem"))
	require.Error(t, err)
	_, err = jwtauth.ParsePEM("", jwtauth.RS256, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}))
	require.Error(t, err)
}

func TestLoadKeyFileAndEnv(t *testing.T) {
	testKeys(t)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secretFile, append(hmacKey1, '\n'), 0o600))
	k, err := jwtauth.LoadKeyFile(secretFile, "", jwtauth.HS256)
	require.NoError(t, err)
	want := mustKey(t, "", jwtauth.HS256, hmacKey1)
	require.Equal(t, want.KID(), k.KID(), "trailing newline trimmed; the derived kid is stable")

	jwkFile := filepath.Join(dir, "key.jwk")
	require.NoError(t, os.WriteFile(jwkFile, []byte(`{"kty":"oct","kid":"file","alg":"HS512","k":"`+b64url([]byte(strings.Repeat("0123456789abcdef", 4)))+`"}`), 0o600))
	k, err = jwtauth.LoadKeyFile(jwkFile, "", "")
	require.NoError(t, err)
	require.Equal(t, "file", k.KID())
	require.Equal(t, jwtauth.HS512, k.Algorithm())
	_, err = jwtauth.LoadKeyFile(jwkFile, "", jwtauth.HS256)
	require.Error(t, err, "a JWK's alg must agree with the requested one")

	_, err = jwtauth.LoadKeyFile(filepath.Join(dir, "missing"), "", jwtauth.HS256)
	require.Error(t, err)

	t.Setenv("GATEHOUSE_TEST_JWT", string(hmacKey2))
	k, err = jwtauth.KeyFromEnv("GATEHOUSE_TEST_JWT", "env", jwtauth.HS256)
	require.NoError(t, err)
	require.Equal(t, "env", k.KID())
	t.Setenv("GATEHOUSE_TEST_JWT", "short-secret")
	_, err = jwtauth.KeyFromEnv("GATEHOUSE_TEST_JWT", "", jwtauth.HS256)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "short-secret", "the error names the variable, never its value")
	require.Contains(t, err.Error(), "GATEHOUSE_TEST_JWT")
	_, err = jwtauth.KeyFromEnv("GATEHOUSE_TEST_UNSET_VARIABLE", "", jwtauth.HS256)
	require.ErrorContains(t, err, "not set")

	b, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	t.Setenv("GATEHOUSE_TEST_JWT", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})))
	k, err = jwtauth.KeyFromEnv("GATEHOUSE_TEST_JWT", "", jwtauth.ES256)
	require.NoError(t, err)
	require.True(t, k.CanSign())
}
