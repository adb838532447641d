package jwtauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/stretchr/testify/require"
)

func TestIssueSetsRegisteredClaims(t *testing.T) {
	t.Parallel()
	c := newClock()
	a := newAuth(t, c, nil)
	p, err := a.Issue(context.Background(), user("alice", "read write", "admin"))
	require.NoError(t, err)
	require.Equal(t, "Bearer", p.TokenType)
	require.Equal(t, int64(15*60), p.ExpiresIn)
	require.Equal(t, int64(7*24*3600), p.RefreshExpiresIn)
	require.Contains(t, headerOf(t, p.AccessToken), `"typ":"at+jwt"`)
	require.Contains(t, headerOf(t, p.RefreshToken), `"typ":"rt+jwt"`)
	require.Contains(t, headerOf(t, p.AccessToken), `"kid":"k1"`)

	claims, err := a.Verify(context.Background(), p.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "alice", claims.Subject)
	require.Equal(t, "admin", claims.Role)
	require.True(t, claims.HasScope("write"))
	require.False(t, claims.HasScope("wri"))
	require.Equal(t, "https://issuer.test", claims.Issuer)
	require.Equal(t, []string{"https://api.test"}, []string(claims.Audience))
	require.NotEmpty(t, claims.ID)
	require.Equal(t, p.SessionID, claims.SessionID)
	require.Equal(t, c.Now(), claims.IssuedAt.Time)
	require.Equal(t, c.Now().Add(15*time.Minute), claims.ExpiresAt.Time)

	q, err := a.Issue(context.Background(), user("alice", "", ""))
	require.NoError(t, err)
	other, err := a.Verify(context.Background(), q.AccessToken)
	require.NoError(t, err)
	require.NotEqual(t, claims.ID, other.ID, "every token has its own jti")
	require.NotEqual(t, claims.SessionID, other.SessionID, "every login is its own session")

	_, err = a.Issue(context.Background(), user("", "", ""))
	require.Error(t, err, "a subject is required")
	require.NotContains(t, p.String()+p.GoString(), p.AccessToken[:20], "a Pair never prints its tokens")
}

func TestRefreshRotatesAndDetectsReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	events := audit.NewMemory(100)
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) { o.Audit = events })
	first, err := a.Issue(ctx, user("alice", "read", "user"))
	require.NoError(t, err)

	_, err = a.Refresh(ctx, first.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenType, "an access token is not a refresh token")

	c.Advance(time.Minute)
	second, err := a.Refresh(ctx, first.RefreshToken)
	require.NoError(t, err)
	require.Equal(t, first.SessionID, second.SessionID, "the same family")
	require.NotEqual(t, first.RefreshToken, second.RefreshToken)
	claims, err := a.Verify(ctx, second.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "user", claims.Role, "custom claims carry over")

	c.Advance(time.Minute)
	third, err := a.Refresh(ctx, second.RefreshToken)
	require.NoError(t, err)

	_, err = a.Refresh(ctx, first.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrRefreshReuse, "replaying a used refresh token")
	require.ErrorIs(t, err, jwtauth.ErrInvalidToken)

	_, err = a.Refresh(ctx, third.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "the reuse revoked the family's newest refresh token")
	for _, p := range []*jwtauth.Pair{first, second, third} {
		_, err = a.Verify(ctx, p.AccessToken)
		require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "and every access token of the session")
	}
	other, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	_, err = a.Verify(ctx, other.AccessToken)
	require.NoError(t, err, "another session of the same user is unaffected")

	reuse, err := events.Query(ctx, audit.Filter{Types: []audit.Type{audit.AuthnTokenReuse}})
	require.NoError(t, err)
	require.Len(t, reuse, 1)
	require.Equal(t, audit.SeverityCritical, reuse[0].Severity)
	require.Equal(t, "alice", reuse[0].Actor)
	refreshed, err := events.Query(ctx, audit.Filter{Types: []audit.Type{audit.AuthnTokenRefreshed}})
	require.NoError(t, err)
	require.Len(t, refreshed, 2)
}

