package jwtauth_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

const hsHeader = `{"alg":"HS256","kid":"k1","typ":"at+jwt"}`

func TestVerifyRefusesForgedAndInvalidTokens(t *testing.T) {
	t.Parallel()
	testKeys(t)
	c := newClock()
	now := c.Now()
	rsaPub, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPub})
	keys := mustSet(t, mustKey(t, "k1", jwtauth.HS256, hmacKey1), mustKey(t, "rsa", jwtauth.RS256, &rsaKey.PublicKey))
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Keys = keys })
	valid := claimsJSON(t, now, nil)
	hs := func(header, payload string) string {
		return forge(t, header, payload, jwt.SigningMethodHS256, hmacKey1)
	}
	with := func(mod func(map[string]any)) string { return claimsJSON(t, now, mod) }

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none is refused", forge(t, `{"alg":"none","kid":"k1","typ":"at+jwt"}`, valid, nil, nil), jwtauth.ErrAlgorithm},
		{"alg None is refused", forge(t, `{"alg":"None","kid":"k1","typ":"at+jwt"}`, valid, nil, nil), jwtauth.ErrAlgorithm},
		{"alg NONE is refused", forge(t, `{"alg":"NONE","kid":"k1","typ":"at+jwt"}`, valid, nil, nil), jwtauth.ErrAlgorithm},
		{"alg nOnE is refused", forge(t, `{"alg":"nOnE","kid":"k1","typ":"at+jwt"}`, valid, nil, nil), jwtauth.ErrAlgorithm},
		{"alg none with an empty signature is refused",
			strings.TrimSuffix(forge(t, `{"alg":"none","kid":"k1","typ":"at+jwt"}`, valid, nil, nil), b64url([]byte("sig"))), jwtauth.ErrMalformedToken},
		{"a missing alg is refused", forge(t, `{"kid":"k1","typ":"at+jwt"}`, valid, nil, nil), jwtauth.ErrAlgorithm},
		{"an RS256 key's public PEM used as an HS256 secret is refused",
			forge(t, `{"alg":"HS256","kid":"rsa","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, rsaPEM), jwtauth.ErrAlgorithm},
		{"an RS256 key's public DER used as an HS256 secret is refused",
			forge(t, `{"alg":"HS256","kid":"rsa","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, rsaPub), jwtauth.ErrAlgorithm},
		{"an HS256 key named with alg HS512 is refused",
			forge(t, `{"alg":"HS512","kid":"k1","typ":"at+jwt"}`, valid, jwt.SigningMethodHS512, hmacKey1), jwtauth.ErrAlgorithm},
		{"a token signed with another secret is refused", forge(t, hsHeader, valid, jwt.SigningMethodHS256, hmacKey2), jwtauth.ErrSignature},
		{"an unknown kid is refused",
			forge(t, `{"alg":"HS256","kid":"k9","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, hmacKey1), jwtauth.ErrUnknownKID},
		{"a kid holding a path is just an unknown kid",
			forge(t, `{"alg":"HS256","kid":"../../../../dev/null","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, []byte{}), jwtauth.ErrUnknownKID},
		{"a kid holding SQL is just an unknown kid",
			forge(t, `{"alg":"HS256","kid":"k1' OR '1'='1","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, hmacKey1), jwtauth.ErrUnknownKID},
		{"a kid holding a URL is just an unknown kid",
			forge(t, `{"alg":"HS256","kid":"https://evil.test/jwks.json","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, hmacKey1), jwtauth.ErrUnknownKID},
		{"a missing kid with two keys in the set is refused",
			forge(t, `{"alg":"HS256","typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, hmacKey1), jwtauth.ErrMissingKID},
		{"a kid that is not a string is refused",
			forge(t, `{"alg":"HS256","kid":1,"typ":"at+jwt"}`, valid, jwt.SigningMethodHS256, hmacKey1), jwtauth.ErrMalformedToken},
		{"crit naming an unknown extension is refused",
			hs(`{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":["exp"],"exp":1}`, valid), jwtauth.ErrCriticalHeader},
		{"an empty crit list is refused", hs(`{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":[]}`, valid), jwtauth.ErrCriticalHeader},
		{"a jwk header is ignored: the key comes from the set",
			forge(t, `{"alg":"HS256","kid":"k1","typ":"at+jwt","jwk":{"kty":"oct","k":"`+b64url(hmacKey2)+`"}}`, valid, jwt.SigningMethodHS256, hmacKey2), jwtauth.ErrSignature},
		{"a jku header is ignored: the key comes from the set",
			forge(t, `{"alg":"HS256","kid":"k1","typ":"at+jwt","jku":"https://evil.test/jwks"}`, valid, jwt.SigningMethodHS256, hmacKey2), jwtauth.ErrSignature},
		{"an x5u header is ignored", forge(t, `{"alg":"HS256","kid":"k1","typ":"at+jwt","x5u":"https://evil.test/c"}`, valid, jwt.SigningMethodHS256, hmacKey2), jwtauth.ErrSignature},
		{"a duplicate alg header is refused", hs(`{"alg":"HS256","alg":"HS256","kid":"k1","typ":"at+jwt"}`, valid), jwtauth.ErrMalformedToken},
		{"a case variant of alg is refused", hs(`{"alg":"HS256","ALG":"none","kid":"k1","typ":"at+jwt"}`, valid), jwtauth.ErrMalformedToken},
		{"a Kelvin-sign variant of kid is refused", hs(`{"alg":"HS256","kid":"k1","\u212aid":"x","typ":"at+jwt"}`, valid), jwtauth.ErrMalformedToken},
		{"an escaped header name is refused", hs(`{"\u0061lg":"none","alg":"HS256","kid":"k1","typ":"at+jwt"}`, valid), jwtauth.ErrMalformedToken},
		{"a header that is not an object is refused", hs(`["HS256"]`, valid), jwtauth.ErrMalformedToken},
		{"a header that is not JSON is refused", hs(`{"alg":"HS256",`, valid), jwtauth.ErrMalformedToken},
		{"a missing typ is refused", hs(`{"alg":"HS256","kid":"k1"}`, valid), jwtauth.ErrTokenType},
		{"typ JWT is refused for access tokens by default", hs(`{"alg":"HS256","kid":"k1","typ":"JWT"}`, valid), jwtauth.ErrTokenType},
		{"a refresh-typed token is refused as an access token", hs(`{"alg":"HS256","kid":"k1","typ":"rt+jwt"}`, valid), jwtauth.ErrTokenType},
		{"a missing exp is refused", hs(hsHeader, with(func(m map[string]any) { delete(m, "exp") })), jwtauth.ErrMissingClaim},
		{"exp as a string is refused", hs(hsHeader, with(func(m map[string]any) { m["exp"] = "9999999999" })), jwtauth.ErrMalformedToken},
		{"an expired token is refused as expired", hs(hsHeader, with(func(m map[string]any) { m["exp"] = now.Unix() })), jwtauth.ErrTokenExpired},
		{"a tampered expired token is invalid, not expired",
			forge(t, hsHeader, with(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }), jwt.SigningMethodHS256, hmacKey2), jwtauth.ErrSignature},
		{"an expired token of the wrong issuer is invalid, not expired",
			hs(hsHeader, with(func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix(); m["iss"] = "https://evil.test" })), jwtauth.ErrIssuer},
		{"a wrong issuer is refused", hs(hsHeader, with(func(m map[string]any) { m["iss"] = "https://issuer.test.evil" })), jwtauth.ErrIssuer},
		{"a missing issuer is refused", hs(hsHeader, with(func(m map[string]any) { delete(m, "iss") })), jwtauth.ErrIssuer},
		{"a wrong audience is refused", hs(hsHeader, with(func(m map[string]any) { m["aud"] = "https://other.test" })), jwtauth.ErrAudience},
		{"a missing audience is refused", hs(hsHeader, with(func(m map[string]any) { delete(m, "aud") })), jwtauth.ErrAudience},
		{"the refresh audience is refused for an access token",
			hs(hsHeader, with(func(m map[string]any) { m["aud"] = jwtauth.DefaultRefreshAudience })), jwtauth.ErrAudience},
		{"nbf in the future is refused", hs(hsHeader, with(func(m map[string]any) { m["nbf"] = now.Add(time.Minute).Unix() })), jwtauth.ErrTokenNotYetValid},
		{"iat in the future is refused", hs(hsHeader, with(func(m map[string]any) { m["iat"] = now.Add(time.Minute).Unix() })), jwtauth.ErrIssuedInFuture},
		{"a duplicate exp claim is refused", hs(hsHeader, strings.Replace(valid, `"exp":`, `"exp":1,"exp":`, 1)), jwtauth.ErrMalformedToken},
		{"a case variant of exp is refused", hs(hsHeader, strings.Replace(valid, `{`, `{"EXP":99999999999,`, 1)), jwtauth.ErrMalformedToken},
		{"a long-s variant of sub is refused", hs(hsHeader, strings.Replace(valid, `{`, `{"ſub":"admin",`, 1)), jwtauth.ErrMalformedToken},
		{"a case variant of an app claim is refused", hs(hsHeader, strings.Replace(valid, `{`, `{"Role":"admin",`, 1)), jwtauth.ErrMalformedToken},
		{"an escaped claim name is refused", hs(hsHeader, strings.Replace(valid, `{`, `{"r\u006fle":"admin",`, 1)), jwtauth.ErrMalformedToken},
		{"a payload that is an array is refused", hs(hsHeader, `[1,2]`), jwtauth.ErrMalformedToken},
		{"a payload that is not JSON is refused", hs(hsHeader, `{"exp":`), jwtauth.ErrMalformedToken},
		{"two segments are refused", "eyJhbGciOiJIUzI1NiJ9.e30", jwtauth.ErrMalformedToken},
		{"four segments are refused", hs(hsHeader, valid) + ".x", jwtauth.ErrMalformedToken},
		{"a JWE (five segments) is refused", "a.b.c.d.e", jwtauth.ErrMalformedToken},
		{"padding is refused", hs(hsHeader, valid) + "=", jwtauth.ErrMalformedToken},
		{"standard base64 characters are refused", strings.Replace(hs(hsHeader, valid), "-", "+", 1) + "+", jwtauth.ErrMalformedToken},
		{"a space inside the token is refused", hs(hsHeader, valid)[:20] + " " + hs(hsHeader, valid)[20:], jwtauth.ErrMalformedToken},
		{"only dots are refused", "..", jwtauth.ErrMalformedToken},
		{"an empty token is refused", "", jwtauth.ErrMalformedToken},
		{"a token over the size bound is refused before parsing", strings.Repeat("a", jwtauth.DefaultMaxTokenBytes+1), jwtauth.ErrTokenTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := a.Verify(context.Background(), tc.token)
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, jwtauth.ErrInvalidToken)
			require.Nil(t, got)
		})
	}
	t.Run("the untampered token is accepted", func(t *testing.T) {
		got, err := a.Verify(context.Background(), hs(hsHeader, valid))
		require.NoError(t, err)
		require.Equal(t, "alice", got.Subject)
		require.Equal(t, "user", got.Role)
	})
}

func TestVerifyNonCanonicalSignatureEncodingIsRefused(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, nil)
	tok := forge(t, hsHeader, claimsJSON(t, c.Now(), nil), jwt.SigningMethodHS256, hmacKey1)
	_, err := a.Verify(context.Background(), tok)
	require.NoError(t, err)
	// A 32-byte HMAC encodes to 43 characters whose last one carries two
	// unused bits; setting one gives a second encoding of the same bytes.
	last := tok[len(tok)-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, last)
	forged := tok[:len(tok)-1] + string(alphabet[i|1])
	if forged == tok {
		forged = tok[:len(tok)-1] + string(alphabet[i|2])
	}
	_, err = a.Verify(context.Background(), forged)
	require.ErrorIs(t, err, jwtauth.ErrMalformedToken)
}

func TestVerifyAcceptsTypeVariantsAndEscapes(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, nil)
	valid := claimsJSON(t, c.Now(), nil)
	for _, header := range []string{
		`{"alg":"HS256","kid":"k1","typ":"application/at+jwt"}`,
		`{"alg":"HS256","kid":"k1","typ":"AT+JWT"}`,
		`{"alg":"HS256","kid":"k\u0031","typ":"application\/at+jwt"}`,
		` { "typ" : "at+jwt" , "kid" : "k1" , "alg" : "HS256" , "x5c" : ["MIIB"] } `,
	} {
		_, err := a.Verify(context.Background(), forge(t, header, valid, jwt.SigningMethodHS256, hmacKey1))
		require.NoError(t, err, header)
	}
}

func TestVerifyWithoutConfiguredAudienceRefusesTokensNamingOne(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Audience = nil })
	now := c.Now()
	_, err := a.Verify(context.Background(), forge(t, hsHeader, claimsJSON(t, now, nil), jwt.SigningMethodHS256, hmacKey1))
	require.ErrorIs(t, err, jwtauth.ErrAudience)
	_, err = a.Verify(context.Background(), forge(t, hsHeader, claimsJSON(t, now, func(m map[string]any) { delete(m, "aud") }), jwt.SigningMethodHS256, hmacKey1))
	require.NoError(t, err)
}

func TestVerifyAcceptsAnyConfiguredAudience(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Audience = []string{"https://a.test", "https://api.test"} })
	tok := forge(t, hsHeader, claimsJSON(t, c.Now(), func(m map[string]any) { m["aud"] = []string{"x", "https://api.test"} }), jwt.SigningMethodHS256, hmacKey1)
	_, err := a.Verify(context.Background(), tok)
	require.NoError(t, err)
}

