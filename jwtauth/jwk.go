package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Bounds on JWK input.
const (
	maxKIDLen    = 256
	maxJWKBytes  = 64 << 10 // one key
	maxJWKSBytes = 1 << 20  // a whole set
	maxJWKSKeys  = 100
)

// jwk is the JSON form of a JSON Web Key (RFC 7517, RFC 7518 section 6,
// RFC 8037).
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid,omitempty"`
	Alg    string   `json:"alg,omitempty"`
	Use    string   `json:"use,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
	// Private members.
	D  string `json:"d,omitempty"`
	P  string `json:"p,omitempty"`
	Q  string `json:"q,omitempty"`
	DP string `json:"dp,omitempty"`
	DQ string `json:"dq,omitempty"`
	QI string `json:"qi,omitempty"`
	K  string `json:"k,omitempty"`
	// Oth holds extra primes of a multi-prime RSA key, which are refused.
	Oth json.RawMessage `json:"oth,omitempty"`
}

// jwkMembers are the member names jwk decodes; a JWK carrying two of one,
// or a case variant of one ("D" for "d"), is refused rather than let
// encoding/json pick one.
var jwkMembers = []string{"kty", "kid", "alg", "use", "key_ops", "crv", "n", "e", "x", "y", "d", "p", "q", "dp", "dq", "qi", "k", "oth"}

func (j *jwk) private() bool {
	return j.D != "" || j.P != "" || j.Q != "" || j.DP != "" || j.DQ != "" || j.QI != "" || j.K != "" || j.Oth != nil
}

// ParseJWK parses one JSON Web Key, public or private. Its "alg" member
// binds it to an algorithm; without one, only an unambiguous key type is
// accepted (EC P-256 is ES256, OKP Ed25519 is EdDSA). A "use" other than
// "sig" or "key_ops" without "sign"/"verify" is refused. An empty "kid" is
// derived from the key (see NewKey).
func ParseJWK(data []byte) (*Key, error) {
	return parseJWK(data, true, "", "")
}

// ParseJWKSet parses a JSON Web Key Set ({"keys":[...]}), public or
// private, with the rules of ParseJWK for each key. Key ids must be unique.
func ParseJWKSet(data []byte) ([]*Key, error) {
	raw, err := splitJWKS(data)
	if err != nil {
		return nil, err
	}
	keys := make([]*Key, 0, len(raw))
	for i, r := range raw {
		k, err := parseJWK(r, true, "", "")
		if err != nil {
			return nil, fmt.Errorf("jwtauth: key %d: %w", i, err)
		}
		keys = append(keys, k)
	}
	if err := uniqueKIDs(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

func uniqueKIDs(keys []*Key) error {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k.kid] {
			return errors.New("jwtauth: duplicate kid in key set")
		}
		seen[k.kid] = true
	}
	return nil
}

// splitJWKS returns the raw members of a JWKS's "keys" array.
func splitJWKS(data []byte) ([]json.RawMessage, error) {
	if len(data) > maxJWKSBytes {
		return nil, errors.New("jwtauth: JWK set too large")
	}
	if err := strictMembers(data, []string{"keys"}); err != nil {
		return nil, err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, errors.New("jwtauth: malformed JWK set")
	}
	if set.Keys == nil {
		return nil, errors.New("jwtauth: JWK set has no keys member")
	}
	if len(set.Keys) > maxJWKSKeys {
		return nil, fmt.Errorf("jwtauth: JWK set has more than %d keys", maxJWKSKeys)
	}
	return set.Keys, nil
}

// strictMembers checks that data is a JSON object in which none of the
// known member names occurs twice or in another letter case.
func strictMembers(data []byte, known []string) error {
	if !json.Valid(data) {
		return errors.New("jwtauth: malformed JSON")
	}
	m := newMembers(data)
	var seen uint64
	for m.next() {
		for i, name := range known {
			if !equalFoldASCII(m.key, name) {
				continue
			}
			if string(m.key) != name {
				return fmt.Errorf("jwtauth: member %q in the wrong letter case", name)
			}
			if seen&(1<<i) != 0 {
				return fmt.Errorf("jwtauth: duplicate member %q", name)
			}
			seen |= 1 << i
		}
		if hasEscape(m.key) {
			return errors.New("jwtauth: escaped member name")
		}
	}
	if m.bad {
		return errors.New("jwtauth: malformed JSON object")
	}
	return nil
}

// parseJWK parses one key. With allowPrivate false (keys fetched from a
// remote JWKS) a key with any private member is refused. fallback is the
// algorithm assumed for a key without "alg", fallbackKID the kid of a key
// without "kid" (empty: derived).
func parseJWK(data []byte, allowPrivate bool, fallback Algorithm, fallbackKID string) (*Key, error) {
	if len(data) > maxJWKBytes {
		return nil, errors.New("jwtauth: JWK too large")
	}
	if err := strictMembers(data, jwkMembers); err != nil {
		return nil, err
	}
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, errors.New("jwtauth: malformed JWK")
	}
	if !allowPrivate && j.private() {
		return nil, errors.New("jwtauth: JWK holds private key material")
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, errors.New(`jwtauth: JWK "use" is not "sig"`)
	}
	if j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") && !slices.Contains(j.KeyOps, "sign") {
		return nil, errors.New(`jwtauth: JWK "key_ops" allows neither sign nor verify`)
	}
	if j.Oth != nil {
		return nil, errors.New("jwtauth: multi-prime RSA JWK unsupported")
	}
	alg := Algorithm(j.Alg)
	switch {
	case alg == "" && j.Kty == "EC" && j.Crv == "P-256":
		alg = ES256
	case alg == "" && j.Kty == "OKP" && j.Crv == "Ed25519":
		alg = EdDSA
	case alg == "" && fallback != "":
		alg = fallback
	case alg == "":
		return nil, errors.New(`jwtauth: JWK has no "alg" and its key type does not imply one`)
	}
	if !alg.Valid() {
		return nil, errors.New("jwtauth: JWK algorithm unsupported")
	}
	if alg.kty() != j.Kty {
		return nil, errors.New(`jwtauth: JWK "kty" does not match its "alg"`)
	}
	material, err := j.material(alg)
	if err != nil {
		return nil, err
	}
	if j.Kid == "" {
		j.Kid = fallbackKID
	}
	return NewKey(j.Kid, alg, material)
}

// material decodes the key of a JWK whose kty matches alg.
func (j *jwk) material(alg Algorithm) (any, error) {
	switch j.Kty {
	case "oct":
		if j.K == "" {
			return nil, errors.New(`jwtauth: oct JWK has no "k"`)
		}
		return b64Field(j.K)
	case "RSA":
		return j.rsa()
	case "EC":
		return j.ec()
	case "OKP":
		return j.okp()
	}
	return nil, errors.New("jwtauth: JWK key type unsupported")
}

func (j *jwk) rsa() (any, error) {
	n, err1 := bigField(j.N)
	e, err2 := bigField(j.E)
	if err1 != nil || err2 != nil || n.Sign() == 0 || !e.IsInt64() || e.Int64() > 1<<31-1 {
		return nil, errors.New("jwtauth: malformed RSA JWK")
	}
	if n.BitLen() < MinRSABits || n.BitLen() > MaxRSABits {
		return nil, fmt.Errorf("jwtauth: RSA key must have %d to %d bits", MinRSABits, MaxRSABits)
	}
	pub := rsa.PublicKey{N: n, E: int(e.Int64())}
	if j.D == "" {
		if j.P != "" || j.Q != "" || j.DP != "" || j.DQ != "" || j.QI != "" {
			return nil, errors.New("jwtauth: RSA JWK has private members without d")
		}
		return &pub, nil
	}
	d, err1 := bigField(j.D)
	p, err2 := bigField(j.P)
	q, err3 := bigField(j.Q)
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errors.New(`jwtauth: RSA private JWK needs "d", "p" and "q"`)
	}
	priv := &rsa.PrivateKey{PublicKey: pub, D: d, Primes: []*big.Int{p, q}}
	if err := priv.Validate(); err != nil {
		return nil, errors.New("jwtauth: invalid RSA private JWK")
	}
	priv.Precompute()
	for _, f := range []struct {
		got  string
		want *big.Int
	}{{j.DP, priv.Precomputed.Dp}, {j.DQ, priv.Precomputed.Dq}, {j.QI, priv.Precomputed.Qinv}} {
		if f.got == "" {
			continue
		}
		v, err := bigField(f.got)
		if err != nil || v.Cmp(f.want) != 0 {
			return nil, errors.New("jwtauth: inconsistent RSA private JWK")
		}
	}
	return priv, nil
}

func (j *jwk) ec() (any, error) {
	if j.Crv != "P-256" {
		return nil, errors.New("jwtauth: EC JWK curve must be P-256")
	}
	x, err1 := b64Field(j.X)
	y, err2 := b64Field(j.Y)
	if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
		return nil, errors.New("jwtauth: malformed EC JWK")
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, errors.New("jwtauth: EC JWK point is not on P-256")
	}
	if j.D == "" {
		return pub, nil
	}
	d, err := b64Field(j.D)
	if err != nil || len(d) != 32 {
		return nil, errors.New("jwtauth: malformed EC private JWK")
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil || !priv.PublicKey.Equal(pub) {
		return nil, errors.New("jwtauth: EC private JWK does not match its public point")
	}
	return priv, nil
}

func (j *jwk) okp() (any, error) {
	if j.Crv != "Ed25519" {
		return nil, errors.New("jwtauth: OKP JWK curve must be Ed25519")
	}
	x, err := b64Field(j.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("jwtauth: malformed OKP JWK")
	}
	if j.D == "" {
		return ed25519.PublicKey(x), nil
	}
	d, err := b64Field(j.D)
	if err != nil || len(d) != ed25519.SeedSize {
		return nil, errors.New("jwtauth: malformed OKP private JWK")
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(x)) {
		return nil, errors.New("jwtauth: OKP private JWK does not match its public key")
	}
	return priv, nil
}

func b64Field(s string) ([]byte, error) {
	n := b64DecodedLen(len(s))
	if n <= 0 {
		return nil, errors.New("jwtauth: malformed base64url member")
	}
	b := make([]byte, n)
	if _, ok := b64Decode(b, s); !ok {
		return nil, errors.New("jwtauth: malformed base64url member")
	}
	return b, nil
}

func bigField(s string) (*big.Int, error) {
	b, err := b64Field(s)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// publicMembers returns the public JWK members of an asymmetric key.
func (k *Key) publicMembers() jwk {
	j := jwk{Kty: k.alg.kty(), Kid: k.kid, Alg: string(k.alg), Use: "sig"}
	switch p := k.public.(type) {
	case *rsa.PublicKey:
		j.N = b64(p.N.Bytes())
		j.E = b64(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PublicKey:
		b, _ := p.Bytes() // 0x04 | X | Y, validated in NewKey
		if len(b) == 65 {
			j.Crv, j.X, j.Y = "P-256", b64(b[1:33]), b64(b[33:])
		}
	case ed25519.PublicKey:
		j.Crv, j.X = "Ed25519", b64(p)
	}
	return j
}

// publicJWK encodes the public JWK; never a private member.
func (k *Key) publicJWK() []byte {
	j := k.publicMembers()
	if k.public == nil {
		j = jwk{Kty: "oct", Kid: k.kid, Alg: string(k.alg)}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// Thumbprint returns the RFC 7638 JWK thumbprint (base64url SHA-256) of an
// asymmetric key's public part, or "" for an HMAC key.
func (k *Key) Thumbprint() string {
	if k.public == nil {
		return ""
	}
	j := k.publicMembers()
	var s string
	// Required members only, in lexicographic order, no whitespace.
	switch j.Kty {
	case "RSA":
		s = `{"e":"` + j.E + `","kty":"RSA","n":"` + j.N + `"}`
	case "EC":
		s = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	case "OKP":
		s = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return b64(sum[:])
}
