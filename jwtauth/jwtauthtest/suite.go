// Package jwtauthtest is a conformance suite for implementations of
// jwtauth.Revoker and jwtauth.FamilyStore: the in-memory stores of
// package jwtauth and the Redis stores of the redisstore module run the
// same tests.
package jwtauthtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

// Harness is one store under test and its clock.
type Harness struct {
	Revoker  jwtauth.Revoker
	Families jwtauth.FamilyStore
	// Now is the store's clock.
	Now func() time.Time
	// Advance moves the store's clock forward (a fake clock is moved; a
	// server-side clock is waited for).
	Advance func(d time.Duration)
}

// Step is the smallest expiry the suite relies on: entries set to expire
// Step after now must be gone after Advance(2*Step). Stores with a real
// clock need it above their expiry resolution.
const Step = 150 * time.Millisecond

// RunRevoker runs the Revoker conformance tests. newHarness must return a
// fresh, empty store for each call.
func RunRevoker(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	t.Run("a revoked token id is revoked until its expiry, then forgotten", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		now := h.Now()
		ref := jwtauth.TokenRef{ID: "jti-1", Subject: "alice", SessionID: "sid-1", IssuedAt: now}
		require.NoError(t, h.Revoker.RevokeToken(ctx, "jti-1", now.Add(Step)))
		revoked, err := h.Revoker.IsRevoked(ctx, ref)
		require.NoError(t, err)
		require.True(t, revoked)
		other, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: "jti-2", Subject: "alice", SessionID: "sid-1", IssuedAt: now})
		require.NoError(t, err)
		require.False(t, other, "another token of the same subject and session is not revoked")
		h.Advance(2 * Step)
		revoked, err = h.Revoker.IsRevoked(ctx, ref)
		require.NoError(t, err)
		require.False(t, revoked, "the entry ends with the token's expiry")
	})
	t.Run("revoking a token that already expired is a no-op", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		require.NoError(t, h.Revoker.RevokeToken(ctx, "old", h.Now().Add(-time.Minute)))
		revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: "old"})
		require.NoError(t, err)
		require.False(t, revoked)
	})
	t.Run("revoking a subject revokes its tokens issued at or before the cutoff only", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		cut := h.Now().Truncate(time.Second)
		require.NoError(t, h.Revoker.RevokeSubject(ctx, "bob", cut, cut.Add(time.Hour)))
		for _, c := range []struct {
			name string
			ref  jwtauth.TokenRef
			want bool
		}{
			{"issued before", jwtauth.TokenRef{ID: "a", Subject: "bob", IssuedAt: cut.Add(-time.Minute)}, true},
			{"issued in the cutoff's second", jwtauth.TokenRef{ID: "b", Subject: "bob", IssuedAt: cut.Add(500 * time.Millisecond)}, true},
			{"issued after", jwtauth.TokenRef{ID: "c", Subject: "bob", IssuedAt: cut.Add(time.Second)}, false},
			{"without iat", jwtauth.TokenRef{ID: "d", Subject: "bob"}, true},
			{"another subject", jwtauth.TokenRef{ID: "e", Subject: "carol", IssuedAt: cut.Add(-time.Minute)}, false},
		} {
			revoked, err := h.Revoker.IsRevoked(ctx, c.ref)
			require.NoError(t, err, c.name)
			require.Equal(t, c.want, revoked, c.name)
		}
	})
	t.Run("a later subject cutoff wins and an earlier one does not undo it", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		now := h.Now().Truncate(time.Second)
		require.NoError(t, h.Revoker.RevokeSubject(ctx, "dave", now, now.Add(time.Hour)))
		require.NoError(t, h.Revoker.RevokeSubject(ctx, "dave", now.Add(-time.Hour), now.Add(time.Hour)))
		revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{Subject: "dave", IssuedAt: now.Add(-time.Minute)})
		require.NoError(t, err)
		require.True(t, revoked)
	})
	t.Run("revoking a session revokes every token carrying its sid", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		require.NoError(t, h.Revoker.RevokeSession(ctx, "sid-x", h.Now().Add(time.Hour)))
		for i := range 3 {
			revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: fmt.Sprint(i), Subject: "eve", SessionID: "sid-x", IssuedAt: h.Now()})
			require.NoError(t, err)
			require.True(t, revoked)
		}
		revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: "z", Subject: "eve", SessionID: "sid-y", IssuedAt: h.Now()})
		require.NoError(t, err)
		require.False(t, revoked, "another session of the same subject is not revoked")
	})
	t.Run("an id with a path or SQL is only a key", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		weird := "../../etc/passwd'; DROP TABLE tokens;--*{}"
		require.NoError(t, h.Revoker.RevokeToken(ctx, weird, h.Now().Add(time.Hour)))
		revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: weird})
		require.NoError(t, err)
		require.True(t, revoked)
		revoked, err = h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: "*"})
		require.NoError(t, err)
		require.False(t, revoked)
	})
	t.Run("a reference without identifiers is not revoked", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{})
		require.NoError(t, err)
		require.False(t, revoked)
	})
	t.Run("concurrent revocations and checks are safe", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprint("c", i)
				require.NoError(t, h.Revoker.RevokeToken(ctx, id, h.Now().Add(time.Hour)))
				revoked, err := h.Revoker.IsRevoked(ctx, jwtauth.TokenRef{ID: id})
				require.NoError(t, err)
				require.True(t, revoked)
			}()
		}
		wg.Wait()
	})
}