func TestLeewayEdges(t *testing.T) {
	t.Parallel()
	const leeway = 30 * time.Second
	cases := []struct {
		name   string
		leeway time.Duration
		mod    func(now time.Time, m map[string]any)
		want   error
	}{
		{"exp equal to now is expired without leeway", 0, func(n time.Time, m map[string]any) { m["exp"] = n.Unix() }, jwtauth.ErrTokenExpired},
		{"exp one second ahead is valid without leeway", 0, func(n time.Time, m map[string]any) { m["exp"] = n.Unix() + 1 }, nil},
		{"exp a leeway ago is expired", leeway, func(n time.Time, m map[string]any) { m["exp"] = n.Add(-leeway).Unix() }, jwtauth.ErrTokenExpired},
		{"exp a leeway minus one second ago is valid", leeway, func(n time.Time, m map[string]any) { m["exp"] = n.Add(-leeway).Unix() + 1 }, nil},
		{"nbf equal to now is valid", 0, func(n time.Time, m map[string]any) { m["nbf"] = n.Unix() }, nil},
		{"nbf one second ahead is refused without leeway", 0, func(n time.Time, m map[string]any) { m["nbf"] = n.Unix() + 1 }, jwtauth.ErrTokenNotYetValid},
		{"nbf a leeway ahead is valid", leeway, func(n time.Time, m map[string]any) { m["nbf"] = n.Add(leeway).Unix() }, nil},
		{"nbf a leeway plus one second ahead is refused", leeway, func(n time.Time, m map[string]any) { m["nbf"] = n.Add(leeway).Unix() + 1 }, jwtauth.ErrTokenNotYetValid},
		{"iat a leeway ahead is valid", leeway, func(n time.Time, m map[string]any) { m["iat"] = n.Add(leeway).Unix() }, nil},
		{"iat a leeway plus one second ahead is refused", leeway, func(n time.Time, m map[string]any) { m["iat"] = n.Add(leeway).Unix() + 1 }, jwtauth.ErrIssuedInFuture},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Leeway = tc.leeway })
			tok := forge(t, hsHeader, claimsJSON(t, c.Now(), func(m map[string]any) { tc.mod(c.Now(), m) }), jwt.SigningMethodHS256, hmacKey1)
			_, err := a.Verify(context.Background(), tok)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
}

