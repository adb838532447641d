package jwtauth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

// The RSA key of RFC 7638, section 3.1.
const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

func TestThumbprintMatchesRFC7638(t *testing.T) {
	t.Parallel()
	k, err := jwtauth.ParseJWK([]byte(`{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`))
	require.NoError(t, err)
	require.Equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", k.Thumbprint())
	require.Equal(t, "2011-04-29", k.KID())
	require.False(t, k.CanSign())
}

// privateJWK builds the private JWK of a generated key from its public
// JWK and the raw private members.
func TestJWKRoundTripForEveryAsymmetricAlgorithm(t *testing.T) {
	t.Parallel()
	for _, alg := range []jwtauth.Algorithm{jwtauth.RS256, jwtauth.PS256, jwtauth.ES256, jwtauth.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			k, err := jwtauth.GenerateKey(alg)
			require.NoError(t, err)
			pub, err := json.Marshal(k)
			require.NoError(t, err)
			back, err := jwtauth.ParseJWK(pub)
			require.NoError(t, err)
			require.Equal(t, k.KID(), back.KID())
			require.Equal(t, alg, back.Algorithm())
			require.False(t, back.CanSign(), "a public JWK verifies only")
			require.True(t, back.Thumbprint() == k.Thumbprint())
		})
	}
}

func TestParseJWKPrivateForms(t *testing.T) {
	t.Parallel()
	// RFC 7517 appendix A.2 and RFC 8037 appendix A.1 keys.
	ec := `{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE","use":"sig","kid":"1"}`
	k, err := jwtauth.ParseJWK([]byte(ec))
	require.NoError(t, err)
	require.True(t, k.CanSign())
	require.Equal(t, jwtauth.ES256, k.Algorithm(), "EC P-256 implies ES256")
	ed := `{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`
	k, err = jwtauth.ParseJWK([]byte(ed))
	require.NoError(t, err)
	require.True(t, k.CanSign())
	require.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", k.KID(), "RFC 8037 A.3 thumbprint")
	oct := `{"kty":"oct","alg":"HS256","kid":"s","k":"` + b64url(hmacKey1) + `"}`
	k, err = jwtauth.ParseJWK([]byte(oct))
	require.NoError(t, err)
	require.True(t, k.CanSign())
}

func TestParseJWKRefusals(t *testing.T) {
	t.Parallel()
	edX := "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	cases := []struct {
		name string
		jwk  string
	}{
		{"an RSA key without alg (RS256 or PS256?)", `{"kty":"RSA","n":"` + rfc7638N + `","e":"AQAB"}`},
		{"kty RSA with alg ES256", `{"kty":"RSA","alg":"ES256","n":"` + rfc7638N + `","e":"AQAB"}`},
		{"kty EC with alg RS256", `{"kty":"EC","alg":"RS256","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`},
		{"alg none", `{"kty":"oct","alg":"none","k":"` + b64url(hmacKey1) + `"}`},
		{"use enc", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","use":"enc"}`},
		{"key_ops without sign or verify", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","key_ops":["encrypt"]}`},
		{"a point off the curve", `{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyA"}`},
		{"a short EC coordinate", `{"kty":"EC","crv":"P-256","x":"AQ","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}`},
		{"curve P-384", `{"kty":"EC","crv":"P-384","x":"AQ","y":"AQ"}`},
		{"a short Ed25519 key", `{"kty":"OKP","crv":"Ed25519","x":"AQID"}`},
		{"an X25519 key", `{"kty":"OKP","crv":"X25519","x":"` + edX + `"}`},
		{"an RSA modulus of 512 bits", `{"kty":"RSA","alg":"RS256","n":"` + b64url(make([]byte, 64)) + `","e":"AQAB"}`},
		{"an even RSA exponent", `{"kty":"RSA","alg":"RS256","n":"` + rfc7638N + `","e":"AAI"}`},
		{"a short HMAC secret", `{"kty":"oct","alg":"HS256","k":"` + b64url(make31()) + `"}`},
		{"an EC private key not matching its point", `{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"970MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}`},
		{"RSA private members without d", `{"kty":"RSA","alg":"RS256","n":"` + rfc7638N + `","e":"AQAB","p":"AQ"}`},
		{"a multi-prime RSA key", `{"kty":"RSA","alg":"RS256","n":"` + rfc7638N + `","e":"AQAB","d":"AQ","p":"AQ","q":"AQ","oth":[]}`},
		{"a duplicate member", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","x":"` + edX + `"}`},
		{"a case variant of a member", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `","D":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`},
		{"padded base64", `{"kty":"OKP","crv":"Ed25519","x":"` + edX + `="}`},
		{"standard base64", `{"kty":"OKP","crv":"Ed25519","x":"` + strings.Replace(edX, "_", "/", 1) + `"}`},
		{"not an object", `["kty"]`},
		{"not JSON", `{"kty":`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jwtauth.ParseJWK([]byte(tc.jwk))
			require.Error(t, err)
		})
	}
}

func TestParseJWKSet(t *testing.T) {
	t.Parallel()
	testKeys(t)
	set := mustSet(t, mustKey(t, "r", jwtauth.RS256, rsaKey), mustKey(t, "e", jwtauth.ES256, ecKey), mustKey(t, "d", jwtauth.EdDSA, edKey))
	keys, err := jwtauth.ParseJWKSet(set.JWKS())
	require.NoError(t, err)
	require.Len(t, keys, 3)
	_, err = jwtauth.ParseJWKSet([]byte(`{"keys":[{"kty":"oct","alg":"HS256","kid":"a","k":"` + b64url(hmacKey1) + `"},{"kty":"oct","alg":"HS256","kid":"a","k":"` + b64url(hmacKey2) + `"}]}`))
	require.ErrorContains(t, err, "duplicate kid")
	_, err = jwtauth.ParseJWKSet([]byte(`{"Keys":[]}`))
	require.Error(t, err)
	_, err = jwtauth.ParseJWKSet([]byte(`{"keys":[],"keys":[]}`))
	require.Error(t, err)
	many := `{"keys":[` + strings.TrimSuffix(strings.Repeat(`{"kty":"oct"},`, 101), ",") + `]}`
	_, err = jwtauth.ParseJWKSet([]byte(many))
	require.ErrorContains(t, err, "more than 100 keys")
}
