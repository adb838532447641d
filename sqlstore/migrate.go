package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_xact_lock key that serializes Migrate
// across processes ("gatehous" in ASCII).
const migrationLock = 0x6761746568_6f7573

// Migration is one schema change shipped with this package.
type Migration struct {
	Name string // file name, applied in lexical order: "001_api_keys.sql"
	SQL  string
}

// Migrations returns the schema changes Migrate applies, in order, for
// deployments that manage their schema with their own tool.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, n := range names {
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		out = append(out, Migration{Name: n[len("migrations/"):], SQL: string(b)})
	}
	return out, nil
}

// Migrate creates or updates the tables of this package in the current
// schema (the connection's search_path): gatehouse_api_keys,
// security_events and security_events_head, and gatehouse_migrations,
// which records what was applied. It is idempotent and safe to run from
// several processes at once: all of it happens in one transaction under a
// PostgreSQL advisory lock, and each migration is applied once.
func Migrate(ctx context.Context, db *sql.DB) error {
	migrations, err := Migrations()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS gatehouse_migrations (
		name       text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	for _, m := range migrations {
		var done bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM gatehouse_migrations WHERE name = $1)`, m.Name).Scan(&done); err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		if done {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlstore: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gatehouse_migrations (name) VALUES ($1)`, m.Name); err != nil {
			return fmt.Errorf("sqlstore: migrate %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}
