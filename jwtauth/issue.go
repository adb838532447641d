package jwtauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/golang-jwt/jwt/v5"
)

// Pair is an access token and its refresh token, as Issue, Login and
// Refresh return them. Its JSON form is the OAuth 2.0 token response
// (RFC 6749, section 5.1) plus the CSRF token of cookie mode. Printing a
// Pair with fmt never shows the tokens.
type Pair struct {
	AccessToken      string `json:"access_token,omitempty"`
	TokenType        string `json:"token_type"` // "Bearer"
	ExpiresIn        int64  `json:"expires_in"` // seconds until the access token expires
	RefreshToken     string `json:"refresh_token,omitempty"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"` // seconds until the refresh token expires
	// CSRFToken is the double-submit token of cookie mode, which the client
	// echoes in the CSRF header on unsafe requests.
	CSRFToken        string    `json:"csrf_token,omitempty"`
	AccessExpiresAt  time.Time `json:"-"`
	RefreshExpiresAt time.Time `json:"-"`
	// SessionID is the session ("sid") shared by the tokens of one login.
	SessionID string `json:"-"`
}

// String describes the pair without its tokens.
func (p Pair) String() string {
	return "jwtauth.Pair{access=" + redacted + " refresh=" + redacted +
		" expires=" + p.AccessExpiresAt.UTC().Format(time.RFC3339) + "}"
}

// GoString is String.
func (p Pair) GoString() string { return p.String() }

// Format writes String for every verb.
func (p Pair) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// Issue starts a session: it signs an access token and a refresh token
// for claims with the active key and records the refresh-token family.
// claims must have a Subject; set any custom claims and Scope. Issue sets
// the registered claims (iss, aud, iat, exp, jti; nbf is cleared), sid and
// auth_time, overwriting what claims holds.
func (a *Auth[T]) Issue(ctx context.Context, claims T) (*Pair, error) {
	return a.issue(ctx, nil, &claims, "", time.Time{}, "")
}

// Login is Issue for a login handler: in cookie mode it also sets the
// token cookies and the CSRF token, and returns the Pair with its tokens
// blanked (they are in HttpOnly cookies; writing the Pair as the response
// body sends only the CSRF token and the lifetimes). Events carry the
// request's details.
func (a *Auth[T]) Login(w http.ResponseWriter, r *http.Request, claims T) (*Pair, error) {
	p, err := a.issue(r.Context(), r, &claims, "", time.Time{}, "")
	if err != nil {
		return nil, err
	}
	return a.deliver(w, p)
}

// deliver sets the cookies in cookie mode and blanks the tokens.
func (a *Auth[T]) deliver(w http.ResponseWriter, p *Pair) (*Pair, error) {
	if a.cookie == nil {
		return p, nil
	}
	if _, err := a.SetCookies(w, p); err != nil {
		return nil, err
	}
	p.AccessToken, p.RefreshToken = "", ""
	return p, nil
}

