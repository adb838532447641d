package jwtauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenKind tells access tokens from refresh tokens.
type tokenKind uint8

const (
	kindAccess tokenKind = iota
	kindRefresh
)

// Verify checks an access token and returns its claims. The checks, in
// order: size, structure, header (alg, kid, typ, crit), key, algorithm
// binding, signature, claims (iss, aud, nbf, iat, the claims type's own
// Validate, exp), revocation. It is what the middleware runs; use it where
// tokens arrive outside HTTP headers (a WebSocket message, a queue).
func (a *Auth[T]) Verify(ctx context.Context, token string) (*T, error) {
	return a.verify(ctx, nil, token, kindAccess)
}

func (a *Auth[T]) verify(ctx context.Context, r *http.Request, tok string, kind tokenKind) (*T, error) {
	if len(tok) > a.maxTokenBytes {
		return nil, ErrTokenTooLarge
	}
	now := a.now()
	if kind == kindAccess && a.cache != nil {
		if c, ok := a.cache.get(tok, now, a.keys.snapshot(), a.leeway); ok {
			if err := a.checkRevoked(ctx, r, c); err != nil {
				return nil, err
			}
			return c, nil
		}
	}
	hseg, pseg, sseg, err := splitToken(tok)
	if err != nil {
		return nil, err
	}
	var hbuf [maxHeaderSegment * 3 / 4]byte
	h, err := parseHeader(hseg, hbuf[:])
	if err != nil {
		return nil, err
	}
	if !a.typeOK(h, kind) {
		return nil, ErrTokenType
	}
	key, err := a.keys.snapshot().lookup(h.kid, h.hasKID, now)
	if err == ErrUnknownKID {
		if snap := a.keys.unknownKID(ctx); snap != nil {
			key, err = snap.lookup(h.kid, h.hasKID, now)
		}
	}
	if err != nil {
		return nil, err
	}
	// The algorithm comes from the key; the header must agree with it. This
	// is what refuses "none" (in any case) and an RS256 key's public PEM
	// used as an HS256 secret.
	if string(h.alg) != string(key.alg) {
		return nil, ErrAlgorithm
	}
	var sbuf [MaxRSABits / 8]byte
	if n := b64DecodedLen(len(sseg)); n <= 0 || n > key.alg.maxSigLen() {
		return nil, ErrSignature
	}
	n, ok := b64Decode(sbuf[:], sseg)
	if !ok {
		return nil, ErrMalformedToken
	}
	if !key.verifySig(tok[:len(hseg)+1+len(pseg)], sbuf[:n]) {
		return nil, ErrSignature
	}
	c, err := a.decode(pseg)
	if err != nil {
		return nil, err
	}
	if err := a.validate(c, kind, now); err != nil {
		return nil, err
	}
	if err := a.checkRevoked(ctx, r, c); err != nil {
		return nil, err
	}
	if kind == kindAccess && a.cache != nil && !key.alg.Symmetric() {
		a.cache.put(tok, c, key, now)
	}
	return c, nil
}

// typeOK checks the "typ" header: an access token must carry one of the
// accepted access types, a refresh token the refresh type.
func (a *Auth[T]) typeOK(h joseHeader, kind tokenKind) bool {
	if kind == kindRefresh {
		return h.hasTyp && typMatches(h.typ, RefreshType)
	}
	if h.hasTyp && typMatches(h.typ, RefreshType) {
		return false
	}
	for _, t := range a.accessTypes {
		if t == "" && !h.hasTyp || h.hasTyp && typMatches(h.typ, t) {
			return true
		}
	}
	return false
}

// decodeBuf holds the decoded payload and decodeFast's smaller object.
type decodeBuf struct{ payload, rest []byte }

// decode decodes the payload segment into a new claims value, refusing
// duplicate, case-variant and escaped claim names.
func (a *Auth[T]) decode(seg string) (*T, error) {
	buf := a.bufs.Get().(*decodeBuf)
	defer a.bufs.Put(buf)
	n, ok := b64Decode(buf.payload, seg)
	if !ok {
		return nil, ErrMalformedToken
	}
	payload := buf.payload[:n]
	c := new(T)
	if a.fast {
		var err error
		buf.rest, err = a.decodeFast(payload, c, buf.rest)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if err := a.names.check(payload); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(payload, c); err != nil {
		return nil, ErrMalformedToken
	}
	return c, nil
}

// validate checks the registered claims, then the claims type's own
// Validate, and the expiry last, so that a token that is both expired and
// wrong in another way is reported invalid, not merely expired.
func (a *Auth[T]) validate(c *T, kind tokenKind, now time.Time) error {
	b := baseOf(c)
	if a.issuer != "" && b.Issuer != a.issuer {
		return ErrIssuer
	}
	aud := b.Audience
	if len(aud) == 1 && aud[0] == "" {
		aud = nil
	}
	switch {
	case kind == kindRefresh:
		if !slices.Contains(aud, a.refreshAudience) {
			return ErrAudience
		}
	case len(a.audience) > 0:
		if !slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(a.audience, s) }) {
			return ErrAudience
		}
	case len(aud) > 0:
		return ErrAudience // not addressed to us (RFC 7519, section 4.1.3)
	}
	if b.NotBefore != nil && now.Before(b.NotBefore.Add(-a.leeway)) {
		return ErrTokenNotYetValid
	}
	if b.IssuedAt != nil && now.Before(b.IssuedAt.Add(-a.leeway)) {
		return ErrIssuedInFuture
	}
	if kind == kindRefresh && (b.ID == "" || b.SessionID == "" || b.Subject == "") {
		return ErrMissingClaim
	}
	if v, ok := any(c).(jwt.ClaimsValidator); ok {
		if err := v.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrClaims, err)
		}
	}
	if b.ExpiresAt == nil {
		return ErrMissingClaim
	}
	if !now.Before(b.ExpiresAt.Add(a.leeway)) {
		return ErrTokenExpired
	}
	return nil
}

// checkRevoked asks the Revoker about a verified token. A store error
// fails closed (ErrStoreUnavailable) unless StoreFailOpen.
func (a *Auth[T]) checkRevoked(ctx context.Context, r *http.Request, c *T) error {
	b := baseOf(c)
	ref := TokenRef{ID: b.ID, Subject: b.Subject, SessionID: b.SessionID}
	if b.IssuedAt != nil {
		ref.IssuedAt = b.IssuedAt.Time
	}
	revoked, err := a.revoker.IsRevoked(ctx, ref)
	if err != nil {
		a.storeError(ctx, r, "revoker", err)
		if a.failOpen {
			return nil
		}
		return ErrStoreUnavailable
	}
	if revoked {
		return ErrTokenRevoked
	}
	return nil
}
