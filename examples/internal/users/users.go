// Package users is the example server's user directory: an interface with
// an in-memory implementation and a PostgreSQL one, so that several
// instances of the server share their users.
package users

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
)

// Role is a user's role. The set is closed: ParseRole refuses anything else.
type Role string

// Roles, from least to most privileged.
const (
	RoleUser  Role = "user"
	RoleStaff Role = "staff"
	RoleAdmin Role = "admin"
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleUser, RoleStaff, RoleAdmin:
		return r, nil
	}
	return "", ErrInvalidRole
}

// User is one account. Key is the confusable-safe comparison key of the
// username (sanitize's identifier key): two usernames with the same key are
// the same account.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Key          string    `json:"-"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	Created      time.Time `json:"created"`
	Locked       bool      `json:"locked"`
}

// Errors returned by stores.
var (
	ErrNotFound    = errors.New("users: no such user")
	ErrExists      = errors.New("users: username already taken")
	ErrInvalidRole = errors.New("users: invalid role")
)

// Store keeps users. Implementations are safe for concurrent use.
type Store interface {
	// Create adds u, giving it a random ID and the creation time. It
	// returns ErrExists when another user has the same Key.
	Create(ctx context.Context, u User) (User, error)
	// ByKey returns the user whose username has the comparison key key.
	ByKey(ctx context.Context, key string) (User, error)
	// ByID returns the user with the given ID.
	ByID(ctx context.Context, id string) (User, error)
	// SetRole changes a user's role.
	SetRole(ctx context.Context, id string, role Role) error
	// SetPasswordHash replaces a user's password hash (after a rehash).
	SetPasswordHash(ctx context.Context, id, hash string) error
	// Ping checks the backing store, for health checks.
	Ping(ctx context.Context) error
}

// NewID returns a random 128-bit identifier in hex: ids cannot be guessed
// or enumerated.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
