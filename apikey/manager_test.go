package apikey_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func TestCreateIssuesAWorkingKeyAndStoresOnlyItsHash(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	e := newEnv(t, mem, apikey.Options{})
	ctx := audit.WithRequestID(context.Background(), "req-1")
	secret, k, err := e.mgr.Create(ctx, apikey.CreateRequest{Owner: "alice", Name: "CI", Scopes: []string{"b", "a", "b"}})
	require.NoError(t, err)
	require.Regexp(t, `^gk_live_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$`, secret)
	require.Regexp(t, `^[0-9A-Za-z]{22}$`, k.ID)
	require.Equal(t, "gk_live", k.Prefix)
	require.Equal(t, []string{"b", "a"}, k.Scopes, "duplicates removed, order kept")
	require.False(t, k.Created.IsZero())
	require.True(t, k.Expires.IsZero(), "no MaxLifetime: no expiry unless asked")

	h, _ := apikey.NewHasher(testPepper)
	stored, err := mem.ByID(ctx, k.ID)
	require.NoError(t, err)
	require.Equal(t, h.Hash(secret), stored.Hash)
	require.NotContains(t, stored.Name+stored.Owner+stored.Rate+strings.Join(stored.Scopes, ""), secret[8:])

	require.Equal(t, http.StatusOK, serve(e.auth.Handler(okHandler), withKey(secret)).Code)

	ev := typesOf(e.rec.Events(), audit.AuthnAPIKeyCreated)
	require.Len(t, ev, 1)
	require.Equal(t, "alice", ev[0].Actor)
	require.Equal(t, "req-1", ev[0].RequestID)
	require.Equal(t, k.ID, ev[0].Details["key_id"])
	require.Equal(t, "gk_live", ev[0].Details["prefix"])
	requireNoSecret(t, e.rec.Events(), secret)
}

func TestKeyIDsAreRandom(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	seen := map[string]bool{}
	for range 50 {
		_, k := e.create(t, apikey.CreateRequest{Owner: "bob"})
		require.False(t, seen[k.ID])
		seen[k.ID] = true
	}
}

func TestCreateValidatesTheRequest(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	mgr, err := apikey.NewManager(apikey.ManagerOptions{
		Store: mem, Prefix: "gk_live", MaxLifetime: 365 * 24 * time.Hour,
		ValidateRate: func(s string) error {
			if !regexp.MustCompile(`^\d+/[smhd]( burst \d+)?$`).MatchString(s) {
				return errors.New("bad rate")
			}
			return nil
		},
	})
	require.NoError(t, err)
	now := time.Now()
	many := make([]string, apikey.MaxScopes+1)
	for i := range many {
		many[i] = "s" + strings.Repeat("x", i)
	}
	for _, tc := range []struct {
		name string
		req  apikey.CreateRequest
	}{
		{"an empty owner", apikey.CreateRequest{}},
		{"an owner that is too long", apikey.CreateRequest{Owner: strings.Repeat("o", 257)}},
		{"a name with a newline", apikey.CreateRequest{Owner: "a", Name: "ci\nadmin"}},
		{"a name with invalid UTF-8", apikey.CreateRequest{Owner: "a", Name: "ci\xff"}},
		{"a name that is too long", apikey.CreateRequest{Owner: "a", Name: strings.Repeat("n", 201)}},
		{"a scope with a space", apikey.CreateRequest{Owner: "a", Scopes: []string{"repo read"}}},
		{"a scope with a quote", apikey.CreateRequest{Owner: "a", Scopes: []string{`a"b`}}},
		{"an empty scope", apikey.CreateRequest{Owner: "a", Scopes: []string{""}}},
		{"too many scopes", apikey.CreateRequest{Owner: "a", Scopes: many}},
		{"an expiry in the past", apikey.CreateRequest{Owner: "a", Expires: now.Add(-time.Second)}},
		{"an expiry beyond the longest lifetime", apikey.CreateRequest{Owner: "a", Expires: now.Add(400 * 24 * time.Hour)}},
		{"an unknown prefix", apikey.CreateRequest{Owner: "a", Prefix: "gk_other"}},
		{"a mapped network wider than /96", apikey.CreateRequest{Owner: "a", AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("::ffff:0.0.0.0/80")}}},
		{"an invalid network", apikey.CreateRequest{Owner: "a", AllowedNetworks: []netip.Prefix{{}}}},
		{"a rate the validator refuses", apikey.CreateRequest{Owner: "a", Rate: "lots"}},
		{"a rate with a control character", apikey.CreateRequest{Owner: "a", Rate: "1/s\n"}},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, _, err := mgr.Create(context.Background(), tc.req)
			require.ErrorIs(t, err, apikey.ErrInvalidRequest)
			require.Zero(t, mem.Len())
		})
	}
	_, k, err := mgr.Create(context.Background(), apikey.CreateRequest{Owner: "a", Rate: "10/s burst 20"})
	require.NoError(t, err)
	require.WithinDuration(t, now.Add(365*24*time.Hour), k.Expires, time.Minute, "MaxLifetime is the default lifetime")
}

