package apikey

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Manager limits and defaults.
const (
	DefaultMaxKeysPerOwner = 100
	MaxRotationGrace       = 30 * 24 * time.Hour
	idLen                  = 22 // base62 characters of a key id (≈131 bits)
)

// Manager errors.
var (
	// ErrInvalidRequest: a CreateRequest (or Rotate argument) breaks a rule;
	// the message says which. It never contains a key.
	ErrInvalidRequest = errors.New("apikey: invalid request")
	// ErrTooManyKeys: the owner already has MaxKeysPerOwner active keys.
	ErrTooManyKeys = errors.New("apikey: too many keys for this owner")
	// ErrInactive: the key to rotate is revoked or expired.
	ErrInactive = errors.New("apikey: key is revoked or expired")
)

// ManagerOptions configures a Manager. Store is required.
type ManagerOptions struct {
	// Store holds the keys; the Authenticator's Store (the same Cache, if
	// any). Required.
	Store Store
	// Pepper must be the Authenticator's (see Options.Pepper).
	Pepper []byte
	// Prefix is the kind of key Create issues when CreateRequest.Prefix is
	// empty. Default DefaultPrefix.
	Prefix string
	// Prefixes are further kinds a CreateRequest may name ("gk_test").
	Prefixes []string
	// MaxLifetime bounds how far in the future a key may expire; a
	// request without Expires gets now + MaxLifetime. Default 0: keys may
	// live forever and do unless Expires is set.
	MaxLifetime time.Duration
	// MaxKeysPerOwner bounds the active (not revoked, not expired) keys of
	// one owner; checked before each Create, so concurrent creations may
	// exceed it by a few. Default DefaultMaxKeysPerOwner.
	MaxKeysPerOwner int
	// ValidateRate checks CreateRequest.Rate, for example with the
	// ratelimit package's parser. Default nil: only the length and
	// characters are checked.
	ValidateRate func(rate string) error
	// Audit receives authn_apikey_created and authn_apikey_revoked
	// events. nil: none.
	Audit audit.Recorder
}

// CreateRequest describes a key to create.
type CreateRequest struct {
	Owner           string         // required, at most MaxOwnerLen bytes
	Name            string         // at most MaxNameLen bytes, no control characters
	Scopes          []string       // each ValidScope, at most MaxScopes
	AllowedNetworks []netip.Prefix // normalized by NormalizeNetworks; empty: any
	Rate            string         // per-key rate in the ratelimit syntax; empty: none
	Prefix          string         // the kind of key; empty: ManagerOptions.Prefix
	Expires         time.Time      // zero: now + MaxLifetime, or never
}

// Manager creates, rotates, revokes and lists keys. Its owner-scoped
// methods answer ErrNotFound for a key that exists but belongs to someone
// else, exactly as for a key that does not exist, so that an HTTP API built
// on them answers 404 in both cases. It is safe for concurrent use.
type Manager struct {
	store        Store
	hasher       *Hasher
	prefixes     []string // prefixes[0] is the default
	maxLifetime  time.Duration
	maxPerOwner  int
	validateRate func(string) error
	audit        audit.Recorder
	now          func() time.Time
}

// NewManager validates opts and returns a Manager.
func NewManager(opts ManagerOptions) (*Manager, error) {
	if opts.Store == nil {
		return nil, errors.New("apikey: ManagerOptions.Store is required")
	}
	hasher, err := NewHasher(opts.Pepper)
	if err != nil {
		return nil, err
	}
	if opts.MaxLifetime < 0 || opts.MaxKeysPerOwner < 0 {
		return nil, errors.New("apikey: MaxLifetime and MaxKeysPerOwner must not be negative")
	}
	m := &Manager{
		store:        opts.Store,
		hasher:       hasher,
		maxLifetime:  opts.MaxLifetime,
		maxPerOwner:  opts.MaxKeysPerOwner,
		validateRate: opts.ValidateRate,
		audit:        opts.Audit,
		now:          time.Now,
	}
	first := opts.Prefix
	if first == "" {
		first = DefaultPrefix
	}
	if err := ValidatePrefix(first); err != nil {
		return nil, err
	}
	if m.prefixes, err = validPrefixes(opts.Prefixes, &first); err != nil {
		return nil, err
	}
	if m.maxPerOwner == 0 {
		m.maxPerOwner = DefaultMaxKeysPerOwner
	}
	return m, nil
}

