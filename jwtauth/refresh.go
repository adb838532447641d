package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/csrf"
	"github.com/golang-jwt/jwt/v5"
)

// Refresh exchanges a refresh token for a new pair in the same session
// (rotation). The refresh token is verified like an access token (but must
// be typed "rt+jwt" and addressed to RefreshAudience), then the family
// store swaps it, atomically, for the new refresh token's id:
//
//   - a token that was already exchanged revokes the whole session (its
//     refresh family and every access token carrying its sid) and returns
//     ErrRefreshReuse (RFC 9700, section 4.14.2);
//   - of two concurrent refreshes with one token, at most one succeeds, and
//     the loser is treated as a reuse.
//
// Options.Refreshed may update the claims or refuse the refresh.
func (a *Auth[T]) Refresh(ctx context.Context, refreshToken string) (*Pair, error) {
	return a.refresh(ctx, nil, refreshToken, nil)
}

func (a *Auth[T]) refresh(ctx context.Context, r *http.Request, tok string, check func(*T) error) (*Pair, error) {
	c, err := a.verify(ctx, r, tok, kindRefresh)
	if err == nil && check != nil {
		err = check(c)
	}
	if err == nil && a.refreshed != nil {
		if herr := a.refreshed(ctx, c); herr != nil {
			err = fmt.Errorf("%w: %w", ErrClaims, herr)
		}
	}
	if err != nil {
		a.recordInvalid(ctx, r, err, true)
		return nil, err
	}
	b := baseOf(c)
	now := a.now()
	authTime := now
	if b.AuthTime != nil {
		authTime = b.AuthTime.Time
	} else if b.IssuedAt != nil {
		authTime = b.IssuedAt.Time
	}
	sid, old, next := b.SessionID, b.ID, newID()
	err = a.families.Rotate(ctx, sid, old, next, a.refreshExpiry(now, authTime))
	switch {
	case errors.Is(err, ErrRefreshReuse):
		if rerr := a.revoker.RevokeSession(ctx, sid, a.sessionEnd(b)); rerr != nil {
			a.storeError(ctx, r, "revoker", rerr)
		}
		a.recordToken(ctx, r, audit.AuthnTokenReuse, audit.SeverityCritical, audit.OutcomeBlocked, b,
			"refresh token reused; session revoked")
		return nil, ErrRefreshReuse
	case errors.Is(err, ErrSessionRevoked), errors.Is(err, ErrUnknownSession):
		a.recordInvalid(ctx, r, err, true)
		return nil, err
	case err != nil:
		a.storeError(ctx, r, "families", err)
		return nil, ErrStoreUnavailable
	}
	p, err := a.issue(ctx, r, c, sid, authTime, next)
	if err != nil {
		return nil, err
	}
	a.recordToken(ctx, r, audit.AuthnTokenRefreshed, audit.SeverityInfo, audit.OutcomeSuccess, b, "token pair refreshed")
	return p, nil
}

// RefreshHandler is the refresh endpoint (mount it at POST RefreshPath in
// cookie mode). It takes the refresh token from the refresh cookie in
// cookie mode, where the request must also carry the CSRF token, or else
// from a JSON body {"refresh_token": "..."}. It answers 200 with the new
// Pair as JSON (in cookie mode: new cookies, and a body with the CSRF token
// and lifetimes only), or an error as WriteError describes.
func (a *Auth[T]) RefreshHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			problemMethod.Write(w)
			return
		}
		tok, fromCookie, err := a.refreshToken(r)
		if err != nil {
			a.recordInvalid(r.Context(), r, err, true)
			a.errorHandler(w, r, err)
			return
		}
		var check func(*T) error
		if fromCookie {
			check = func(c *T) error {
				err := a.cookie.csrf.Verify(r, baseOf(c).SessionID)
				if errors.Is(err, csrf.ErrTokenExpired) {
					// Genuine, bound to this session and echoed from the
					// cookie: the request is same-origin. A client idle for
					// longer than the CSRF token's MaxAge may still refresh
					// (and receives a new CSRF token); other requests still
					// need a fresh one.
					return nil
				}
				return err
			}
		}
		p, err := a.refresh(r.Context(), r, tok, check)
		if err != nil {
			a.errorHandler(w, r, err)
			return
		}
		if fromCookie {
			if p, err = a.deliver(w, p); err != nil {
				a.errorHandler(w, r, ErrStoreUnavailable)
				return
			}
		}
		writePair(w, p)
	})
}