func TestCreateLimitsActiveKeysPerOwner(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: mem, MaxKeysPerOwner: 2})
	require.NoError(t, err)
	ctx := context.Background()
	_, k1, err := mgr.Create(ctx, apikey.CreateRequest{Owner: "a"})
	require.NoError(t, err)
	_, _, err = mgr.Create(ctx, apikey.CreateRequest{Owner: "a"})
	require.NoError(t, err)
	_, _, err = mgr.Create(ctx, apikey.CreateRequest{Owner: "a"})
	require.ErrorIs(t, err, apikey.ErrTooManyKeys)
	_, _, err = mgr.Create(ctx, apikey.CreateRequest{Owner: "b"})
	require.NoError(t, err, "the limit is per owner")
	require.NoError(t, mgr.Revoke(ctx, "a", k1.ID))
	_, _, err = mgr.Create(ctx, apikey.CreateRequest{Owner: "a"})
	require.NoError(t, err, "revoked keys do not count")
}

func TestAnotherOwnersKeyIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	ctx := context.Background()
	secret, k := e.create(t, apikey.CreateRequest{Owner: "alice"})

	_, err := e.mgr.Get(ctx, "bob", k.ID)
	require.ErrorIs(t, err, apikey.ErrNotFound)
	require.ErrorIs(t, e.mgr.Revoke(ctx, "bob", k.ID), apikey.ErrNotFound)
	_, _, err = e.mgr.Rotate(ctx, "bob", k.ID, 0)
	require.ErrorIs(t, err, apikey.ErrNotFound)
	// Exactly as for a key that does not exist.
	_, err = e.mgr.Get(ctx, "bob", "doesnotexist")
	require.ErrorIs(t, err, apikey.ErrNotFound)
	require.ErrorIs(t, e.mgr.Revoke(ctx, "", k.ID), apikey.ErrNotFound, "an empty owner owns nothing")

	list, err := e.mgr.List(ctx, "bob")
	require.NoError(t, err)
	require.Empty(t, list)
	require.Equal(t, http.StatusOK, serve(e.auth.Handler(okHandler), withKey(secret)).Code, "bob's attempts changed nothing")

	got, err := e.mgr.Get(ctx, "alice", k.ID)
	require.NoError(t, err)
	require.Equal(t, k.ID, got.ID)
	list, err = e.mgr.List(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, list, 1)
	_, err = e.mgr.List(ctx, "")
	require.ErrorIs(t, err, apikey.ErrInvalidRequest)
}

func TestAdministratorsRevokeAnyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, k := e.create(t, apikey.CreateRequest{Owner: "alice"})
	require.NoError(t, e.mgr.RevokeAny(context.Background(), "admin:root", k.ID))
	require.Equal(t, http.StatusUnauthorized, serve(e.auth.Handler(okHandler), withKey(secret)).Code)
	ev := typesOf(e.rec.Events(), audit.AuthnAPIKeyRevoked)
	require.Len(t, ev, 1)
	require.Equal(t, "admin:root", ev[0].Actor)
	require.Equal(t, "alice", ev[0].Details["owner"])
	require.ErrorIs(t, e.mgr.RevokeAny(context.Background(), "admin:root", "nope"), apikey.ErrNotFound)
	require.NoError(t, e.mgr.Revoke(context.Background(), "alice", k.ID), "revoking twice is fine")
}