// strictClaims refuses tokens of the "blocked" subject on its own rule.
type strictClaims struct {
	jwtauth.Claims
}

func (c *strictClaims) Validate() error {
	if c.Subject == "blocked" {
		return errBlocked
	}
	return nil
}

var errBlocked = errorString("blocked subject")

type errorString string

func (e errorString) Error() string { return string(e) }

func TestClaimsTypeValidateRefusesTokens(t *testing.T) {
	t.Parallel()
	c := newClock()
	a, err := jwtauth.New(jwtauth.Options[strictClaims]{Keys: mustSet(t, mustKey(t, "k1", jwtauth.HS256, hmacKey1)), Now: c.Now})
	require.NoError(t, err)
	ok, err := a.Issue(context.Background(), strictClaims{jwtauth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "fine"}}})
	require.NoError(t, err)
	_, err = a.Verify(context.Background(), ok.AccessToken)
	require.NoError(t, err)
	bad, err := a.Issue(context.Background(), strictClaims{jwtauth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "blocked"}}})
	require.NoError(t, err)
	_, err = a.Verify(context.Background(), bad.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrClaims)
	require.ErrorIs(t, err, errBlocked)
}

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	keys := mustSet(t, mustKey(t, "k1", jwtauth.HS256, hmacKey1))
	cases := []struct {
		name string
		o    jwtauth.Options[AppClaims]
	}{
		{"missing keys", jwtauth.Options[AppClaims]{}},
		{"a nil *KeySet", jwtauth.Options[AppClaims]{Keys: (*jwtauth.KeySet)(nil)}},
		{"negative access lifetime", jwtauth.Options[AppClaims]{Keys: keys, AccessTTL: -time.Second}},
		{"access lifetime longer than refresh lifetime", jwtauth.Options[AppClaims]{Keys: keys, AccessTTL: 2 * time.Hour, RefreshTTL: time.Hour}},
		{"session age shorter than refresh lifetime", jwtauth.Options[AppClaims]{Keys: keys, MaxSessionAge: time.Hour}},
		{"leeway above five minutes", jwtauth.Options[AppClaims]{Keys: keys, Leeway: 6 * time.Minute}},
		{"tiny token bound", jwtauth.Options[AppClaims]{Keys: keys, MaxTokenBytes: 10}},
		{"huge token bound", jwtauth.Options[AppClaims]{Keys: keys, MaxTokenBytes: 1 << 20}},
		{"access types accepting refresh tokens", jwtauth.Options[AppClaims]{Keys: keys, AccessTypes: []string{"application/RT+JWT"}}},
		{"audience equal to the refresh audience", jwtauth.Options[AppClaims]{Keys: keys, Audience: []string{jwtauth.DefaultRefreshAudience}}},
		{"an empty audience value", jwtauth.Options[AppClaims]{Keys: keys, Audience: []string{""}}},
		{"a realm with a quote", jwtauth.Options[AppClaims]{Keys: keys, Realm: `a"b`}},
		{"cookie source without cookie options", jwtauth.Options[AppClaims]{Keys: keys, Sources: []jwtauth.Source{jwtauth.SourceCookie}}},
		{"cookie mode without a CSRF token issuer", jwtauth.Options[AppClaims]{Keys: keys, Cookie: &jwtauth.CookieOptions{}}},
		{"negative cache size", jwtauth.Options[AppClaims]{Keys: keys, CacheSize: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jwtauth.New(tc.o)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "jwtauth: "), err.Error())
		})
	}
	t.Run("a claims type that does not embed Claims", func(t *testing.T) {
		t.Parallel()
		_, err := jwtauth.New(jwtauth.Options[struct{ Sub string }]{Keys: keys})
		require.ErrorContains(t, err, "must be jwtauth.Claims or embed it")
	})
}