// issue signs a pair. A new session (sid == "") is recorded in the family
// store; a refresh passes its session, login time and the refresh token id
// the family store already holds.
func (a *Auth[T]) issue(ctx context.Context, r *http.Request, c *T, sid string, authTime time.Time, refreshID string) (*Pair, error) {
	key := a.keys.snapshot().active
	if key == nil {
		return nil, ErrNoSigningKey
	}
	b := baseOf(c)
	if b.Subject == "" {
		return nil, errors.New("jwtauth: claims need a Subject")
	}
	start := sid == ""
	now := a.now()
	if start {
		var err error
		if now, err = a.afterSubjectCutoff(ctx, b.Subject, now); err != nil {
			return nil, err
		}
		sid, authTime, refreshID = newID(), now, newID()
	}
	refreshExp := a.refreshExpiry(now, authTime)
	accessExp := earlier(now.Add(a.accessTTL), refreshExp)

	b.Issuer = a.issuer
	b.IssuedAt = jwt.NewNumericDate(now)
	b.NotBefore = nil
	b.SessionID = sid
	b.AuthTime = jwt.NewNumericDate(authTime)

	b.Audience = nil
	if len(a.audience) > 0 {
		b.Audience = append(jwt.ClaimStrings(nil), a.audience...)
	}
	b.ExpiresAt = jwt.NewNumericDate(accessExp)
	b.ID = newID()
	access, err := a.sign(key, c, DefaultAccessType)
	if err != nil {
		return nil, err
	}

	b.Audience = jwt.ClaimStrings{a.refreshAudience}
	b.ExpiresAt = jwt.NewNumericDate(refreshExp)
	b.ID = refreshID
	refresh, err := a.sign(key, c, RefreshType)
	if err != nil {
		return nil, err
	}

	if start {
		if err := a.families.Start(ctx, sid, refreshID, refreshExp); err != nil {
			a.storeError(ctx, r, "families", err)
			return nil, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		}
		a.recordToken(ctx, r, audit.AuthnTokenCreated, audit.SeverityInfo, audit.OutcomeSuccess, b, "token pair issued")
	}
	return &Pair{
		AccessToken: access, TokenType: "Bearer", RefreshToken: refresh,
		ExpiresIn:        int64(accessExp.Sub(now) / time.Second),
		RefreshExpiresIn: int64(refreshExp.Sub(now) / time.Second),
		AccessExpiresAt:  accessExp.Truncate(time.Second), RefreshExpiresAt: refreshExp.Truncate(time.Second),
		SessionID: sid,
	}, nil
}

// refreshExpiry is the expiry of a refresh token issued now in a session
// that started at authTime: RefreshTTL, within MaxSessionAge.
func (a *Auth[T]) refreshExpiry(now, authTime time.Time) time.Time {
	return earlier(now.Add(a.refreshTTL), authTime.Add(a.maxSession))
}

// sessionEnd bounds every token of a session, for revocation entries.
func (a *Auth[T]) sessionEnd(b *Claims) time.Time {
	if b.AuthTime != nil {
		return b.AuthTime.Add(a.maxSession + a.leeway + time.Second)
	}
	return a.now().Add(a.maxSession + a.leeway)
}

// sign signs claims with key, with "kid" and "typ" in the JOSE header.
func (a *Auth[T]) sign(key *Key, c *T, typ string) (string, error) {
	claims, ok := any(c).(jwt.Claims)
	if !ok {
		return "", errors.New("jwtauth: claims type does not implement jwt.Claims")
	}
	t := jwt.NewWithClaims(key.method, claims)
	t.Header["kid"] = key.kid
	t.Header["typ"] = typ
	s, err := t.SignedString(key.signer)
	if err != nil {
		return "", fmt.Errorf("jwtauth: signing: %w", err)
	}
	return s, nil
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// newID returns 128 random bits, base64url-encoded: token ids and session
// ids. crypto/rand.Read does not fail (it aborts the program instead).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return b64(b[:])
}

// afterSubjectCutoff returns a time at which tokens of subject can be issued
// without falling under a RevokeSubject cutoff. "iat" has one-second
// precision, so a login in the same second as a RevokeSubject (a role
// change, "sign out everywhere") would get tokens the cutoff revokes too;
// such a login waits for the next second instead. The check costs one
// revoker lookup per new session and nothing per request.
func (a *Auth[T]) afterSubjectCutoff(ctx context.Context, subject string, now time.Time) (time.Time, error) {
	for range 2 {
		revoked, err := a.revoker.IsRevoked(ctx, TokenRef{Subject: subject, IssuedAt: now})
		if err != nil || !revoked {
			// A store error is left to verification, which applies the
			// failure policy to every use of the token.
			return now, nil
		}
		t := time.NewTimer(now.Truncate(time.Second).Add(time.Second).Sub(now))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return now, ctx.Err()
		}
		now = a.now()
	}
	// Only an injected clock that does not move gets here: issue anyway,
	// the tokens are revoked as RevokeSubject documents.
	return now, nil
}
