// Package argon2id checks that password hashes move both ways between
// Gatehouse's password.Hasher and github.com/alexedwards/argon2id v1.0.0,
// the most used Go argon2id package: same PHC string format, same
// parameters read back.
package argon2id

import (
	"context"
	"testing"

	alex "github.com/alexedwards/argon2id"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/stretchr/testify/require"
)

func TestTheirHashVerifiesWithOurs(t *testing.T) {
	t.Parallel()
	ours, err := password.NewHasher(password.HasherOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		params *alex.Params
	}{
		{"their defaults (64 MiB, 1 pass, 2 lanes)", &alex.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}},
		{"OWASP parameters like ours", &alex.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}},
		{"a longer salt and key", &alex.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 32, KeyLength: 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hash, err := alex.CreateHash("correct horse battery staple", tc.params)
			require.NoError(t, err)
			require.NoError(t, ours.Verify(ctx, "correct horse battery staple", hash))
			require.ErrorIs(t, ours.Verify(ctx, "correct horse battery stapler", hash), password.ErrMismatch)
			owasp := tc.params.Memory == 19*1024 && tc.params.Iterations == 2 && tc.params.Parallelism == 1 && tc.params.KeyLength == 32
			require.Equal(t, !owasp, ours.NeedsRehash(hash), "rehash exactly when the parameters differ from ours")
		})
	}
}

func TestOurHashVerifiesWithTheirs(t *testing.T) {
	t.Parallel()
	ours, err := password.NewHasher(password.HasherOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	hash, err := ours.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	ok, err := alex.ComparePasswordAndHash("correct horse battery staple", hash)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = alex.ComparePasswordAndHash("Correct horse battery staple", hash)
	require.NoError(t, err)
	require.False(t, ok)

	params, salt, key, err := alex.DecodeHash(hash)
	require.NoError(t, err)
	require.Equal(t, alex.Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}, *params)
	require.Len(t, salt, 16)
	require.Len(t, key, 32)
}

// Both sides see the same bytes for an ASCII password; a non-ASCII one
// interoperates when it is typed in NFKC form (Gatehouse normalizes, the
// other package does not), or always with RawPasswords.
func TestNonASCIIPasswords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	params := &alex.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	ours, err := password.NewHasher(password.HasherOptions{})
	require.NoError(t, err)
	hash, err := alex.CreateHash("pässwörd ñ", params)
	require.NoError(t, err)
	require.NoError(t, ours.Verify(ctx, "pässwörd ñ", hash), "precomposed input is already NFKC")

	decomposed := "pa\u0308sswo\u0308rd n\u0303"
	hash, err = alex.CreateHash(decomposed, params)
	require.NoError(t, err)
	require.ErrorIs(t, ours.Verify(ctx, decomposed, hash), password.ErrMismatch, "normalized, the bytes differ")
	raw, err := password.NewHasher(password.HasherOptions{RawPasswords: true})
	require.NoError(t, err)
	require.NoError(t, raw.Verify(ctx, decomposed, hash))
}
