package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Key is one signing or verification key, bound to exactly one Algorithm
// and named by a key id ("kid") that tokens carry in their JOSE header.
//
// A Key holding an HMAC secret or a private key never prints it: String,
// GoString, Format and MarshalJSON show the kid, the algorithm and (for
// asymmetric keys) the public key only.
//
// A Key is immutable and safe for concurrent use.
type Key struct {
	kid    string
	alg    Algorithm
	method jwt.SigningMethod
	secret []byte           // HMAC secret, nil otherwise
	signer any              // what method.Sign takes; nil for a verify-only key
	verify any              // what method.Verify takes
	public crypto.PublicKey // nil for HMAC keys
	macs   *sync.Pool       // HMAC states for verification, nil otherwise
}

// NewKey binds key material to an algorithm. material is one of:
//
//   - []byte: an HMAC secret for HS256/HS384/HS512, at least as long as the
//     hash output (32, 48, 64 bytes); it is copied.
//   - *rsa.PrivateKey or *rsa.PublicKey for RS256 or PS256, 2048 to 8192 bits.
//   - *ecdsa.PrivateKey or *ecdsa.PublicKey on P-256 for ES256.
//   - ed25519.PrivateKey or ed25519.PublicKey for EdDSA.
//
// A public key makes a verify-only key. An empty kid is derived from the key:
// the RFC 7638 thumbprint for asymmetric keys, a keyed hash for secrets, so
// that every instance loading the same material agrees on it.
func NewKey(kid string, alg Algorithm, material any) (*Key, error) {
	if !alg.Valid() {
		return nil, fmt.Errorf("jwtauth: unsupported algorithm %q", string(alg))
	}
	if len(kid) > maxKIDLen {
		return nil, fmt.Errorf("jwtauth: kid longer than %d bytes", maxKIDLen)
	}
	k := &Key{kid: kid, alg: alg, method: alg.method()}
	switch m := material.(type) {
	case []byte:
		if !alg.Symmetric() {
			return nil, fmt.Errorf("jwtauth: %s needs an asymmetric key, not a secret", alg)
		}
		if len(m) < alg.minSecret() {
			return nil, fmt.Errorf("jwtauth: %s secret must be at least %d bytes", alg, alg.minSecret())
		}
		if allSame(m) {
			return nil, errors.New("jwtauth: secret is not random (all bytes equal)")
		}
		k.secret = append([]byte(nil), m...)
		k.verify, k.signer = k.secret, k.secret
		k.macs = &sync.Pool{New: k.newMAC}
	case *rsa.PrivateKey:
		if err := checkRSA(alg, &m.PublicKey); err != nil {
			return nil, err
		}
		if err := m.Validate(); err != nil {
			return nil, errors.New("jwtauth: invalid RSA private key")
		}
		k.signer, k.verify, k.public = m, &m.PublicKey, &m.PublicKey
	case *rsa.PublicKey:
		if err := checkRSA(alg, m); err != nil {
			return nil, err
		}
		k.verify, k.public = m, m
	case *ecdsa.PrivateKey:
		if alg != ES256 || m.Curve != elliptic.P256() {
			return nil, fmt.Errorf("jwtauth: %s cannot use an ECDSA key (ES256 needs P-256)", alg)
		}
		k.signer, k.verify, k.public = m, &m.PublicKey, &m.PublicKey
	case *ecdsa.PublicKey:
		if alg != ES256 || m.Curve != elliptic.P256() {
			return nil, fmt.Errorf("jwtauth: %s cannot use an ECDSA key (ES256 needs P-256)", alg)
		}
		if _, err := m.Bytes(); err != nil {
			return nil, errors.New("jwtauth: invalid ECDSA public key")
		}
		k.verify, k.public = m, m
	case ed25519.PrivateKey:
		if alg != EdDSA || len(m) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("jwtauth: %s cannot use an Ed25519 key", alg)
		}
		pub := m.Public().(ed25519.PublicKey)
		k.signer, k.verify, k.public = m, pub, pub
	case ed25519.PublicKey:
		if alg != EdDSA || len(m) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("jwtauth: %s cannot use an Ed25519 key", alg)
		}
		k.verify, k.public = m, m
	default:
		return nil, fmt.Errorf("jwtauth: unsupported key material %T", material)
	}
	if k.kid == "" {
		k.kid = k.derivedKID()
	}
	return k, nil
}

