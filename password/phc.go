package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Algorithm names a password hashing scheme recognised in stored hashes.
type Algorithm string

// Algorithms Verify understands. Hash always writes Argon2id.
const (
	Argon2id Algorithm = "argon2id"
	Argon2i  Algorithm = "argon2i" // verified for migrations (x/crypto's argon2.Key)
	Bcrypt   Algorithm = "bcrypt"  // $2a$, $2b$, $2y$, verified for migrations
)

// Bounds of an encoded hash, checked before anything is decoded or
// allocated. The parser never decodes more than this.
const (
	maxEncodedLen = 512 // whole PHC string
	minSaltLen    = 8   // RFC 9106 §3.1: at least 8 bytes
	maxSaltLen    = 64
	minKeyLen     = 16 // a shorter tag would make random guesses plausible
	maxKeyLen     = 128
	argon2Version = 0x13
)

// Params are the cost parameters of an Argon2 hash.
type Params struct {
	Memory      uint32 // KiB
	Time        uint32 // passes
	Parallelism uint8  // lanes
}

// phcHash is a parsed Argon2 PHC string.
type phcHash struct {
	alg    Algorithm
	params Params
	salt   []byte
	key    []byte
}

var b64 = base64.RawStdEncoding.Strict()

// encodePHC writes an Argon2id hash in the PHC string format, as the
// reference implementation and alexedwards/argon2id do:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, base64 without padding.
func encodePHC(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(40 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=19$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Parallelism), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// parsePHC parses an Argon2 PHC string and checks its parameters against
// the ceilings. It allocates only for the salt and key, whose lengths are
// bounded before decoding.
func parsePHC(s string, lim limits) (phcHash, error) {
	var h phcHash
	if len(s) > maxEncodedLen {
		return h, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxEncodedLen)
	}
	// "" "argon2id" "v=19" "m=..,t=..,p=.." salt key
	f := strings.Split(s, "$")
	if len(f) == 5 && strings.HasPrefix(f[2], "m=") {
		// Version 0x10 hashes have no version field; x/crypto implements
		// only 0x13.
		return h, fmt.Errorf("%w: missing version (argon2 0x10 is not supported)", ErrUnsupportedHash)
	}
	if len(f) != 6 || f[0] != "" {
		return h, fmt.Errorf("%w: bad field layout", ErrMalformedHash)
	}
	switch f[1] {
	case "argon2id":
		h.alg = Argon2id
	case "argon2i":
		h.alg = Argon2i
	case "argon2d":
		return h, fmt.Errorf("%w: argon2d", ErrUnsupportedHash)
	default:
		return h, fmt.Errorf("%w: unknown algorithm", ErrMalformedHash)
	}
	v, ok := strings.CutPrefix(f[2], "v=")
	if !ok {
		return h, fmt.Errorf("%w: bad version field", ErrMalformedHash)
	}
	ver, err := parseDecimal(v)
	if err != nil {
		return h, fmt.Errorf("%w: version: %v", ErrMalformedHash, err)
	}
	if ver != argon2Version {
		return h, fmt.Errorf("%w: argon2 version %d", ErrUnsupportedHash, ver)
	}
	if err := parseParams(f[3], &h.params); err != nil {
		return h, err
	}
	if err := lim.check(h.params); err != nil {
		return h, err
	}
	if h.salt, err = decodeB64(f[4], minSaltLen, maxSaltLen, "salt"); err != nil {
		return h, err
	}
	if h.key, err = decodeB64(f[5], minKeyLen, maxKeyLen, "key"); err != nil {
		return h, err
	}
	return h, nil
}

// parseParams reads "m=<KiB>,t=<passes>,p=<lanes>", in that order, as the
// reference implementation writes and requires. Optional keyid and data
// parameters are not supported.
func parseParams(s string, p *Params) error {
	names := [3]string{"m=", "t=", "p="}
	var vals [3]uint32
	for i, name := range names {
		var part string
		if i < 2 {
			var ok bool
			part, s, ok = strings.Cut(s, ",")
			if !ok {
				return fmt.Errorf("%w: parameters must be m,t,p", ErrMalformedHash)
			}
		} else {
			part = s
		}
		num, ok := strings.CutPrefix(part, name)
		if !ok {
			return fmt.Errorf("%w: parameters must be m,t,p", ErrMalformedHash)
		}
		n, err := parseDecimal(num)
		if err != nil {
			return fmt.Errorf("%w: parameter %s %v", ErrMalformedHash, name[:1], err)
		}
		vals[i] = n
	}
	if vals[2] == 0 || vals[1] == 0 || vals[0] == 0 {
		return fmt.Errorf("%w: zero parameter", ErrMalformedHash)
	}
	if vals[2] > 255 {
		// RFC 9106 allows up to 2^24-1 lanes; x/crypto takes a uint8.
		return fmt.Errorf("%w: parallelism %d", ErrUnsupportedHash, vals[2])
	}
	if uint64(vals[0]) < 8*uint64(vals[2]) {
		// RFC 9106 §3.1: m must be at least 8*p KiB.
		return fmt.Errorf("%w: memory below 8 KiB per lane", ErrMalformedHash)
	}
	p.Memory, p.Time, p.Parallelism = vals[0], vals[1], uint8(vals[2])
	return nil
}

// parseDecimal parses a canonical unsigned 32-bit decimal: digits only, no
// sign, no leading zero, at most 10 digits.
func parseDecimal(s string) (uint32, error) {
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("bad number length")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("leading zero")
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a decimal number")
		}
		n = n*10 + uint64(c-'0')
	}
	if n > 1<<32-1 {
		return 0, fmt.Errorf("out of range")
	}
	return uint32(n), nil
}

// decodeB64 decodes unpadded standard base64 whose decoded length must lie
// in [min, max]; the length is checked before decoding.
func decodeB64(s string, min, max int, what string) ([]byte, error) {
	if len(s) < b64.EncodedLen(min) || len(s) > b64.EncodedLen(max) {
		return nil, fmt.Errorf("%w: %s length out of range", ErrMalformedHash, what)
	}
	// encoding/base64 skips CR and LF; a stored hash has none.
	for i := 0; i < len(s); i++ {
		if !isB64Char(s[i]) {
			return nil, fmt.Errorf("%w: %s is not unpadded base64", ErrMalformedHash, what)
		}
	}
	b := make([]byte, b64.DecodedLen(len(s)))
	n, err := b64.Decode(b, []byte(s))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not unpadded base64", ErrMalformedHash, what)
	}
	if n < min || n > max {
		return nil, fmt.Errorf("%w: %s length out of range", ErrMalformedHash, what)
	}
	return b[:n], nil
}

func isB64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