// Create issues a key and returns it: the secret, to show once and never
// again (it is not stored anywhere), and its metadata.
func (m *Manager) Create(ctx context.Context, req CreateRequest) (secret string, k Key, err error) {
	now := m.clock()
	nk, err := m.newKey(req, now)
	if err != nil {
		return "", Key{}, err
	}
	if err := m.checkQuota(ctx, req.Owner, now); err != nil {
		return "", Key{}, err
	}
	secret, err = m.issue(ctx, nk)
	if err != nil {
		return "", Key{}, err
	}
	m.record(ctx, audit.AuthnAPIKeyCreated, nk.Owner, nk, nil)
	return secret, *nk, nil
}

// newKey validates req and builds the key's metadata (without hash).
func (m *Manager) newKey(req CreateRequest, now time.Time) (*Key, error) {
	invalid := func(msg string) error { return fmt.Errorf("%w: %s", ErrInvalidRequest, msg) }
	switch {
	case req.Owner == "" || len(req.Owner) > MaxOwnerLen || !printable(req.Owner):
		return nil, invalid("owner must be 1 to 256 bytes of text")
	case len(req.Name) > MaxNameLen || !printable(req.Name):
		return nil, invalid("name must be at most 200 bytes of text")
	case len(req.Scopes) > MaxScopes:
		return nil, invalid("too many scopes")
	case !validRate(req.Rate):
		return nil, invalid("rate must be at most 64 printable characters")
	}
	for _, s := range req.Scopes {
		if !ValidScope(s) {
			return nil, invalid("scopes must be 1 to 128 printable characters without spaces, quotes or backslashes")
		}
	}
	if req.Rate != "" && m.validateRate != nil {
		if err := m.validateRate(req.Rate); err != nil {
			return nil, invalid("rate: " + err.Error())
		}
	}
	nets, err := NormalizeNetworks(req.AllowedNetworks)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	prefix := req.Prefix
	if prefix == "" {
		prefix = m.prefixes[0]
	}
	known := false
	for _, p := range m.prefixes {
		known = known || p == prefix
	}
	if !known {
		return nil, invalid("unknown key prefix")
	}
	expires := req.Expires
	if !expires.IsZero() && !expires.After(now) {
		return nil, invalid("expiry must be in the future")
	}
	if m.maxLifetime > 0 {
		limit := now.Add(m.maxLifetime)
		if expires.IsZero() {
			expires = limit
		} else if expires.After(limit) {
			return nil, invalid("expiry is beyond the longest lifetime allowed")
		}
	}
	scopes := dedupe(req.Scopes)
	return &Key{
		Prefix:          prefix,
		Owner:           req.Owner,
		Name:            req.Name,
		Scopes:          scopes,
		AllowedNetworks: nets,
		Rate:            req.Rate,
		Created:         now,
		Expires:         normTime(expires),
	}, nil
}

func (m *Manager) checkQuota(ctx context.Context, owner string, now time.Time) error {
	keys, err := m.store.ListByOwner(ctx, owner)
	if err != nil {
		return err
	}
	active := 0
	for i := range keys {
		if keys[i].Active(now) {
			active++
		}
	}
	if active >= m.maxPerOwner {
		return ErrTooManyKeys
	}
	return nil
}

// issue generates the secret and id and stores the key, retrying the
// (astronomically unlikely) collision once.
func (m *Manager) issue(ctx context.Context, k *Key) (string, error) {
	for attempt := 0; ; attempt++ {
		secret, err := Generate(k.Prefix)
		if err != nil {
			return "", err
		}
		if k.ID, err = newID(); err != nil {
			return "", err
		}
		k.Hash = m.hasher.Hash(secret)
		err = m.store.Create(ctx, k)
		if errors.Is(err, ErrDuplicate) && attempt == 0 {
			continue
		}
		if err != nil {
			return "", err
		}
		return secret, nil
	}
}