func TestRotateKeepsTheOldKeyForTheGracePeriod(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	e.mgr.SetNow(func() time.Time { return now })
	nets := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	oldSecret, old := e.create(t, apikey.CreateRequest{Owner: "alice", Name: "deploy", Scopes: []string{"x"}, AllowedNetworks: nets, Rate: "5/s", Expires: now.Add(24 * time.Hour)})

	later := now.Add(time.Hour)
	e.mgr.SetNow(func() time.Time { return later })
	newSecret, nk, err := e.mgr.Rotate(ctx, "alice", old.ID, 10*time.Minute)
	require.NoError(t, err)
	require.NotEqual(t, old.ID, nk.ID)
	require.NotEqual(t, oldSecret, newSecret)
	require.Equal(t, "deploy", nk.Name)
	require.Equal(t, []string{"x"}, nk.Scopes)
	require.Equal(t, nets, nk.AllowedNetworks)
	require.Equal(t, "5/s", nk.Rate)
	require.Equal(t, later.Add(24*time.Hour), nk.Expires, "the new key gets the old one's lifetime")

	h := e.auth.Handler(okHandler)
	at := func(t2 time.Time, secret string) int {
		e.auth.SetNow(func() time.Time { return t2 })
		r := withKey(secret)
		r.RemoteAddr = "10.0.0.1:1"
		return serve(h, r).Code
	}
	require.Equal(t, 200, at(later.Add(time.Minute), newSecret))
	require.Equal(t, 200, at(later.Add(9*time.Minute), oldSecret), "the old key works during the grace period")
	require.Equal(t, 401, at(later.Add(10*time.Minute), oldSecret), "and not after")
	require.Equal(t, 200, at(later.Add(10*time.Minute), newSecret))

	e.mgr.SetNow(func() time.Time { return later.Add(11 * time.Minute) })
	_, _, err = e.mgr.Rotate(ctx, "alice", old.ID, 0)
	require.ErrorIs(t, err, apikey.ErrInactive)
	_, _, err = e.mgr.Rotate(ctx, "alice", nk.ID, -time.Second)
	require.ErrorIs(t, err, apikey.ErrInvalidRequest)
	_, _, err = e.mgr.Rotate(ctx, "alice", nk.ID, apikey.MaxRotationGrace+time.Second)
	require.ErrorIs(t, err, apikey.ErrInvalidRequest)

	rev := typesOf(e.rec.Events(), audit.AuthnAPIKeyRevoked)
	require.Len(t, rev, 1)
	require.Equal(t, nk.ID, rev[0].Details["rotated_to"])
	created := typesOf(e.rec.Events(), audit.AuthnAPIKeyCreated)
	require.Len(t, created, 2)
	require.Equal(t, old.ID, created[1].Details["rotated_from"])
	requireNoSecret(t, e.rec.Events(), oldSecret)
	requireNoSecret(t, e.rec.Events(), newSecret)
}

func TestRotateWithoutGraceStopsTheOldKeyAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	oldSecret, old := e.create(t, apikey.CreateRequest{})
	newSecret, _, err := e.mgr.Rotate(context.Background(), "alice", old.ID, 0)
	require.NoError(t, err)
	h := e.auth.Handler(okHandler)
	require.Equal(t, 401, serve(h, withKey(oldSecret)).Code)
	require.Equal(t, 200, serve(h, withKey(newSecret)).Code)
}

func TestManagerIssuesKeysOfSeveralKinds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, k := e.create(t, apikey.CreateRequest{Prefix: "gk_test"})
	require.True(t, strings.HasPrefix(secret, "gk_test_"))
	require.Equal(t, "gk_test", k.Prefix)
	require.Equal(t, 200, serve(e.auth.Handler(okHandler), withKey(secret)).Code)

	only, err := apikey.New(apikey.Options{Store: e.store, Pepper: testPepper, Prefixes: []string{"gk_live"}, Usage: apikey.UsageOptions{Disabled: true}})
	require.NoError(t, err)
	require.Equal(t, 401, serve(only.Handler(okHandler), withKey(secret)).Code, "an Authenticator accepts only its kinds")
}

func TestNewManagerValidatesOptions(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	for _, opts := range []apikey.ManagerOptions{
		{},
		{Store: mem, Pepper: []byte("short")},
		{Store: mem, Prefix: "Bad"},
		{Store: mem, Prefixes: []string{"bad-"}},
		{Store: mem, MaxLifetime: -1},
	} {
		_, err := apikey.NewManager(opts)
		require.Error(t, err)
	}
}
