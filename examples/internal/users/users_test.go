package users

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse-go/gatehouse/sqlstore/sqltest"
	"github.com/stretchr/testify/require"
)

// suite runs the same specification against every Store.
func suite(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	t.Run("create assigns a random id and the creation time", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, err := s.Create(ctx, User{Username: "Alice", Key: "alice", Email: "a@example.com", PasswordHash: "$argon2id$x", Role: RoleUser})
		require.NoError(t, err)
		b, err := s.Create(ctx, User{Username: "Bob", Key: "bob", Role: RoleUser})
		require.NoError(t, err)
		require.Regexp(t, `^[0-9a-f]{32}$`, a.ID)
		require.NotEqual(t, a.ID, b.ID)
		require.False(t, a.Created.IsZero())

		got, err := s.ByKey(ctx, "alice")
		require.NoError(t, err)
		require.Equal(t, a, got)
		got, err = s.ByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, a, got)
	})
	t.Run("a username whose key is taken is refused", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, err := s.Create(ctx, User{Username: "Alice", Key: "alice", Role: RoleUser})
		require.NoError(t, err)
		_, err = s.Create(ctx, User{Username: "ＡＬＩＣＥ", Key: "alice", Role: RoleUser})
		require.ErrorIs(t, err, ErrExists)
	})
	t.Run("concurrent registrations of one name create one user", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Create(ctx, User{Username: "race", Key: "race", Role: RoleUser}); err == nil {
					mu.Lock()
					created++
					mu.Unlock()
				} else {
					require.ErrorIs(t, err, ErrExists)
				}
			}()
		}
		wg.Wait()
		require.Equal(t, 1, created)
	})
	t.Run("unknown users are not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, err := s.ByKey(ctx, "nobody")
		require.ErrorIs(t, err, ErrNotFound)
		_, err = s.ByID(ctx, NewID())
		require.ErrorIs(t, err, ErrNotFound)
		require.ErrorIs(t, s.SetRole(ctx, NewID(), RoleAdmin), ErrNotFound)
		require.ErrorIs(t, s.SetPasswordHash(ctx, NewID(), "x"), ErrNotFound)
	})
	t.Run("roles and hashes change", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		u, err := s.Create(ctx, User{Username: "c", Key: "c", Role: RoleUser})
		require.NoError(t, err)
		require.NoError(t, s.SetRole(ctx, u.ID, RoleStaff))
		require.ErrorIs(t, s.SetRole(ctx, u.ID, "superuser"), ErrInvalidRole)
		require.NoError(t, s.SetPasswordHash(ctx, u.ID, "$argon2id$new"))
		got, err := s.ByID(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, RoleStaff, got.Role)
		require.Equal(t, "$argon2id$new", got.PasswordHash)
		require.NoError(t, s.Ping(ctx))
	})
}

func TestMemory(t *testing.T) {
	t.Parallel()
	suite(t, func(*testing.T) Store { return NewMemory(0) })
}

func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	m := NewMemory(2)
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		_, err := m.Create(ctx, User{Key: k, Role: RoleUser})
		require.NoError(t, err)
	}
	_, err := m.Create(ctx, User{Key: "c", Role: RoleUser})
	require.ErrorIs(t, err, ErrFull)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	suite(t, func(t *testing.T) Store {
		s, err := NewPostgres(context.Background(), sqltest.Open(t))
		require.NoError(t, err)
		return s
	})
}

func TestPostgresSchemaCreationIsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := NewPostgres(context.Background(), db)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, r := range []string{"user", "staff", "admin"} {
		got, err := ParseRole(r)
		require.NoError(t, err)
		require.Equal(t, Role(r), got)
	}
	for _, r := range []string{"", "Admin", "root", "admin "} {
		_, err := ParseRole(r)
		require.ErrorIs(t, err, ErrInvalidRole)
	}
}
