package jwtauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var fuzzSecret = []byte("fuzz-secret-fuzz-secret-fuzz-secret!")

func fuzzAuth(t testing.TB) *Auth[Claims] {
	k, err := NewKey("k1", HS256, fuzzSecret)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := NewKeySet(k)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Options[Claims]{Keys: ks, Issuer: "iss", Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fuzzToken(header, payload string) string {
	in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, _ := jwt.SigningMethodHS256.Sign(in, fuzzSecret)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// FuzzVerify feeds arbitrary tokens to Verify. It must never panic, and
// every token it accepts must also be accepted by golang-jwt's own parser
// with the same key and algorithm: the extra checks only ever refuse more.
func FuzzVerify(f *testing.F) {
	good := `{"iss":"iss","sub":"a","exp":1700000600,"iat":1700000000,"jti":"j"}`
	for _, s := range []string{
		fuzzToken(`{"alg":"HS256","kid":"k1","typ":"at+jwt"}`, good),
		fuzzToken(`{"alg":"HS256","typ":"at+jwt"}`, good),
		fuzzToken(`{"alg":"none","kid":"k1","typ":"at+jwt"}`, good),
		fuzzToken(`{"alg":"HS256","kid":"k1","typ":"at+jwt","crit":["x"],"x":1}`, good),
		fuzzToken(`{"alg":"HS256","kid":"k\u0031","typ":"application\/AT+JWT"}`, good),
		fuzzToken(`{"alg":"HS256","kid":"k1","typ":"at+jwt"}`, `{"exp":"1700000600","iss":"iss"}`),
		fuzzToken(`{"alg":"HS256","kid":"k1","typ":"at+jwt"}`, `{"exp":1,"exp":1700000600,"iss":"iss"}`),
		"..", "a.b.c", strings.Repeat(".", 100), "eyJ.eyJ.", "",
	} {
		f.Add(s)
	}
	a := fuzzAuth(f)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := a.Verify(context.Background(), tok)
		if err != nil {
			if c != nil {
				t.Fatal("claims returned with an error")
			}
			return
		}
		_, perr := jwt.ParseWithClaims(tok, &Claims{}, func(*jwt.Token) (any, error) { return fuzzSecret, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithIssuer("iss"),
			jwt.WithTimeFunc(func() time.Time { return time.Unix(1_700_000_000, 0) }))
		if perr != nil {
			t.Fatalf("accepted a token golang-jwt refuses (%v): %q", perr, tok)
		}
	})
}

// FuzzParseHeader checks the header walker against encoding/json: a header
// it accepts decodes, and its alg is the one encoding/json sees.
func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		`{"alg":"HS256","kid":"k1","typ":"at+jwt"}`, `{"alg":"HS256","alg":"none"}`, `{"ALG":"x","alg":"HS256"}`,
		`{"alg":"HS256","x":{"a":[1,"}",{"b":"\""}]},"kid":"\u006b"}`, `{"alg":"HS256","crit":["b64"]}`, `[]`, `{`,
		` {"alg" : "ES256" , "jwk":{"kty":"EC"} } `, `{"\u0061lg":"none","alg":"HS256"}`,
	} {
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(s)))
	}
	f.Fuzz(func(t *testing.T, seg string) {
		var buf [maxHeaderSegment * 3 / 4]byte
		h, err := parseHeader(seg, buf[:])
		if err != nil {
			return
		}
		raw, _ := base64.RawURLEncoding.DecodeString(seg)
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("accepted a header encoding/json refuses: %q", raw)
		}
		if alg, _ := m["alg"].(string); alg != string(h.alg) {
			t.Fatalf("alg %q, encoding/json sees %q in %q", h.alg, alg, raw)
		}
		if _, crit := m["crit"]; crit {
			t.Fatalf("accepted a crit header: %q", raw)
		}
		if kid, ok := m["kid"].(string); h.hasKID && (!ok || kid != string(h.kid)) {
			t.Fatalf("kid %q, encoding/json sees %v", h.kid, m["kid"])
		}
	})
}

// FuzzB64 checks the strict decoder against the standard library's.
func FuzzB64(f *testing.F) {
	for _, s := range []string{"", "QQ", "QR", "QUE", "QUF", "QUFB", "A", "____", "-_-_", "QQ==", "Q\nQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, werr := base64.RawURLEncoding.Strict().DecodeString(s)
		dst := make([]byte, max(b64DecodedLen(len(s)), 0))
		n, ok := b64Decode(dst, s)
		if strings.ContainsAny(s, "\r\n") {
			if ok {
				t.Fatalf("accepted a line break: %q", s)
			}
			return
		}
		if ok != (werr == nil) {
			t.Fatalf("%q: ok=%v, stdlib err=%v", s, ok, werr)
		}
		if ok && !bytes.Equal(dst[:n], want) {
			t.Fatalf("%q: got %x, want %x", s, dst[:n], want)
		}
	})
}

