package apikey

import (
	"crypto/rand"
	"fmt"
	"regexp"
)

// Key format: "<prefix>_<secret>_<checksum>", for example
// "gk_live_4Qz0c1eW9nS3fT6yJ2vK8pL5mA7dB0xR1hU3gE9iZc2_3kT9aQ".
//
// The prefix names the kind of key ("gk_live", "gk_test"): one or more
// segments of lowercase ASCII letters and digits joined by single "_", the
// first starting with a letter, at most MaxPrefixLen bytes. The secret is
// SecretLen base62 characters (0-9 A-Z a-z) drawn uniformly from
// crypto/rand: 43 × log2(62) ≈ 256.03 bits. The checksum is the CRC-32
// (IEEE polynomial, as hash/crc32.ChecksumIEEE) of "<prefix>_<secret>",
// written as ChecksumLen base62 digits, most significant first,
// zero-padded.
//
// Because secret and checksum are fixed-length base62, which has no "_", a
// key is split from the right: the last ChecksumLen characters are the
// checksum, the SecretLen characters before the "_" preceding them are the
// secret, and everything before the "_" preceding the secret is the prefix,
// which may itself contain "_". No other split is accepted.
const (
	SecretLen    = 43 // base62 characters of the secret (≥ 256 bits)
	ChecksumLen  = 6  // base62 characters of the CRC-32 checksum
	MaxPrefixLen = 32 // bytes of the longest accepted prefix

	// DefaultPrefix is the prefix of keys when none is configured. Choose a
	// prefix distinctive to your service, so that secret scanners can tell
	// your keys from others'.
	DefaultPrefix = "gk"

	suffixLen = 1 + SecretLen + 1 + ChecksumLen
	// MaxKeyLen is the length of the longest well-formed key.
	MaxKeyLen = MaxPrefixLen + suffixLen
)

// ScanPattern is a regular expression (RE2 and PCRE syntax) matching keys of
// any prefix in text, for secret scanners (gitleaks, trufflehog, GitHub
// push protection custom patterns). A match still needs its checksum checked
// (Parse, or CRC-32 as described above) to rule out look-alikes. Prefer
// PrefixPattern, which names your prefixes and matches nothing else.
const ScanPattern = `\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b`

// PrefixPattern returns a regular expression matching keys of the given
// prefixes only, for secret scanners. Each prefix must be valid.
func PrefixPattern(prefixes ...string) (string, error) {
	if len(prefixes) == 0 {
		return "", fmt.Errorf("apikey: no prefix given")
	}
	alt := ""
	for i, p := range prefixes {
		if err := ValidatePrefix(p); err != nil {
			return "", err
		}
		if i > 0 {
			alt += "|"
		}
		alt += regexp.QuoteMeta(p)
	}
	return `\b(?:` + alt + `)_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b`, nil
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// b62 maps a byte to its base62 value, or 0xff when it is not a base62 digit.
var b62 = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := 0; i < len(base62); i++ {
		t[base62[i]] = byte(i)
	}
	return t
}()

// ValidatePrefix reports whether p can prefix keys: segments of lowercase
// ASCII letters and digits joined by single underscores, starting with a
// letter, at most MaxPrefixLen bytes ("gk", "gk_live", "acme2_test").
func ValidatePrefix(p string) error {
	if !validPrefix(p) {
		return fmt.Errorf("apikey: invalid prefix %q: want lowercase letters and digits in segments joined by \"_\", starting with a letter, at most %d bytes", p, MaxPrefixLen)
	}
	return nil
}

func validPrefix(p string) bool {
	if len(p) == 0 || len(p) > MaxPrefixLen || p[0] < 'a' || p[0] > 'z' || p[len(p)-1] == '_' {
		return false
	}
	prevUnderscore := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			prevUnderscore = false
		case c == '_' && !prevUnderscore:
			prevUnderscore = true
		default:
			return false
		}
	}
	return true
}

// Generate returns a new key with the given prefix: SecretLen base62
// characters from crypto/rand and the checksum. The result is the secret
// itself; store only its Hash.
func Generate(prefix string) (string, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return "", err
	}
	n := len(prefix) + suffixLen
	b := make([]byte, n)
	copy(b, prefix)
	b[len(prefix)] = '_'
	if err := randomBase62(b[len(prefix)+1 : len(prefix)+1+SecretLen]); err != nil {
		return "", err
	}
	b[n-ChecksumLen-1] = '_'
	sum := crc32String(string(b[:n-ChecksumLen-1]))
	putChecksum(b[n-ChecksumLen:], sum)
	return string(b), nil
}

// randomBase62 fills dst with uniformly distributed base62 digits. Bytes of
// 248 and above are rejected so that byte % 62 has no bias (248 = 4 × 62).
func randomBase62(dst []byte) error {
	var buf [64]byte
	i := 0
	for i < len(dst) {
		if _, err := rand.Read(buf[:]); err != nil {
			return fmt.Errorf("apikey: reading random bytes: %w", err)
		}
		for _, c := range buf {
			if c >= 248 {
				continue
			}
			dst[i] = base62[c%62]
			i++
			if i == len(dst) {
				break
			}
		}
	}
	return nil
}

// putChecksum writes sum as ChecksumLen base62 digits, most significant
// first. 62^6 > 2^32, so every CRC-32 fits.
func putChecksum(dst []byte, sum uint32) {
	v := uint64(sum)
	for i := ChecksumLen - 1; i >= 0; i-- {
		dst[i] = base62[v%62]
		v /= 62
	}
}

// Parse checks that key is well formed: a valid prefix, a base62 secret of
// SecretLen characters and a matching checksum, and returns the prefix. It
// needs no store and allocates nothing, so mistyped, truncated and made-up
// keys are refused before any lookup. The error, when not nil, is
// ErrMalformed.
func Parse(key string) (prefix string, err error) {
	if len(key) <= suffixLen || len(key) > MaxKeyLen {
		return "", ErrMalformed
	}
	cut := len(key) - suffixLen
	sep := len(key) - ChecksumLen - 1
	if key[cut] != '_' || key[sep] != '_' {
		return "", ErrMalformed
	}
	// The checksum first: it refuses typos and made-up keys soonest.
	var want uint64
	for i := sep + 1; i < len(key); i++ {
		d := b62[key[i]]
		if d == 0xff {
			return "", ErrMalformed
		}
		want = want*62 + uint64(d)
	}
	if want != uint64(crc32String(key[:sep])) {
		return "", ErrMalformed
	}
	for i := cut + 1; i < sep; i++ {
		if b62[key[i]] == 0xff {
			return "", ErrMalformed
		}
	}
	prefix = key[:cut]
	if !validPrefix(prefix) {
		return "", ErrMalformed
	}
	return prefix, nil
}
