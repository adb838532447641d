package users

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Memory is an in-memory Store bounded to a maximum number of users.
type Memory struct {
	mu    sync.RWMutex
	byID  map[string]*User
	byKey map[string]*User
	max   int
}

// ErrFull is returned by Memory.Create when the bound is reached.
var ErrFull = errors.New("users: directory full")

// NewMemory returns an empty directory holding at most max users (default
// 100,000 when max <= 0).
func NewMemory(max int) *Memory {
	if max <= 0 {
		max = 100000
	}
	return &Memory{byID: map[string]*User{}, byKey: map[string]*User{}, max: max}
}

// Create implements Store.
func (m *Memory) Create(_ context.Context, u User) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byKey[u.Key]; ok {
		return User{}, ErrExists
	}
	if len(m.byID) >= m.max {
		return User{}, ErrFull
	}
	u.ID = NewID()
	u.Created = time.Now().UTC().Truncate(time.Microsecond)
	stored := u
	m.byID[u.ID] = &stored
	m.byKey[u.Key] = &stored
	return u, nil
}

// ByKey implements Store.
func (m *Memory) ByKey(_ context.Context, key string) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if u, ok := m.byKey[key]; ok {
		return *u, nil
	}
	return User{}, ErrNotFound
}

// ByID implements Store.
func (m *Memory) ByID(_ context.Context, id string) (User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if u, ok := m.byID[id]; ok {
		return *u, nil
	}
	return User{}, ErrNotFound
}

// SetRole implements Store.
func (m *Memory) SetRole(_ context.Context, id string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.byID[id]
	if !ok {
		return ErrNotFound
	}
	u.Role = role
	return nil
}

// SetPasswordHash implements Store.
func (m *Memory) SetPasswordHash(_ context.Context, id, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.byID[id]
	if !ok {
		return ErrNotFound
	}
	u.PasswordHash = hash
	return nil
}

// Ping implements Store.
func (m *Memory) Ping(context.Context) error { return nil }
