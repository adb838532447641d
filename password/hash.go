package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Defaults of HasherOptions: OWASP Password Storage Cheat Sheet's first
// Argon2id configuration (m=19 MiB, t=2, p=1), 16-byte salt, 32-byte key.
const (
	DefaultMemory      = 19 * 1024 // KiB
	DefaultTime        = 2
	DefaultParallelism = 1
	DefaultSaltLength  = 16
	DefaultKeyLength   = 32
)

// Floor of the cost parameters New accepts without InsecureLowCost: the
// weakest OWASP Argon2id configuration (m=7 MiB, t=5) and its memory×time
// product.
const (
	minMemory     = 7 * 1024
	minMemoryTime = 7 * 1024 * 5
)

// HasherOptions configures a Hasher. The zero value is the OWASP
// configuration with ceilings that accept the common peers' defaults.
type HasherOptions struct {
	// Memory is Argon2id's memory cost in KiB. Default 19456 (19 MiB).
	Memory uint32
	// Time is Argon2id's number of passes. Default 2.
	Time uint32
	// Parallelism is Argon2id's number of lanes. Default 1.
	Parallelism uint8
	// SaltLength in bytes. Default 16 (at least 16).
	SaltLength int
	// KeyLength is the length of the derived key in bytes. Default 32
	// (16 to 128).
	KeyLength int

	// MaxMemory is the most memory, in KiB, a stored Argon2 hash may ask
	// for: Verify refuses a hash above it (ErrHashTooCostly) before
	// allocating. Default the larger of Memory and 65536 (64 MiB, the
	// default of alexedwards/argon2id). At most MaxConcurrent hashes run at
	// once, so MaxConcurrent × MaxMemory bounds the memory hashing can use.
	MaxMemory uint32
	// MaxTime is the most passes a stored Argon2 hash may ask for. Default
	// the larger of Time and 10.
	MaxTime uint32
	// MaxParallelism is the most lanes a stored Argon2 hash may ask for.
	// Default the larger of Parallelism and 8.
	MaxParallelism uint8
	// MaxBcryptCost is the highest cost of a stored bcrypt hash Verify
	// accepts (each step doubles the work). Default 14.
	MaxBcryptCost int

	// MaxConcurrent bounds how many hashes (Hash, Verify, dummy
	// verifications) run at once. Default runtime.GOMAXPROCS(0): Argon2 is
	// CPU bound, more at once only adds memory.
	MaxConcurrent int
	// MaxWaiting bounds how many calls may wait for a slot when
	// MaxConcurrent are running. A call beyond it fails at once with
	// ErrBusy; a waiting call gives up when its context ends (returning
	// the context's error). Default 32 × MaxConcurrent; negative: no
	// waiting, ErrBusy as soon as every slot is taken.
	MaxWaiting int

	// MaxPasswordBytes bounds the password: Hash refuses a longer one with
	// ErrPasswordTooLong and Verify reports it as a mismatch (after the
	// same work as any other verification). Default 4096.
	MaxPasswordBytes int

	// RawPasswords disables NFKC normalization of passwords before
	// hashing and verifying. Set it only to verify hashes made by a system
	// that did not normalize non-ASCII passwords (ASCII is unaffected).
	RawPasswords bool

	// InsecureLowCost permits parameters below the OWASP minimum (memory
	// under 7 MiB or memory × passes under 35 MiB) and salts shorter than
	// 16 bytes. For tests and known-answer vectors only.
	InsecureLowCost bool

	// Rand is the source of salts. Default crypto/rand.
	Rand io.Reader
}

// limits are the ceilings applied to stored hashes.
type limits struct {
	maxMemory, maxTime uint32
	maxParallelism     uint8
}

func (l limits) check(p Params) error {
	switch {
	case p.Memory > l.maxMemory:
		return fmt.Errorf("%w: memory %d KiB above %d", ErrHashTooCostly, p.Memory, l.maxMemory)
	case p.Time > l.maxTime:
		return fmt.Errorf("%w: %d passes above %d", ErrHashTooCostly, p.Time, l.maxTime)
	case p.Parallelism > l.maxParallelism:
		return fmt.Errorf("%w: %d lanes above %d", ErrHashTooCostly, p.Parallelism, l.maxParallelism)
	}
	return nil
}

// Hasher hashes passwords with Argon2id and verifies Argon2id, Argon2i and
// bcrypt hashes. It is safe for concurrent use.
type Hasher struct {
	params     Params
	saltLen    int
	keyLen     int
	lim        limits
	bcryptMax  int
	maxPwBytes int
	raw        bool
	rand       io.Reader
	gate       gate

	dummySalt []byte
	dummyKey  []byte

	// kdfHook, when set (by tests), is called before every key derivation.
	kdfHook func(alg Algorithm, p Params)
}