func checkRSA(alg Algorithm, pub *rsa.PublicKey) error {
	if alg != RS256 && alg != PS256 {
		return fmt.Errorf("jwtauth: %s cannot use an RSA key", alg)
	}
	if pub.N == nil || pub.N.BitLen() < MinRSABits || pub.N.BitLen() > MaxRSABits {
		return fmt.Errorf("jwtauth: RSA key must have %d to %d bits", MinRSABits, MaxRSABits)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return errors.New("jwtauth: RSA public exponent must be odd and at least 3")
	}
	return nil
}

// GenerateKey creates a new random key for alg with a derived kid: a
// 256/384/512-bit secret, a 2048-bit RSA key, a P-256 or an Ed25519 key.
func GenerateKey(alg Algorithm) (*Key, error) {
	var material any
	var err error
	switch alg {
	case HS256, HS384, HS512:
		b := make([]byte, alg.minSecret())
		_, err = rand.Read(b)
		material = b
	case RS256, PS256:
		material, err = rsa.GenerateKey(rand.Reader, MinRSABits)
	case ES256:
		material, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, material, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("jwtauth: unsupported algorithm %q", string(alg))
	}
	if err != nil {
		return nil, fmt.Errorf("jwtauth: generating a %s key: %w", alg, err)
	}
	return NewKey("", alg, material)
}

// KID returns the key id.
func (k *Key) KID() string { return k.kid }

// Algorithm returns the one algorithm the key is used with.
func (k *Key) Algorithm() Algorithm { return k.alg }

// CanSign reports whether the key holds a secret or private key.
func (k *Key) CanSign() bool { return k.signer != nil }

// Public returns the public key (*rsa.PublicKey, *ecdsa.PublicKey or
// ed25519.PublicKey), or nil for an HMAC key, whose secret is never exposed.
func (k *Key) Public() crypto.PublicKey { return k.public }

// String describes the key without its secret or private part.
func (k Key) String() string {
	part := "public"
	switch {
	case k.secret != nil:
		part = "secret=" + redacted
	case k.signer != nil:
		part = "private=" + redacted
	}
	return "jwtauth.Key{kid=" + strconv.Quote(k.kid) + " alg=" + string(k.alg) + " " + part + "}"
}

// GoString is String, so that %#v does not print the key material.
func (k Key) GoString() string { return k.String() }

// Format writes String for every verb, so that no fmt verb prints the key
// material.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// MarshalJSON encodes the public JWK of an asymmetric key (RFC 7517). An
// HMAC key encodes as {"kty":"oct","kid":...,"alg":...} without its secret.
func (k Key) MarshalJSON() ([]byte, error) { return k.publicJWK(), nil }

const redacted = "[redacted]"

// derivedKID names a key after its content.
func (k *Key) derivedKID() string {
	if k.secret != nil {
		// A keyed hash rather than a thumbprint of the secret: it reveals
		// nothing that a token's HMAC does not already.
		m := hmac.New(sha256.New, k.secret)
		m.Write([]byte("gatehouse/jwtauth/kid/v1"))
		return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
	}
	return k.Thumbprint()
}

// newMAC returns an HMAC state keyed with the secret.
func (k *Key) newMAC() any {
	var h func() hash.Hash
	switch k.alg {
	case HS256:
		h = sha256.New
	case HS384:
		h = sha512.New384
	default:
		h = sha512.New
	}
	return &macState{h: hmac.New(h, k.secret)}
}

// macState is a pooled HMAC with scratch space for the signing input.
type macState struct {
	h   hash.Hash
	buf []byte
	sum [sha512.Size]byte
}

// verifySig checks sig over the signing input (header.payload).
func (k *Key) verifySig(input string, sig []byte) bool {
	if k.macs == nil {
		// The copy keeps sig (a caller's stack buffer) from escaping
		// through the interface call; asymmetric verification costs tens of
		// microseconds, the copy nanoseconds.
		return k.method.Verify(input, bytes.Clone(sig), k.verify) == nil
	}
	m := k.macs.Get().(*macState)
	m.h.Reset()
	m.buf = append(m.buf[:0], input...)
	m.h.Write(m.buf)
	ok := hmac.Equal(m.h.Sum(m.sum[:0]), sig)
	if cap(m.buf) <= maxPooledInput {
		k.macs.Put(m)
	}
	return ok
}

// sign signs the signing input.
func (k *Key) sign(input string) ([]byte, error) {
	if k.signer == nil {
		return nil, ErrNoSigningKey
	}
	return k.method.Sign(input, k.signer)
}

const maxPooledInput = 16 << 10

func allSame(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	for _, c := range b[1:] {
		if c != b[0] {
			return false
		}
	}
	return true
}
