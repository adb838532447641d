package jwtauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// KeySource provides verification keys: a *KeySet (keys this service holds)
// or a *RemoteKeySet (the published keys of another issuer).
type KeySource interface {
	// snapshot returns the current keys.
	snapshot() *keySnapshot
	// unknownKID is called when a token names a kid the snapshot lacks. A
	// remote source may refetch (rate-limited) and return a newer snapshot;
	// nil means nothing changed.
	unknownKID(ctx context.Context) *keySnapshot
}

// keyEntry is a key and the time it stops verifying (zero: never).
type keyEntry struct {
	key      *Key
	retireAt time.Time
}

// keySnapshot is an immutable view of a key set.
type keySnapshot struct {
	byKID  map[string]keyEntry
	order  []string // kids in insertion order
	active *Key
	jwks   []byte // public JWKS document
	etag   string
	next   time.Time // earliest scheduled retirement, zero if none
}

// lookup returns the key a token names. kid is used only as a map key: a
// kid holding a path, a URL or SQL is just an unknown kid.
func (s *keySnapshot) lookup(kid []byte, hasKID bool, now time.Time) (*Key, error) {
	if !hasKID {
		if len(s.byKID) != 1 {
			return nil, ErrMissingKID
		}
		for _, e := range s.byKID {
			if e.retireAt.IsZero() || now.Before(e.retireAt) {
				return e.key, nil
			}
		}
		return nil, ErrUnknownKID
	}
	e, ok := s.byKID[string(kid)]
	if !ok || !(e.retireAt.IsZero() || now.Before(e.retireAt)) {
		return nil, ErrUnknownKID
	}
	return e.key, nil
}