// NewHasher returns a Hasher, or an error when the options are invalid or
// weaker than the OWASP minimum.
func NewHasher(o HasherOptions) (*Hasher, error) {
	if o.Memory == 0 {
		o.Memory = DefaultMemory
	}
	if o.Time == 0 {
		o.Time = DefaultTime
	}
	if o.Parallelism == 0 {
		o.Parallelism = DefaultParallelism
	}
	if o.SaltLength == 0 {
		o.SaltLength = DefaultSaltLength
	}
	if o.KeyLength == 0 {
		o.KeyLength = DefaultKeyLength
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = max(o.Memory, 64*1024)
	}
	if o.MaxTime == 0 {
		o.MaxTime = max(o.Time, 10)
	}
	if o.MaxParallelism == 0 {
		o.MaxParallelism = max(o.Parallelism, 8)
	}
	if o.MaxBcryptCost == 0 {
		o.MaxBcryptCost = 14
	}
	if o.MaxConcurrent == 0 {
		o.MaxConcurrent = runtime.GOMAXPROCS(0)
	}
	if o.MaxWaiting == 0 {
		o.MaxWaiting = 32 * o.MaxConcurrent
	}
	if o.MaxPasswordBytes == 0 {
		o.MaxPasswordBytes = 4096
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	switch {
	case uint64(o.Memory) < 8*uint64(o.Parallelism):
		return nil, errors.New("password: memory must be at least 8 KiB per lane")
	case !o.InsecureLowCost && (o.Memory < minMemory || uint64(o.Memory)*uint64(o.Time) < minMemoryTime):
		return nil, errors.New("password: argon2id parameters below the OWASP minimum (m=7 MiB,t=5 or m=19 MiB,t=2)")
	case o.SaltLength < minSaltLen || o.SaltLength > maxSaltLen:
		return nil, fmt.Errorf("password: salt length must be %d to %d bytes", minSaltLen, maxSaltLen)
	case !o.InsecureLowCost && o.SaltLength < 16:
		return nil, errors.New("password: salt length must be at least 16 bytes")
	case o.KeyLength < minKeyLen || o.KeyLength > maxKeyLen:
		return nil, fmt.Errorf("password: key length must be %d to %d bytes", minKeyLen, maxKeyLen)
	case o.MaxMemory < o.Memory || o.MaxTime < o.Time || o.MaxParallelism < o.Parallelism:
		return nil, errors.New("password: ceilings must not be below the hashing parameters")
	case o.MaxBcryptCost < bcrypt.MinCost || o.MaxBcryptCost > bcrypt.MaxCost:
		return nil, fmt.Errorf("password: max bcrypt cost must be %d to %d", bcrypt.MinCost, bcrypt.MaxCost)
	case o.MaxConcurrent < 0:
		return nil, errors.New("password: max concurrent must not be negative")
	case o.MaxPasswordBytes < 64:
		return nil, errors.New("password: max password bytes must be at least 64")
	}
	if o.MaxWaiting < 0 {
		o.MaxWaiting = 0
	}
	h := &Hasher{
		params:     Params{Memory: o.Memory, Time: o.Time, Parallelism: o.Parallelism},
		saltLen:    o.SaltLength,
		keyLen:     o.KeyLength,
		lim:        limits{maxMemory: o.MaxMemory, maxTime: o.MaxTime, maxParallelism: o.MaxParallelism},
		bcryptMax:  o.MaxBcryptCost,
		maxPwBytes: o.MaxPasswordBytes,
		raw:        o.RawPasswords,
		rand:       o.Rand,
		gate:       gate{slots: make(chan struct{}, o.MaxConcurrent), maxWaiting: int64(o.MaxWaiting)},
		dummySalt:  make([]byte, o.SaltLength),
		dummyKey:   make([]byte, o.KeyLength),
	}
	// The dummy's salt and key come from crypto/rand, not o.Rand, so that
	// a deterministic test reader does not shift the salts of Hash.
	if _, err := io.ReadFull(rand.Reader, h.dummySalt); err != nil {
		return nil, fmt.Errorf("password: random: %w", err)
	}
	if _, err := io.ReadFull(rand.Reader, h.dummyKey); err != nil {
		return nil, fmt.Errorf("password: random: %w", err)
	}
	return h, nil
}

// Hash returns the Argon2id hash of password in the PHC string format,
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, with a fresh random salt.
// The password is NFKC-normalized first (see NormalizePassword) unless
// RawPasswords is set. It waits for a hashing slot as Verify does.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > h.maxPwBytes {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, h.saltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("password: random: %w", err)
	}
	pw := h.prepare(password)
	if err := h.gate.acquire(ctx); err != nil {
		return "", err
	}
	key := h.argon2(Argon2id, pw, salt, h.params, uint32(h.keyLen))
	h.gate.release()
	return encodePHC(h.params, salt, key), nil
}

