package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// schema is applied at start; every statement is idempotent, so several
// instances may start at once.
const schema = `
CREATE TABLE IF NOT EXISTS gatehouse_example_users (
	id            text PRIMARY KEY,
	username      text NOT NULL,
	username_key  text NOT NULL UNIQUE,
	email         text NOT NULL,
	password_hash text NOT NULL,
	role          text NOT NULL CHECK (role IN ('user', 'staff', 'admin')),
	created       timestamptz NOT NULL,
	locked        boolean NOT NULL DEFAULT false
)`

// Postgres is a Store in a PostgreSQL table.
type Postgres struct {
	db *sql.DB
}

// NewPostgres creates the users table when it does not exist and returns
// the store.
func NewPostgres(ctx context.Context, db *sql.DB) (*Postgres, error) {
	// An advisory lock makes concurrent first starts safe: CREATE TABLE IF
	// NOT EXISTS alone can race on the catalog.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7340001)`); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7340001)`) //nolint:errcheck
	if _, err := conn.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("users: creating schema: %w", err)
	}
	return &Postgres{db: db}, nil
}

const columns = `id, username, username_key, email, password_hash, role, created, locked`

func scan(row *sql.Row) (User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.Key, &u.Email, &u.PasswordHash, &role, &u.Created, &u.Locked)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	u.Role = Role(role)
	u.Created = u.Created.UTC()
	return u, nil
}

// Create implements Store.
func (p *Postgres) Create(ctx context.Context, u User) (User, error) {
	u.ID = NewID()
	u.Created = time.Now().UTC().Truncate(time.Microsecond)
	_, err := p.db.ExecContext(ctx, `INSERT INTO gatehouse_example_users (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.Username, u.Key, u.Email, u.PasswordHash, string(u.Role), u.Created, u.Locked)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return User{}, ErrExists
	}
	if err != nil {
		return User{}, fmt.Errorf("users: %w", err)
	}
	return u, nil
}

// ByKey implements Store.
func (p *Postgres) ByKey(ctx context.Context, key string) (User, error) {
	return scan(p.db.QueryRowContext(ctx, `SELECT `+columns+` FROM gatehouse_example_users WHERE username_key = $1`, key))
}

// ByID implements Store.
func (p *Postgres) ByID(ctx context.Context, id string) (User, error) {
	return scan(p.db.QueryRowContext(ctx, `SELECT `+columns+` FROM gatehouse_example_users WHERE id = $1`, id))
}

// SetRole implements Store.
func (p *Postgres) SetRole(ctx context.Context, id string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return p.update(ctx, `UPDATE gatehouse_example_users SET role = $2 WHERE id = $1`, id, string(role))
}

// SetPasswordHash implements Store.
func (p *Postgres) SetPasswordHash(ctx context.Context, id, hash string) error {
	return p.update(ctx, `UPDATE gatehouse_example_users SET password_hash = $2 WHERE id = $1`, id, hash)
}

func (p *Postgres) update(ctx context.Context, query string, args ...any) error {
	res, err := p.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// Ping implements Store.
func (p *Postgres) Ping(ctx context.Context) error { return p.db.PingContext(ctx) }