func TestZeroAndTruncatedSignaturesAreRefused(t *testing.T) {
	t.Parallel()
	testKeys(t)
	c := newClock()
	for _, tc := range []struct {
		alg jwtauth.Algorithm
		key any
	}{{jwtauth.ES256, ecKey}, {jwtauth.EdDSA, edKey}, {jwtauth.RS256, rsaKey}, {jwtauth.HS256, hmacKey1}} {
		t.Run(string(tc.alg), func(t *testing.T) {
			t.Parallel()
			a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Keys = mustSet(t, mustKey(t, "k", tc.alg, tc.key)) })
			p, err := a.Issue(context.Background(), user("alice", "", ""))
			require.NoError(t, err)
			input := p.AccessToken[:strings.LastIndexByte(p.AccessToken, '.')]
			sigLen := map[jwtauth.Algorithm]int{jwtauth.ES256: 64, jwtauth.EdDSA: 64, jwtauth.RS256: 256, jwtauth.HS256: 32}[tc.alg]
			for name, sig := range map[string][]byte{
				"all zero (the psychic signature, CVE-2022-21449)": make([]byte, sigLen),
				"truncated": make([]byte, sigLen/2),
				"one byte":  {1},
			} {
				_, err := a.Verify(context.Background(), input+"."+b64url(sig))
				require.ErrorIs(t, err, jwtauth.ErrSignature, name)
			}
		})
	}
}