// Verify checks password against a stored hash: nil when it matches,
// ErrMismatch when it does not.
//
// encoded may be an Argon2id or Argon2i PHC string (version 19) or a bcrypt
// hash ($2a$, $2b$, $2y$). Pass "" for a user that does not exist: Verify
// then does the same work as for a real Argon2id hash at the current
// parameters and returns ErrMismatch, so that response times do not reveal
// which usernames exist.
//
// A malformed or unsupported hash, or one above the ceilings, returns an
// error matching ErrMalformedHash, ErrUnsupportedHash or ErrHashTooCostly
// (after the same dummy work); nothing is allocated for it beyond the
// bounded salt and key.
//
// bcrypt reads only the first 72 bytes of a password. So that two
// different passwords never verify against one bcrypt hash, a password
// longer than 72 bytes (after normalization) never matches a bcrypt hash.
// Users whose legacy bcrypt hash was made by a system that truncated must
// reset their password. Hash never writes bcrypt.
//
// Keys are compared in constant time. When every slot is busy Verify waits
// as long as ctx allows, or fails with ErrBusy when MaxWaiting calls are
// already waiting.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) error {
	if len(password) > h.maxPwBytes {
		return h.dummy(ctx, password[:h.maxPwBytes], ErrMismatch)
	}
	switch {
	case encoded == "":
		return h.dummy(ctx, password, ErrMismatch)
	case isBcrypt(encoded):
		return h.verifyBcrypt(ctx, password, encoded)
	case strings.HasPrefix(encoded, "$argon2"):
		return h.verifyArgon2(ctx, password, encoded)
	}
	return h.dummy(ctx, password, fmt.Errorf("%w: unknown hash format", ErrUnsupportedHash))
}

// VerifyNoUser does the work of verifying password against a hash at the
// current parameters and returns ErrMismatch (or ErrBusy, or the context's
// error). It is Verify(ctx, password, ""), for code that reads better with
// a name.
func (h *Hasher) VerifyNoUser(ctx context.Context, password string) error {
	return h.Verify(ctx, password, "")
}

func (h *Hasher) verifyArgon2(ctx context.Context, password, encoded string) error {
	ph, err := parsePHC(encoded, h.lim)
	if err != nil {
		return h.dummy(ctx, password, err)
	}
	pw := h.prepare(password)
	if err := h.gate.acquire(ctx); err != nil {
		return err
	}
	key := h.argon2(ph.alg, pw, ph.salt, ph.params, uint32(len(ph.key)))
	h.gate.release()
	if subtle.ConstantTimeCompare(key, ph.key) != 1 {
		return ErrMismatch
	}
	return nil
}

func (h *Hasher) verifyBcrypt(ctx context.Context, password, encoded string) error {
	cost, err := parseBcrypt(encoded, h.bcryptMax)
	if err != nil {
		return h.dummy(ctx, password, err)
	}
	pw := h.prepare(password)
	if len(pw) > bcryptMaxPassword {
		return h.dummy(ctx, password, ErrMismatch)
	}
	if err := h.gate.acquire(ctx); err != nil {
		return err
	}
	if h.kdfHook != nil {
		h.kdfHook(Bcrypt, Params{Time: uint32(cost)})
	}
	err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw))
	h.gate.release()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return ErrMismatch
	}
	return fmt.Errorf("%w: %v", ErrMalformedHash, err)
}

// dummy derives a key at the current parameters, compares it with a random
// key and returns result. It is the work of a real verification with no
// hash to verify against.
func (h *Hasher) dummy(ctx context.Context, password string, result error) error {
	pw := h.prepare(password)
	if err := h.gate.acquire(ctx); err != nil {
		return err
	}
	key := h.argon2(Argon2id, pw, h.dummySalt, h.params, uint32(h.keyLen))
	h.gate.release()
	subtle.ConstantTimeCompare(key, h.dummyKey)
	return result
}

func (h *Hasher) argon2(alg Algorithm, pw string, salt []byte, p Params, keyLen uint32) []byte {
	if h.kdfHook != nil {
		h.kdfHook(alg, p)
	}
	if alg == Argon2i {
		return argon2.Key([]byte(pw), salt, p.Time, p.Memory, p.Parallelism, keyLen)
	}
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Parallelism, keyLen)
}

func (h *Hasher) prepare(password string) string {
	if h.raw {
		return password
	}
	return NormalizePassword(password)
}

// NeedsRehash reports whether a stored hash should be replaced by a new
// Hash of the password (after a successful Verify): it is not Argon2id,
// its parameters or key length differ from the Hasher's, its salt is
// shorter, or it cannot be parsed.
func (h *Hasher) NeedsRehash(encoded string) bool {
	if !strings.HasPrefix(encoded, "$argon2id$") {
		return true
	}
	ph, err := parsePHC(encoded, h.lim)
	if err != nil {
		return true
	}
	return ph.params != h.params || len(ph.key) != h.keyLen || len(ph.salt) < h.saltLen
}

// Params returns the parameters Hash uses.
func (h *Hasher) Params() Params { return h.params }
