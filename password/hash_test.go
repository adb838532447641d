package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// newFastHasher returns a hasher with cheap parameters for tests that are
// not about cost.
func newFastHasher(t testing.TB) *Hasher {
	t.Helper()
	h, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true})
	require.NoError(t, err)
	return h
}

func TestNewHasherRejectsDangerousOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    HasherOptions
	}{
		{"memory below the OWASP minimum is rejected", HasherOptions{Memory: 4096, Time: 10}},
		{"memory times passes below the OWASP minimum is rejected", HasherOptions{Memory: 19456, Time: 1}},
		{"a salt shorter than 16 bytes is rejected", HasherOptions{SaltLength: 8}},
		{"a key shorter than 16 bytes is rejected", HasherOptions{KeyLength: 8}},
		{"less than 8 KiB per lane is rejected even when insecure", HasherOptions{Memory: 16, Parallelism: 4, InsecureLowCost: true}},
		{"a memory ceiling below the memory cost is rejected", HasherOptions{MaxMemory: 1024}},
		{"a bcrypt cost ceiling above 31 is rejected", HasherOptions{MaxBcryptCost: 40}},
		{"a negative concurrency is rejected", HasherOptions{MaxConcurrent: -1}},
		{"a tiny password bound is rejected", HasherOptions{MaxPasswordBytes: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewHasher(tc.o)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "password: "), err.Error())
		})
	}
	h, err := NewHasher(HasherOptions{})
	require.NoError(t, err)
	require.Equal(t, Params{Memory: 19456, Time: 2, Parallelism: 1}, h.Params(), "zero options are OWASP's")
}

func TestHashFormatAndRoundTrip(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(HasherOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	require.Regexp(t, `^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`, enc)
	require.NoError(t, h.Verify(ctx, "correct horse battery staple", enc))
	require.ErrorIs(t, h.Verify(ctx, "correct horse battery stapl", enc), ErrMismatch)
	enc2, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	require.NotEqual(t, enc, enc2, "every hash has a fresh salt")
}

func TestNormalizationMakesEquivalentSpellingsVerify(t *testing.T) {
	t.Parallel()
	h := newFastHasher(t)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "caf\u00e9 ＡＢＣ") // precomposed é, full-width ABC
	require.NoError(t, err)
	require.NoError(t, h.Verify(ctx, "cafe\u0301 ABC", enc), "NFKC: e+combining acute, ASCII ABC")

	raw, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true, RawPasswords: true})
	require.NoError(t, err)
	enc, err = raw.Hash(ctx, "caf\u00e9")
	require.NoError(t, err)
	require.ErrorIs(t, raw.Verify(ctx, "cafe\u0301", enc), ErrMismatch, "RawPasswords compares bytes")
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true})
	require.NoError(t, err)
	cur, err := NewHasher(HasherOptions{Memory: 128, Time: 1, InsecureLowCost: true})
	require.NoError(t, err)
	oldHash, err := old.Hash(ctx, "pw")
	require.NoError(t, err)
	curHash, err := cur.Hash(ctx, "pw")
	require.NoError(t, err)
	bc, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		encoded string
		want    bool
	}{
		{"a hash at the current parameters needs none", curHash, false},
		{"a hash at older memory cost needs one", oldHash, true},
		{"a different pass count needs one", strings.Replace(curHash, "t=1", "t=2", 1), true},
		{"a different lane count needs one", strings.Replace(curHash, "p=1", "p=2", 1), true},
		{"a bcrypt hash needs one", string(bc), true},
		{"an argon2i hash needs one", strings.Replace(curHash, "$argon2id$", "$argon2i$", 1), true},
		{"a longer key needs one", curHash[:strings.LastIndexByte(curHash, '$')+1] + strings.Repeat("A", 86), true},
		{"a malformed hash needs one", "$argon2id$garbage", true},
		{"an empty hash needs one", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, cur.NeedsRehash(tc.encoded))
		})
	}
	// The old hash still verifies with the new hasher: parameters are read
	// from the hash.
	require.NoError(t, cur.Verify(ctx, "pw", oldHash))
}

func TestMalformedHashesAreErrorsNotPanics(t *testing.T) {
	t.Parallel()
	h := newFastHasher(t)
	ctx := context.Background()
	const salt, key = "c29tZXNhbHQ", "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	for _, tc := range []struct {
		name    string
		encoded string
		want    error
	}{
		{"zero memory is malformed", "$argon2id$v=19$m=0,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"zero passes is malformed", "$argon2id$v=19$m=256,t=0,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"zero lanes is malformed", "$argon2id$v=19$m=256,t=2,p=0$" + salt + "$" + key, ErrMalformedHash},
		{"memory below 8 KiB per lane is malformed", "$argon2id$v=19$m=8,t=2,p=2$" + salt + "$" + key, ErrMalformedHash},
		{"4 GiB of memory is refused before allocating", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key, ErrHashTooCostly},
		{"memory above the ceiling is refused", "$argon2id$v=19$m=65537,t=1,p=1$" + salt + "$" + key, ErrHashTooCostly},
		{"a billion passes are refused", "$argon2id$v=19$m=256,t=1000000000,p=1$" + salt + "$" + key, ErrHashTooCostly},
		{"a number beyond 32 bits is malformed", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"256 lanes are unsupported", "$argon2id$v=19$m=4096,t=2,p=256$" + salt + "$" + key, ErrUnsupportedHash},
		{"a negative number is malformed", "$argon2id$v=19$m=-256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"a leading zero is malformed", "$argon2id$v=19$m=0256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"parameters out of order are malformed", "$argon2id$v=19$t=2,m=256,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"an extra parameter is malformed", "$argon2id$v=19$m=256,t=2,p=1,keyid=x$" + salt + "$" + key, ErrMalformedHash},
		{"version 16 is unsupported", "$argon2id$v=16$m=256,t=2,p=1$" + salt + "$" + key, ErrUnsupportedHash},
		{"a missing version is unsupported", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key, ErrUnsupportedHash},
		{"argon2d is unsupported", "$argon2d$v=19$m=256,t=2,p=1$" + salt + "$" + key, ErrUnsupportedHash},
		{"an unknown variant is malformed", "$argon2x$v=19$m=256,t=2,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"padded base64 is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "=$" + key, ErrMalformedHash},
		{"base64 with a newline is malformed", "$argon2id$v=19$m=256,t=2,p=1$c29t\nZXNhbHQ$" + key, ErrMalformedHash},
		{"URL-safe base64 is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_"), ErrMalformedHash},
		{"a 4-byte salt is malformed", "$argon2id$v=19$m=256,t=2,p=1$c29tZQ$" + key, ErrMalformedHash},
		{"a huge salt is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + strings.Repeat("A", 400) + "$" + key, ErrMalformedHash},
		{"a 4-byte key is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$AAAAAA", ErrMalformedHash},
		{"a missing key is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + salt, ErrMalformedHash},
		{"a trailing field is malformed", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key + "$x", ErrMalformedHash},
		{"a megabyte hash is malformed", "$argon2id$" + strings.Repeat("A", 1<<20), ErrMalformedHash},
		{"a short bcrypt hash is malformed", "$2a$05$abc", ErrMalformedHash},
		{"bcrypt cost 99 is malformed", "$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrMalformedHash},
		{"bcrypt cost 31 is refused as too costly", "$2a$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrHashTooCostly},
		{"bcrypt $2x$ is unsupported", "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", ErrUnsupportedHash},
		{"bcrypt with a bad character is malformed", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe!", ErrMalformedHash},
		{"a Django PBKDF2 hash is unsupported", "pbkdf2_sha256$600000$salt$hash", ErrUnsupportedHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := h.Verify(ctx, "password", tc.encoded)
			require.ErrorIs(t, err, tc.want)
			require.NotErrorIs(t, err, ErrMismatch)
		})
	}
}

// bcrypt ignores everything after byte 72. A legacy system that truncated
// stored bcrypt(first 72 bytes); two different long passwords sharing those
// bytes must not both verify against it.
func TestBcryptLongPasswordsNeverVerify(t *testing.T) {
	t.Parallel()
	h := newFastHasher(t)
	ctx := context.Background()
	prefix := strings.Repeat("a", 72)
	legacy, err := bcrypt.GenerateFromPassword([]byte(prefix), bcrypt.MinCost)
	require.NoError(t, err)
	require.NoError(t, h.Verify(ctx, prefix, string(legacy)), "exactly 72 bytes verifies")
	require.ErrorIs(t, h.Verify(ctx, prefix+"X", string(legacy)), ErrMismatch)
	require.ErrorIs(t, h.Verify(ctx, prefix+"Y", string(legacy)), ErrMismatch)
	// Normalization is applied before counting: 24 "ﬃ" ligatures are 72
	// bytes raw and become 72 ASCII letters under NFKC.
	lig := strings.Repeat("\ufb03", 24)
	legacy, err = bcrypt.GenerateFromPassword([]byte(strings.Repeat("ffi", 24)), bcrypt.MinCost)
	require.NoError(t, err)
	require.NoError(t, h.Verify(ctx, lig, string(legacy)))
	require.ErrorIs(t, h.Verify(ctx, lig+"\ufb03", string(legacy)), ErrMismatch)
}

func TestPasswordLengthBound(t *testing.T) {
	t.Parallel()
	h := newFastHasher(t)
	ctx := context.Background()
	_, err := h.Hash(ctx, strings.Repeat("x", 4097))
	require.ErrorIs(t, err, ErrPasswordTooLong)
	enc, err := h.Hash(ctx, strings.Repeat("x", 4096))
	require.NoError(t, err)
	require.NoError(t, h.Verify(ctx, strings.Repeat("x", 4096), enc))
	require.ErrorIs(t, h.Verify(ctx, strings.Repeat("x", 1<<20), enc), ErrMismatch)
}

type kdfCall struct {
	alg Algorithm
	p   Params
}

func recordKDF(h *Hasher) func() []kdfCall {
	var mu sync.Mutex
	var calls []kdfCall
	SetKDFHook(h, func(alg Algorithm, p Params) {
		mu.Lock()
		calls = append(calls, kdfCall{alg, p})
		mu.Unlock()
	})
	return func() []kdfCall {
		mu.Lock()
		defer mu.Unlock()
		c := calls
		calls = nil
		return c
	}
}

// An unknown user, a known user with a wrong password, an over-long
// password and a corrupt stored hash all cost exactly one key derivation at
// the hasher's parameters: response time does not tell them apart.
func TestUnknownUserDoesTheSameWork(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(HasherOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "the real password")
	require.NoError(t, err)
	calls := recordKDF(h)
	want := []kdfCall{{Argon2id, Params{Memory: 19456, Time: 2, Parallelism: 1}}}

	require.NoError(t, h.Verify(ctx, "the real password", enc))
	require.Equal(t, want, calls(), "known user, right password")
	require.ErrorIs(t, h.Verify(ctx, "a wrong password", enc), ErrMismatch)
	require.Equal(t, want, calls(), "known user, wrong password")
	require.ErrorIs(t, h.Verify(ctx, "a wrong password", ""), ErrMismatch)
	require.Equal(t, want, calls(), "unknown user")
	require.ErrorIs(t, h.VerifyNoUser(ctx, "a wrong password"), ErrMismatch)
	require.Equal(t, want, calls(), "unknown user by name")
	require.ErrorIs(t, h.Verify(ctx, strings.Repeat("x", 5000), enc), ErrMismatch)
	require.Equal(t, want, calls(), "over-long password")
	require.ErrorIs(t, h.Verify(ctx, "pw", "$argon2id$v=19$m=999999999,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA"), ErrHashTooCostly)
	require.Equal(t, want, calls(), "corrupt hash: the dummy runs, never the absurd parameters")
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true, MaxConcurrent: 1, MaxWaiting: 1})
	require.NoError(t, err)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "pw")
	require.NoError(t, err)

	var running, peak atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	SetKDFHook(h, func(Algorithm, Params) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release
		running.Add(-1)
	})
	done := make(chan error, 3)
	go func() { done <- h.Verify(ctx, "pw", enc) }() // takes the slot
	<-entered
	go func() { done <- h.Verify(ctx, "pw", enc) }() // waits
	require.Eventually(t, func() bool { return h.gate.waiting.Load() == 1 }, 5*time.Second, time.Millisecond)

	require.ErrorIs(t, h.Verify(ctx, "pw", enc), ErrBusy, "a third call finds the slot taken and the queue full")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	h2, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true, MaxConcurrent: 1, MaxWaiting: 5})
	require.NoError(t, err)
	h2.gate.slots <- struct{}{} // saturate
	err = h2.Verify(cctx, "pw", enc)
	require.ErrorIs(t, err, context.Canceled, "a waiting call gives up with its context")
	require.False(t, errors.Is(err, ErrMismatch))

	release <- struct{}{}
	require.NoError(t, <-done)
	<-entered
	release <- struct{}{}
	require.NoError(t, <-done)
	require.EqualValues(t, 1, peak.Load(), "never more than MaxConcurrent hashes at once")
}