// Rotate replaces the owner's key id: a new key with the same owner, name,
// scopes, networks, rate, kind and lifetime, while the old key keeps
// working for grace (0: it stops at once; at most MaxRotationGrace) and is
// then revoked. It returns the new key's secret and metadata; ErrNotFound
// when the key is not the owner's, ErrInactive when it is revoked or
// expired.
func (m *Manager) Rotate(ctx context.Context, owner, id string, grace time.Duration) (secret string, k Key, err error) {
	if grace < 0 || grace > MaxRotationGrace {
		return "", Key{}, fmt.Errorf("%w: grace must be between 0 and %s", ErrInvalidRequest, MaxRotationGrace)
	}
	old, err := m.owned(ctx, owner, id)
	if err != nil {
		return "", Key{}, err
	}
	now := m.clock()
	if !old.Active(now) {
		return "", Key{}, ErrInactive
	}
	nk := cloneKey(old)
	nk.Created, nk.LastUsed, nk.UsageCount, nk.RevokedAt = now, time.Time{}, 0, time.Time{}
	if !old.Expires.IsZero() {
		nk.Expires = normTime(now.Add(old.Expires.Sub(old.Created)))
	}
	if m.maxLifetime > 0 && (nk.Expires.IsZero() || nk.Expires.After(now.Add(m.maxLifetime))) {
		nk.Expires = normTime(now.Add(m.maxLifetime))
	}
	secret, err = m.issue(ctx, nk)
	if err != nil {
		return "", Key{}, err
	}
	m.record(ctx, audit.AuthnAPIKeyCreated, owner, nk, map[string]string{"rotated_from": old.ID})
	at := normTime(now.Add(grace))
	if err := m.store.Revoke(ctx, old.ID, at); err != nil {
		return "", Key{}, fmt.Errorf("apikey: new key %s issued but the old key could not be revoked: %w", nk.ID, err)
	}
	m.record(ctx, audit.AuthnAPIKeyRevoked, owner, old, map[string]string{
		"rotated_to": nk.ID, "effective": at.Format(time.RFC3339),
	})
	return secret, *nk, nil
}

// Revoke revokes the owner's key id at once. It answers ErrNotFound when
// the key does not exist or belongs to another owner. Revoking a revoked
// key is not an error.
func (m *Manager) Revoke(ctx context.Context, owner, id string) error {
	k, err := m.owned(ctx, owner, id)
	if err != nil {
		return err
	}
	return m.revoke(ctx, owner, k)
}

// RevokeAny revokes key id whoever owns it, for administrators; actor
// names the administrator in the audit event. ErrNotFound when no such key
// exists.
func (m *Manager) RevokeAny(ctx context.Context, actor, id string) error {
	k, err := m.store.ByID(ctx, id)
	if err != nil {
		return err
	}
	return m.revoke(ctx, actor, k)
}

func (m *Manager) revoke(ctx context.Context, actor string, k *Key) error {
	now := normTime(m.clock())
	if err := m.store.Revoke(ctx, k.ID, now); err != nil {
		return err
	}
	m.record(ctx, audit.AuthnAPIKeyRevoked, actor, k, map[string]string{"owner": k.Owner})
	return nil
}

// Get returns the owner's key id, or ErrNotFound when it does not exist or
// belongs to another owner.
func (m *Manager) Get(ctx context.Context, owner, id string) (Key, error) {
	k, err := m.owned(ctx, owner, id)
	if err != nil {
		return Key{}, err
	}
	return *cloneKey(k), nil
}

// List returns the owner's keys, revoked and expired included, oldest
// first.
func (m *Manager) List(ctx context.Context, owner string) ([]Key, error) {
	if owner == "" {
		return nil, fmt.Errorf("%w: owner required", ErrInvalidRequest)
	}
	return m.store.ListByOwner(ctx, owner)
}

// owned returns key id when owner owns it, ErrNotFound otherwise.
func (m *Manager) owned(ctx context.Context, owner, id string) (*Key, error) {
	if owner == "" || id == "" || len(id) > 64 {
		return nil, ErrNotFound
	}
	k, err := m.store.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if k.Owner != owner {
		return nil, ErrNotFound
	}
	return k, nil
}

func (m *Manager) record(ctx context.Context, t audit.Type, actor string, k *Key, extra map[string]string) {
	if m.audit == nil {
		return
	}
	d := map[string]string{"key_id": k.ID, "prefix": k.Prefix}
	for n, v := range extra {
		d[n] = v
	}
	m.audit.Record(ctx, audit.Event{
		Time:      m.clock(),
		Type:      t,
		Severity:  audit.SeverityInfo,
		Outcome:   audit.OutcomeSuccess,
		Actor:     actor,
		RequestID: audit.RequestIDFrom(ctx),
		Source:    "apikey",
		Details:   d,
	})
}

func (m *Manager) clock() time.Time { return normTime(m.now()) }

// normTime drops what stores cannot keep: the location (UTC is kept) and
// precision below a microsecond (PostgreSQL's timestamptz).
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// newID returns a random key id of idLen base62 characters.
func newID() (string, error) {
	var b [idLen]byte
	if err := randomBase62(b[:]); err != nil {
		return "", err
	}
	return string(b[:]), nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffd {
			return false
		}
	}
	return true
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}
