package jwtauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/jwtauth/jwtauthtest"
	"github.com/stretchr/testify/require"
)

func memoryHarness(t *testing.T) jwtauthtest.Harness {
	c := newClock()
	r, err := jwtauth.NewMemoryRevoker(jwtauth.MemoryOptions{Now: c.Now})
	require.NoError(t, err)
	f, err := jwtauth.NewMemoryFamilies(jwtauth.MemoryOptions{Now: c.Now})
	require.NoError(t, err)
	return jwtauthtest.Harness{Revoker: r, Families: f, Now: c.Now, Advance: c.Advance}
}

func TestMemoryRevokerConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunRevoker(t, memoryHarness)
}

func TestMemoryFamiliesConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunFamilies(t, memoryHarness)
}

func TestMemoryRevokerIsBoundedAndFailsClosedWhenFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	r, err := jwtauth.NewMemoryRevoker(jwtauth.MemoryOptions{MaxEntries: 3, Now: c.Now})
	require.NoError(t, err)
	require.NoError(t, r.RevokeToken(ctx, "short", c.Now().Add(time.Minute)))
	require.NoError(t, r.RevokeToken(ctx, "b", c.Now().Add(time.Hour)))
	require.NoError(t, r.RevokeSession(ctx, "c", c.Now().Add(time.Hour)))
	require.ErrorIs(t, r.RevokeToken(ctx, "d", c.Now().Add(time.Hour)), jwtauth.ErrStoreFull,
		"a full list refuses rather than forgets a live revocation")
	require.NoError(t, r.RevokeToken(ctx, "b", c.Now().Add(2*time.Hour)), "updating an entry needs no room")
	c.Advance(2 * time.Minute)
	require.NoError(t, r.RevokeToken(ctx, "d", c.Now().Add(time.Hour)), "an expired entry makes room")
	require.Equal(t, 3, r.Len())
	revoked, err := r.IsRevoked(ctx, jwtauth.TokenRef{ID: "b"})
	require.NoError(t, err)
	require.True(t, revoked)
	for i := range 1000 { // repeated extensions of one entry need no room
		require.NoError(t, r.RevokeToken(ctx, "b", c.Now().Add(2*time.Hour+time.Duration(i)*time.Second)))
	}
	require.Equal(t, 3, r.Len())
	_, err = jwtauth.NewMemoryRevoker(jwtauth.MemoryOptions{MaxEntries: -1})
	require.Error(t, err)
}

func TestMemoryFamiliesEvictTheSessionClosestToItsEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	f, err := jwtauth.NewMemoryFamilies(jwtauth.MemoryOptions{MaxEntries: 2, Now: c.Now})
	require.NoError(t, err)
	require.NoError(t, f.Start(ctx, "soon", "r1", c.Now().Add(time.Hour)))
	require.NoError(t, f.Start(ctx, "late", "r1", c.Now().Add(3*time.Hour)))
	require.NoError(t, f.Start(ctx, "new", "r1", c.Now().Add(2*time.Hour)))
	require.Equal(t, 2, f.Len())
	require.ErrorIs(t, f.Rotate(ctx, "soon", "r1", "r2", c.Now().Add(time.Hour)), jwtauth.ErrUnknownSession,
		"the evicted session's refresh fails: the user logs in again")
	require.NoError(t, f.Rotate(ctx, "late", "r1", "r2", c.Now().Add(3*time.Hour)))
	require.NoError(t, f.Rotate(ctx, "new", "r1", "r2", c.Now().Add(2*time.Hour)))
}

// failingRevoker is a Revoker whose store is down.
type failingRevoker struct{ jwtauth.Revoker }

func (failingRevoker) IsRevoked(context.Context, jwtauth.TokenRef) (bool, error) {
	return false, errors.New("connection refused")
}

func TestRevokerFailurePolicy(t *testing.T) {
	t.Parallel()
	for _, failOpen := range []bool{false, true} {
		t.Run(fmt.Sprint("fail open ", failOpen), func(t *testing.T) {
			t.Parallel()
			c := newClock()
			events := audit.NewMemory(10)
			a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) {
				o.Revoker = failingRevoker{}
				o.StoreFailOpen = failOpen
				o.Audit = events
			})
			p, err := a.Issue(ctx(), user("alice", "", ""))
			require.NoError(t, err)
			rec, prob := serve(a.Handler(whoami), bearerRequest("GET", p.AccessToken))
			evs, qerr := events.Query(ctx(), audit.Filter{Types: []audit.Type{audit.SysStoreError}})
			require.NoError(t, qerr)
			require.Len(t, evs, 1)
			require.NotContains(t, evs[0].Details["error"], p.AccessToken[:20])
			if failOpen {
				require.Equal(t, 200, rec.Code)
				require.Equal(t, audit.OutcomeAllowed, evs[0].Outcome)
				return
			}
			require.Equal(t, http.StatusServiceUnavailable, rec.Code)
			require.Equal(t, "auth_unavailable", prob.Code)
			require.Equal(t, audit.OutcomeBlocked, evs[0].Outcome)
		})
	}
}

func ctx() context.Context { return context.Background() }