// RunFamilies runs the FamilyStore conformance tests. newHarness must
// return a fresh, empty store for each call.
func RunFamilies(t *testing.T, newHarness func(t *testing.T) Harness) {
	ctx := context.Background()
	t.Run("each rotation makes the new token current and the old one used", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		until := h.Now().Add(time.Hour)
		require.NoError(t, h.Families.Start(ctx, "fam", "r1", until))
		require.NoError(t, h.Families.Rotate(ctx, "fam", "r1", "r2", until))
		require.NoError(t, h.Families.Rotate(ctx, "fam", "r2", "r3", until))
		require.ErrorIs(t, h.Families.Rotate(ctx, "fam", "r1", "r4", until), jwtauth.ErrRefreshReuse,
			"presenting a used token is a reuse")
		require.ErrorIs(t, h.Families.Rotate(ctx, "fam", "r3", "r5", until), jwtauth.ErrSessionRevoked,
			"the reuse revoked the family: even the current token is refused")
	})
	t.Run("starting an existing family fails", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		until := h.Now().Add(time.Hour)
		require.NoError(t, h.Families.Start(ctx, "dup", "r1", until))
		require.Error(t, h.Families.Start(ctx, "dup", "other", until))
		require.NoError(t, h.Families.Rotate(ctx, "dup", "r1", "r2", until), "the original family is intact")
	})
	t.Run("an unknown family is refused", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		require.ErrorIs(t, h.Families.Rotate(ctx, "nope", "r1", "r2", h.Now().Add(time.Hour)), jwtauth.ErrUnknownSession)
	})
	t.Run("a revoked family refuses its current token", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		until := h.Now().Add(time.Hour)
		require.NoError(t, h.Families.Start(ctx, "gone", "r1", until))
		require.NoError(t, h.Families.Revoke(ctx, "gone", until))
		require.ErrorIs(t, h.Families.Rotate(ctx, "gone", "r1", "r2", until), jwtauth.ErrSessionRevoked)
	})
	t.Run("a family is forgotten after its end", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		require.NoError(t, h.Families.Start(ctx, "short", "r1", h.Now().Add(Step)))
		h.Advance(2 * Step)
		require.ErrorIs(t, h.Families.Rotate(ctx, "short", "r1", "r2", h.Now().Add(time.Hour)), jwtauth.ErrUnknownSession)
	})
	t.Run("rotation extends the family to the new token's expiry", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		require.NoError(t, h.Families.Start(ctx, "ext", "r1", h.Now().Add(Step)))
		require.NoError(t, h.Families.Rotate(ctx, "ext", "r1", "r2", h.Now().Add(time.Hour)))
		h.Advance(2 * Step)
		require.NoError(t, h.Families.Rotate(ctx, "ext", "r2", "r3", h.Now().Add(time.Hour)))
	})
	t.Run("of concurrent rotations with one token exactly one succeeds", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		until := h.Now().Add(time.Hour)
		require.NoError(t, h.Families.Start(ctx, "race", "r1", until))
		const n = 16
		var ok, reuse atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := h.Families.Rotate(ctx, "race", "r1", fmt.Sprint("next", i), until)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, jwtauth.ErrRefreshReuse), errors.Is(err, jwtauth.ErrSessionRevoked):
					reuse.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Equal(t, int32(1), ok.Load())
		require.Equal(t, int32(n-1), reuse.Load())
	})
}
