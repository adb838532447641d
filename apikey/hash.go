package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"
)

// Hash is what a store keeps of a key: SHA-256 or HMAC-SHA256 of the whole
// key string, prefix and checksum included.
type Hash [32]byte

// String returns the hash in hex. A hash is not a secret in the way a key
// is, but it is what a stolen table would be matched against: keep it out
// of logs anyway.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero hash, which no key has.
func (h Hash) IsZero() bool { return h == Hash{} }

// MinPepperLen is the shortest accepted pepper, in bytes.
const MinPepperLen = 32

// Hasher turns keys into the Hash a store keeps. Without a pepper it is
// SHA-256; with one it is HMAC-SHA256 keyed with the pepper, which is the
// recommended setting: keys carry 256 random bits, so neither hash can be
// reversed, but only with a pepper does write access to the key table fail
// to let an attacker mint working keys (the attacker would have to know the
// pepper to compute the hash of a key of their own), and a copy of the
// table cannot be used to confirm a key found elsewhere.
//
// Keep the pepper outside the database (a secret file or a KMS). Changing it
// invalidates every key.
//
// A Hasher is immutable after NewHasher and safe for concurrent use; Hash
// allocates nothing.
type Hasher struct {
	peppered bool
	pool     sync.Pool // of *macState, when peppered
}

type macState struct {
	mac hash.Hash
	buf [MaxKeyLen]byte
	out [sha256.Size]byte
}

// NewHasher returns a Hasher: HMAC-SHA256 keyed with pepper, or plain
// SHA-256 when pepper is empty. A non-empty pepper shorter than
// MinPepperLen bytes is an error.
func NewHasher(pepper []byte) (*Hasher, error) {
	if len(pepper) == 0 {
		return &Hasher{}, nil
	}
	if len(pepper) < MinPepperLen {
		return nil, fmt.Errorf("apikey: pepper must be at least %d bytes, got %d", MinPepperLen, len(pepper))
	}
	key := append([]byte(nil), pepper...)
	h := &Hasher{peppered: true}
	h.pool.New = func() any { return &macState{mac: hmac.New(sha256.New, key)} }
	return h, nil
}

// Peppered reports whether the Hasher uses HMAC-SHA256 with a pepper.
func (h *Hasher) Peppered() bool { return h.peppered }

// Hash returns the hash of key. Keys longer than MaxKeyLen are never well
// formed; they hash to the zero Hash, which matches nothing.
func (h *Hasher) Hash(key string) Hash {
	if len(key) > MaxKeyLen {
		return Hash{}
	}
	if !h.peppered {
		var buf [MaxKeyLen]byte
		n := copy(buf[:], key)
		return sha256.Sum256(buf[:n])
	}
	st := h.pool.Get().(*macState)
	st.mac.Reset()
	n := copy(st.buf[:], key)
	st.mac.Write(st.buf[:n])
	st.mac.Sum(st.out[:0])
	out := Hash(st.out)
	h.pool.Put(st)
	return out
}

// hashEqual compares two hashes in constant time. Stores find keys by hash
// with an index or a map, whose timing depends on the hash; the final
// decision does not.
// The zero Hash never matches.
func hashEqual(a, b *Hash) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && !a.IsZero()
}