// FuzzParseJWK checks that JWK parsing never panics and that an accepted
// key survives a public round trip with its thumbprint.
func FuzzParseJWK(f *testing.F) {
	for _, s := range []string{
		`{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}`,
		`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`,
		`{"kty":"oct","alg":"HS256","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}`,
		`{"kty":"RSA","alg":"RS256","n":"AQ","e":"AQAB"}`, `{"kty":"RSA","alg":"PS256","n":"AQ","e":"AQAB","d":"AQ","p":"AQ","q":"AQ"}`,
		`{"kty":"EC","crv":"P-256","x":"","y":""}`, `{}`, `[]`, `{"kty":"OKP","x":"a","X":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseJWK(data)
		if err != nil {
			return
		}
		if k.alg.Symmetric() {
			return
		}
		back, err := parseJWK(k.publicJWK(), false, "", "")
		if err != nil {
			t.Fatalf("public JWK of an accepted key refused: %v", err)
		}
		if back.Thumbprint() != k.Thumbprint() || back.alg != k.alg {
			t.Fatal("round trip changed the key")
		}
	})
}

// FuzzRemoteJWKS checks that a fetched set never yields a key holding
// private material or a secret.
func FuzzRemoteJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},{"kty":"oct","alg":"HS256","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := parseRemoteJWKS(data, []Algorithm{RS256, PS256, ES256, EdDSA}, "")
		if err != nil {
			return
		}
		for _, e := range snap.byKID {
			if e.key.CanSign() || e.key.alg.Symmetric() {
				t.Fatalf("remote set yielded a private or secret key: %v", e.key)
			}
		}
	})
}

// fuzzClaims has app members of several kinds next to Claims.
type fuzzClaims struct {
	Claims
	Role  string            `json:"role,omitempty"`
	Tags  []string          `json:"tags,omitempty"`
	Level int               `json:"level,omitempty"`
	Meta  map[string]string `json:"meta,omitempty"`
	Plain string
}

// FuzzDecodeFast checks decodeFast against encoding/json: whatever it
// accepts, the plain path (claimNames.check, then json.Unmarshal of the
// whole payload) accepts too, with an identical result.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range []string{
		`{"iss":"i","sub":"s","aud":["a","b"],"exp":1700000600,"nbf":1.5,"iat":-1,"jti":"j","sid":"x","auth_time":0,"scope":"r w","role":"admin"}`,
		`{"aud":"one","exp":1e9,"tags":["a"],"level":3,"meta":{"k":"v"},"Plain":"p","other":[1,{"x":null}]}`,
		`{"aud":[],"sub":null,"iss":"\u00e9\n","role":"\ud83d\ude00"}`, `{"aud":null}`, `{"aud":[1]}`, `{"exp":"1"}`,
		`{"exp":1,"exp":2}`, `{"EXP":1}`, `{"ſub":"x"}`, `{"a":1,}`, `{"a":1 "b":2}`, `{} x`, `{"exp":01}`, `{"exp":1.}`,
		`{"exp":1e400}`, `{"sub":"\xff"}`, `{"role":5}`, `{"level":"x"}`, `{"x":tru}`, ` { "sub" : "a" } `, `{"iat":-0.5}`,
	} {
		f.Add([]byte(s))
	}
	k, _ := NewKey("k1", HS256, fuzzSecret)
	ks, _ := NewKeySet(k)
	a, err := New(Options[fuzzClaims]{Keys: ks})
	if err != nil || !a.fast {
		f.Fatal("fuzzClaims must take the fast path", err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var fast fuzzClaims
		if _, err := a.decodeFast(payload, &fast, nil); err != nil {
			return
		}
		var plain fuzzClaims
		if err := a.names.check(payload); err != nil {
			t.Fatalf("fast path accepted names the check refuses: %q", payload)
		}
		if err := json.Unmarshal(payload, &plain); err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, payload)
		}
		if !reflect.DeepEqual(fast, plain) {
			t.Fatalf("fast %+v\nplain %+v\nfor %q", fast, plain, payload)
		}
	})
}

func TestFastEligibility(t *testing.T) {
	type shadow struct {
		Claims
		Sub string `json:"SUB"`
	}
	type pointer struct {
		*Claims
	}
	type twoEmbeds struct {
		Claims
		jwt.RegisteredClaims
	}
	type tagged struct {
		Claims `json:"claims"`
	}
	for typ, want := range map[reflect.Type]bool{
		reflect.TypeFor[Claims]():     true,
		reflect.TypeFor[fuzzClaims](): true,
		reflect.TypeFor[shadow]():     false,
		reflect.TypeFor[pointer]():    false,
		reflect.TypeFor[twoEmbeds]():  false,
		reflect.TypeFor[tagged]():     false,
	} {
		if fastEligible(typ) != want {
			t.Errorf("fastEligible(%v) = %v", typ, !want)
		}
	}
}