// build fills the derived fields (JWKS document, ETag) of a snapshot.
func (s *keySnapshot) build(now time.Time) *keySnapshot {
	var b strings.Builder
	b.WriteString(`{"keys":[`)
	first := true
	s.next = time.Time{}
	for _, kid := range s.order {
		e := s.byKID[kid]
		if !e.retireAt.IsZero() {
			if !now.Before(e.retireAt) {
				continue
			}
			if s.next.IsZero() || e.retireAt.Before(s.next) {
				s.next = e.retireAt
			}
		}
		if e.key.public == nil {
			continue // secrets are never published
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(e.key.publicJWK())
	}
	b.WriteString("]}")
	s.jwks = []byte(b.String())
	sum := sha256.Sum256(s.jwks)
	s.etag = `"` + b64(sum[:12]) + `"`
	return s
}

// KeySet holds the keys of an issuer: at most one active signing key and
// any number of verify-only keys. Rotation: Add a new key (it verifies and
// is published at once), Activate it after relying parties have had time to
// fetch the JWKS, and Retire (or RetireAt) the previous key once the longest
// token it signed has expired.
//
// A KeySet is safe for concurrent use; verification reads a snapshot
// without locking.
type KeySet struct {
	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[keySnapshot]
	now  func() time.Time
}

// NewKeySet returns a set whose active signing key is active (nil for a
// verify-only set) and in which others verify only. Key ids must be unique.
func NewKeySet(active *Key, others ...*Key) (*KeySet, error) {
	s := &KeySet{now: time.Now}
	snap := &keySnapshot{byKID: make(map[string]keyEntry)}
	all := others
	if active != nil {
		if !active.CanSign() {
			return nil, errors.New("jwtauth: the active key must hold a secret or private key")
		}
		all = append([]*Key{active}, others...)
		snap.active = active
	}
	if len(all) == 0 {
		return nil, errors.New("jwtauth: a key set needs at least one key")
	}
	for _, k := range all {
		if k == nil {
			return nil, errors.New("jwtauth: nil key")
		}
		if _, dup := snap.byKID[k.kid]; dup {
			return nil, fmt.Errorf("jwtauth: duplicate kid %q", k.kid)
		}
		snap.byKID[k.kid] = keyEntry{key: k}
		snap.order = append(snap.order, k.kid)
	}
	s.snap.Store(snap.build(s.now()))
	return s, nil
}

func (s *KeySet) snapshot() *keySnapshot {
	snap := s.snap.Load()
	if !snap.next.IsZero() && !s.now().Before(snap.next) {
		// A scheduled retirement passed: drop the key from the JWKS.
		s.mu.Lock()
		_ = s.apply(func(*keySnapshot) error { return nil })
		snap = s.snap.Load()
		s.mu.Unlock()
	}
	return snap
}

func (*KeySet) unknownKID(context.Context) *keySnapshot { return nil }

// apply runs f on a copy of the snapshot, without the keys whose
// retirement passed, and publishes the copy unless f fails. s.mu is held.
func (s *KeySet) apply(f func(*keySnapshot) error) error {
	old := s.snap.Load()
	now := s.now()
	n := &keySnapshot{byKID: make(map[string]keyEntry, len(old.byKID)+1), active: old.active}
	for _, kid := range old.order {
		e := old.byKID[kid]
		if !e.retireAt.IsZero() && !now.Before(e.retireAt) {
			continue // retired for good
		}
		n.byKID[kid] = e
		n.order = append(n.order, kid)
	}
	if err := f(n); err != nil {
		return err
	}
	s.snap.Store(n.build(now))
	return nil
}

// Add adds a verify-only key. It is published in the JWKS at once if it is
// asymmetric.
func (s *KeySet) Add(k *Key) error {
	if k == nil {
		return errors.New("jwtauth: nil key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apply(func(n *keySnapshot) error {
		if _, dup := n.byKID[k.kid]; dup {
			return fmt.Errorf("jwtauth: duplicate kid %q", k.kid)
		}
		n.byKID[k.kid] = keyEntry{key: k}
		n.order = append(n.order, k.kid)
		return nil
	})
}

// Activate makes the key kid the signing key. The previous signing key
// stays in the set, verify-only, until retired.
func (s *KeySet) Activate(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apply(func(n *keySnapshot) error {
		e, ok := n.byKID[kid]
		switch {
		case !ok:
			return fmt.Errorf("jwtauth: no key %q", kid)
		case !e.key.CanSign():
			return fmt.Errorf("jwtauth: key %q cannot sign", kid)
		case !e.retireAt.IsZero():
			return fmt.Errorf("jwtauth: key %q is scheduled for retirement", kid)
		}
		n.active = e.key
		return nil
	})
}

// Rotate adds k and makes it the signing key at once. Relying parties that
// cache the JWKS may not know k yet; prefer Add, then Activate later, when
// others verify this set's tokens.
func (s *KeySet) Rotate(k *Key) error {
	if err := s.Add(k); err != nil {
		return err
	}
	return s.Activate(k.kid)
}

// Retire removes the key kid now: tokens it signed stop verifying. The
// active key cannot be retired; activate another first.
func (s *KeySet) Retire(kid string) error { return s.RetireAt(kid, time.Time{}) }

// RetireAt schedules the key kid to stop verifying at t (now when t is
// zero or past), for example the issue time of its last token plus the
// longest token lifetime.
func (s *KeySet) RetireAt(kid string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apply(func(n *keySnapshot) error {
		e, ok := n.byKID[kid]
		switch {
		case !ok:
			return fmt.Errorf("jwtauth: no key %q", kid)
		case e.key == n.active:
			return fmt.Errorf("jwtauth: key %q is the active signing key", kid)
		}
		if t.IsZero() || !s.now().Before(t) {
			delete(n.byKID, kid)
			n.order = slices.DeleteFunc(n.order, func(k string) bool { return k == kid })
			return nil
		}
		e.retireAt = t
		n.byKID[kid] = e
		return nil
	})
}

// Active returns the signing key, or nil for a verify-only set.
func (s *KeySet) Active() *Key { return s.snapshot().active }

// Key returns the key kid if it is in the set and not retired.
func (s *KeySet) Key(kid string) (*Key, bool) {
	k, err := s.snapshot().lookup([]byte(kid), true, s.now())
	return k, err == nil
}

// KIDs returns the ids of the keys that verify, in the order they were added.
func (s *KeySet) KIDs() []string {
	snap, now := s.snapshot(), s.now()
	var kids []string
	for _, kid := range snap.order {
		if e := snap.byKID[kid]; e.retireAt.IsZero() || now.Before(e.retireAt) {
			kids = append(kids, kid)
		}
	}
	return kids
}

// JWKS returns the public JSON Web Key Set of the asymmetric keys that
// verify. HMAC secrets and private members are never included.
func (s *KeySet) JWKS() []byte { return slices.Clone(s.snapshot().jwks) }

// MarshalJSON encodes the public JWKS, as JWKS does.
func (s *KeySet) MarshalJSON() ([]byte, error) { return s.JWKS(), nil }

// String lists the kids and algorithms, never key material.
func (s *KeySet) String() string {
	snap := s.snapshot()
	var b strings.Builder
	b.WriteString("jwtauth.KeySet{")
	for i, kid := range snap.order {
		if i > 0 {
			b.WriteByte(' ')
		}
		e := snap.byKID[kid]
		b.WriteString(strconv.Quote(kid) + ":" + string(e.key.alg))
		if e.key == snap.active {
			b.WriteString("(active)")
		}
	}
	b.WriteString("}")
	return b.String()
}

// GoString is String.
func (s *KeySet) GoString() string { return s.String() }

// Format writes String for every verb.
func (s *KeySet) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }
