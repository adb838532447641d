package password

import (
	"bytes"
	"context"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// RFC 9106 §5.3: Argon2id, version 0x13, with secret and associated data.
func TestRFC9106Argon2idVectorOnTheReference(t *testing.T) {
	t.Parallel()
	tag := refArgon2id(
		bytes.Repeat([]byte{0x01}, 32), bytes.Repeat([]byte{0x02}, 16),
		bytes.Repeat([]byte{0x03}, 8), bytes.Repeat([]byte{0x04}, 12),
		3, 32, 4, 32)
	require.Equal(t, mustHex(t, "0d 64 0d f5 8d 78 76 6c 08 c0 37 a3 4a 8b 53 c9 d0 1e f0 45 2d 75 b6 5e b5 25 20 e9 6b 01 e6 59"), tag)
}

// With K and X empty, the reference that passes the RFC vector and
// x/crypto's argon2.IDKey compute the same tags, for lane counts, memory
// sizes (including ones rounded down to 4×lanes), pass counts and tag
// lengths (short and long H') drawn at random.
func TestArgon2ReferenceMatchesXCrypto(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 24; i++ {
		lanes := uint32(1 + rng.IntN(4))
		memory := 8*lanes + uint32(rng.IntN(300))
		time := uint32(1 + rng.IntN(3))
		tagLen := []int{16, 32, 64, 65, 100}[rng.IntN(5)]
		pw := make([]byte, rng.IntN(40))
		salt := make([]byte, 8+rng.IntN(24))
		for j := range pw {
			pw[j] = byte(rng.Uint32())
		}
		for j := range salt {
			salt[j] = byte(rng.Uint32())
		}
		want := refArgon2id(pw, salt, nil, nil, time, memory, lanes, tagLen)
		got := argon2.IDKey(pw, salt, time, memory, uint8(lanes), uint32(tagLen))
		require.Equal(t, want, got, "m=%d t=%d p=%d len=%d", memory, time, lanes, tagLen)
	}
}

// The Argon2id vectors of the reference implementation (phc-winner-argon2,
// src/test.c, version 0x13), which use no secret nor associated data: the
// raw tag, and the PHC string that Verify accepts and Hash reproduces.
var referenceVectors = []struct {
	name           string
	t, m, p        uint32
	password, salt string
	hex, encoded   string
}{
	{"m=64MiB t=2 p=1", 2, 65536, 1, "password", "somesalt",
		"09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
	{"m=256KiB t=2 p=1", 2, 256, 1, "password", "somesalt",
		"9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
		"$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"},
	{"m=256KiB t=2 p=2", 2, 256, 2, "password", "somesalt",
		"6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
		"$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc"},
	{"m=64MiB t=1 p=1", 1, 65536, 1, "password", "somesalt",
		"f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98",
		"$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg"},
	{"m=64MiB t=4 p=1", 4, 65536, 1, "password", "somesalt",
		"9025d48e68ef7395cca9079da4c4ec3affb3c8911fe4f86d1a2520856f63172c",
		"$argon2id$v=19$m=65536,t=4,p=1$c29tZXNhbHQ$kCXUjmjvc5XMqQedpMTsOv+zyJEf5PhtGiUghW9jFyw"},
	{"a different password", 2, 65536, 1, "differentpassword", "somesalt",
		"0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94"},
}

func TestReferenceImplementationVectors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, v := range referenceVectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, mustHex(t, v.hex),
				argon2.IDKey([]byte(v.password), []byte(v.salt), v.t, v.m, uint8(v.p), 32))
			h, err := NewHasher(HasherOptions{
				Memory: v.m, Time: v.t, Parallelism: uint8(v.p), SaltLength: len(v.salt),
				InsecureLowCost: true, Rand: strings.NewReader(v.salt),
			})
			require.NoError(t, err)
			got, err := h.Hash(ctx, v.password)
			require.NoError(t, err)
			require.Equal(t, v.encoded, got, "Hash writes the reference PHC string")
			require.NoError(t, h.Verify(ctx, v.password, v.encoded))
			require.ErrorIs(t, h.Verify(ctx, v.password+"x", v.encoded), ErrMismatch)
			require.False(t, h.NeedsRehash(v.encoded), "a hash at the hasher's own parameters needs no rehash")
		})
	}
}

// bcrypt vectors of OpenBSD's and John the Ripper's test suites (the
// "U*U" family) and of the 2b/2y variants, verified through our parser.
func TestBcryptVectors(t *testing.T) {
	t.Parallel()
	h := newFastHasher(t)
	ctx := context.Background()
	for _, v := range []struct{ password, hash string }{
		{"U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"},
		{"U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"},
		{"U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"},
		{"", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy"},
		{"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			"$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"},
		{"\xff\xff\xa3", "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
		{"\xff\xff\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e"},
	} {
		require.NoError(t, h.Verify(ctx, v.password, v.hash), "%q", v.hash)
		require.ErrorIs(t, h.Verify(ctx, v.password+"!", v.hash), ErrMismatch)
		require.True(t, h.NeedsRehash(v.hash), "bcrypt hashes are migrated to argon2id")
	}
}