// refreshToken finds the refresh token of a request to the refresh endpoint.
func (a *Auth[T]) refreshToken(r *http.Request) (string, bool, error) {
	if a.cookie != nil {
		v, ok, err := cookieValue(r.Header, a.cookie.refreshName)
		if err != nil || ok {
			return v, ok, err
		}
	}
	if r.Body == nil || r.ContentLength == 0 {
		return "", false, ErrMissingToken
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return "", false, errBadBody
	}
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, int64(a.maxTokenBytes)+1024))
	if err := dec.Decode(&body); err != nil {
		return "", false, errBadBody
	}
	if body.RefreshToken == "" {
		return "", false, ErrMissingToken
	}
	return body.RefreshToken, false, nil
}

// errBadBody is an unreadable refresh request body (400 invalid_request).
var errBadBody error = &reasonError{"invalid_request", "jwtauth: malformed refresh request body", ErrInvalidRequest}

var noStore = []string{"no-store"}

// writePair sends a token response (RFC 6749, section 5.1: no-store).
func writePair(w http.ResponseWriter, p *Pair) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h["Cache-Control"] = noStore
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(p)
}

// Logout ends the session of a verified access token: the token itself is
// revoked until it expires, and the session (sid) is revoked in the Revoker
// (every access token of the session) and in the family store (every
// refresh token). Errors wrap ErrStoreUnavailable.
func (a *Auth[T]) Logout(ctx context.Context, claims *T) error {
	return a.logout(ctx, nil, claims)
}

func (a *Auth[T]) logout(ctx context.Context, r *http.Request, claims *T) error {
	b := baseOf(claims)
	var errs []error
	if b.ID != "" && b.ExpiresAt != nil {
		errs = append(errs, a.revoker.RevokeToken(ctx, b.ID, b.ExpiresAt.Add(a.leeway+time.Second)))
	}
	if b.SessionID != "" {
		end := a.sessionEnd(b)
		errs = append(errs, a.revoker.RevokeSession(ctx, b.SessionID, end), a.families.Revoke(ctx, b.SessionID, end))
	}
	if err := errors.Join(errs...); err != nil {
		a.storeError(ctx, r, "revoker", err)
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	a.recordToken(ctx, r, audit.AuthnTokenRevoked, audit.SeverityInfo, audit.OutcomeSuccess, b, "logout: session revoked")
	return nil
}

// LogoutHandler is a logout endpoint: it authenticates the request like
// Handler (in cookie mode, with the CSRF check), revokes the session as
// Logout does, clears the cookies in cookie mode, and answers 204. A
// client whose access token expired refreshes first.
func (a *Auth[T]) LogoutHandler() http.Handler {
	return a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFrom[T](r.Context())
		if !ok {
			a.errorHandler(w, r, ErrMissingToken)
			return
		}
		err := a.logout(r.Context(), r, c)
		a.ClearCookies(w)
		if err != nil {
			a.errorHandler(w, r, ErrStoreUnavailable)
			return
		}
		w.Header()["Cache-Control"] = noStore
		w.WriteHeader(http.StatusNoContent)
	}))
}

// RevokeSubject revokes every token of subject issued so far (access and
// refresh, every session): for a password change, a compromised account or
// a deleted user. "iat" has one-second precision, so the cutoff covers the
// whole current second; a login in that same second waits for the next one
// (at most a second) so that its tokens are not revoked too.
func (a *Auth[T]) RevokeSubject(ctx context.Context, subject string) error {
	if subject == "" {
		return errors.New("jwtauth: empty subject")
	}
	now := a.now()
	until := now.Add(max(a.accessTTL, a.refreshTTL) + a.leeway + time.Second)
	if err := a.revoker.RevokeSubject(ctx, subject, now, until); err != nil {
		a.storeError(ctx, nil, "revoker", err)
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	a.recordToken(ctx, nil, audit.AuthnTokenRevoked, audit.SeverityInfo, audit.OutcomeSuccess,
		&Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: subject}}, "all tokens of the subject revoked")
	return nil
}

// RevokeToken revokes one verified access token (its jti) until it
// expires, leaving the rest of its session alive.
func (a *Auth[T]) RevokeToken(ctx context.Context, claims *T) error {
	b := baseOf(claims)
	if b.ID == "" || b.ExpiresAt == nil {
		return errors.New("jwtauth: the token has no jti or exp")
	}
	if err := a.revoker.RevokeToken(ctx, b.ID, b.ExpiresAt.Add(a.leeway+time.Second)); err != nil {
		a.storeError(ctx, nil, "revoker", err)
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	a.recordToken(ctx, nil, audit.AuthnTokenRevoked, audit.SeverityInfo, audit.OutcomeSuccess, b, "token revoked")
	return nil
}
