package jwtauth

import (
	"crypto/sha256"
	"crypto/sha512"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm is a JWS signature algorithm (RFC 7518, RFC 8037). Every Key is
// bound to exactly one Algorithm: a token is verified only when its "alg"
// header equals the algorithm of the key its "kid" names.
type Algorithm string

// The algorithms a Key may use. "none" is not one of them and can never be.
const (
	HS256 Algorithm = "HS256" // HMAC with SHA-256, key of at least 32 bytes
	HS384 Algorithm = "HS384" // HMAC with SHA-384, key of at least 48 bytes
	HS512 Algorithm = "HS512" // HMAC with SHA-512, key of at least 64 bytes
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, RSA key of at least 2048 bits
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256, RSA key of at least 2048 bits
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
)

// Key size bounds.
const (
	MinRSABits = 2048 // shorter RSA moduli are refused (RFC 7518, section 3.3)
	MaxRSABits = 8192 // longer moduli are refused: verification cost grows with the size
)

// algorithms lists every supported algorithm, in a stable order.
var algorithms = [...]Algorithm{HS256, HS384, HS512, RS256, PS256, ES256, EdDSA}

// Algorithms returns the supported algorithms, in a new slice.
func Algorithms() []Algorithm { return append([]Algorithm(nil), algorithms[:]...) }

// kind returns the JWK key type an algorithm uses.
func (a Algorithm) kty() string {
	switch a {
	case HS256, HS384, HS512:
		return "oct"
	case RS256, PS256:
		return "RSA"
	case ES256:
		return "EC"
	case EdDSA:
		return "OKP"
	}
	return ""
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool { return a.kty() != "" }

// Symmetric reports whether a is an HMAC algorithm, whose key is a shared
// secret that is never published.
func (a Algorithm) Symmetric() bool { return a.kty() == "oct" }

// minSecret is the shortest HMAC key for the algorithm: the size of the hash
// output (RFC 7518, section 3.2).
func (a Algorithm) minSecret() int {
	switch a {
	case HS256:
		return sha256.Size
	case HS384:
		return sha512.Size384
	case HS512:
		return sha512.Size
	}
	return 0
}

// method returns golang-jwt's implementation of the algorithm.
func (a Algorithm) method() jwt.SigningMethod {
	switch a {
	case HS256:
		return jwt.SigningMethodHS256
	case HS384:
		return jwt.SigningMethodHS384
	case HS512:
		return jwt.SigningMethodHS512
	case RS256:
		return jwt.SigningMethodRS256
	case PS256:
		return jwt.SigningMethodPS256
	case ES256:
		return jwt.SigningMethodES256
	case EdDSA:
		return jwt.SigningMethodEdDSA
	}
	return nil
}

// sigLen returns the largest signature the algorithm produces with a key
// within the size bounds, in bytes.
func (a Algorithm) maxSigLen() int {
	switch a {
	case HS256:
		return sha256.Size
	case HS384:
		return sha512.Size384
	case HS512:
		return sha512.Size
	case RS256, PS256:
		return MaxRSABits / 8
	case ES256:
		return 64
	case EdDSA:
		return 64
	}
	return 0
}