func TestConcurrentRefreshesWithOneTokenCannotBothSucceed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAuth(t, newClock(), nil)
	p, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	const n = 8
	var ok atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := a.Refresh(ctx, p.RefreshToken); err == nil {
				ok.Add(1)
			} else if !errors.Is(err, jwtauth.ErrTokenRevoked) {
				t.Errorf("unexpected error %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.LessOrEqual(t, ok.Load(), int32(1))
}

func TestRefreshHonoursTheSessionAgeAndTheHook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	var disabled atomic.Bool
	a := newAuth(t, c, func(o *jwtauth.Options[AppClaims]) {
		o.RefreshTTL = time.Hour
		o.MaxSessionAge = 90 * time.Minute
		o.Refreshed = func(_ context.Context, claims *AppClaims) error {
			if disabled.Load() {
				return errors.New("user disabled")
			}
			claims.Role = "promoted"
			return nil
		}
	})
	p, err := a.Issue(ctx, user("alice", "", "user"))
	require.NoError(t, err)
	c.Advance(50 * time.Minute)
	p, err = a.Refresh(ctx, p.RefreshToken)
	require.NoError(t, err)
	require.Equal(t, int64(40*60), p.RefreshExpiresIn, "the refresh token ends with the session")
	claims, err := a.Verify(ctx, p.AccessToken)
	require.NoError(t, err)
	require.Equal(t, "promoted", claims.Role, "the hook updated the claims")

	disabled.Store(true)
	_, err = a.Refresh(ctx, p.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrClaims, "the hook refused the refresh")
	disabled.Store(false)

	c.Advance(40 * time.Minute)
	_, err = a.Refresh(ctx, p.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenExpired, "no refresh past MaxSessionAge")
}

func TestLogoutRevokesAccessAndRefreshTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	a := newAuth(t, c, nil)
	p, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	sibling, err := a.Refresh(ctx, p.RefreshToken)
	require.NoError(t, err)
	claims, err := a.Verify(ctx, sibling.AccessToken)
	require.NoError(t, err)
	require.NoError(t, a.Logout(ctx, claims))
	_, err = a.Verify(ctx, sibling.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
	_, err = a.Verify(ctx, p.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "every access token of the session")
	_, err = a.Refresh(ctx, sibling.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "and its refresh token")
}

func TestRevokeSubjectAndToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock()
	a := newAuth(t, c, nil)
	s1, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	s2, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	bob, err := a.Issue(ctx, user("bob", "", ""))
	require.NoError(t, err)

	bobClaims, err := a.Verify(ctx, bob.AccessToken)
	require.NoError(t, err)
	require.NoError(t, a.RevokeToken(ctx, bobClaims))
	_, err = a.Verify(ctx, bob.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "revocation is effective immediately")
	_, err = a.Refresh(ctx, bob.RefreshToken)
	require.NoError(t, err, "revoking one access token leaves the session")

	c.Advance(time.Minute)
	require.NoError(t, a.RevokeSubject(ctx, "alice"))
	for _, tok := range []string{s1.AccessToken, s2.AccessToken} {
		_, err = a.Verify(ctx, tok)
		require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
	}
	_, err = a.Refresh(ctx, s2.RefreshToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked)
	c.Advance(time.Second)
	fresh, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	_, err = a.Verify(ctx, fresh.AccessToken)
	require.NoError(t, err, "a login after the revocation works")
}

func TestRefreshHandlerWithJSONBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAuth(t, newClock(), nil)
	p, err := a.Issue(ctx, user("alice", "", ""))
	require.NoError(t, err)
	h := a.RefreshHandler()
	post := func(body, ctype string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/auth/refresh", bytes.NewBufferString(body))
		r.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	rec := post(`{"refresh_token":"`+p.RefreshToken+`"}`, "application/json")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	var got jwtauth.Pair
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.NotEmpty(t, got.AccessToken)
	require.NotEmpty(t, got.RefreshToken)
	require.Equal(t, "Bearer", got.TokenType)

	rec = post(`{"refresh_token":"`+p.RefreshToken+`"}`, "application/json")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), `"refresh_token_reused"`)
	require.Equal(t, http.StatusBadRequest, post(`{"refresh_token":`, "application/json").Code)
	require.Equal(t, http.StatusBadRequest, post(`refresh_token=x`, "application/x-www-form-urlencoded").Code)
	require.Equal(t, http.StatusUnauthorized, post(`{}`, "application/json").Code)
	require.Equal(t, http.StatusUnauthorized, post(`{"refresh_token":"`+got.AccessToken+`"}`, "application/json").Code)
}

func TestLoginRightAfterRevokeSubjectIsNotRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAuth(t, nil, func(o *jwtauth.Options[AppClaims]) { o.Now = nil }) // the real clock
	old, err := a.Issue(ctx, user("alice", "", "user"))
	require.NoError(t, err)
	require.NoError(t, a.RevokeSubject(ctx, "alice")) // e.g. a role change
	start := time.Now()
	fresh, err := a.Issue(ctx, user("alice", "", "staff"))
	require.NoError(t, err)
	require.Less(t, time.Since(start), 2*time.Second, "the login waited at most until the next second")

	_, err = a.Verify(ctx, old.AccessToken)
	require.ErrorIs(t, err, jwtauth.ErrTokenRevoked, "the token from before the cutoff stays revoked")
	c, err := a.Verify(ctx, fresh.AccessToken)
	require.NoError(t, err, "a login just after the cutoff, in the same second, is valid")
	require.Equal(t, "staff", c.Role)
	_, err = a.Refresh(ctx, fresh.RefreshToken)
	require.NoError(t, err)
}
