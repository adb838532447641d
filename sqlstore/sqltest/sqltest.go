// Package sqltest gives tests a PostgreSQL database of their own: a pool
// whose search_path is a fresh schema, dropped when the test ends, so that
// tests may run in parallel against one server.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	// The pgx driver, registered as "pgx" for database/sql.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvVar names the environment variable holding the server's URL.
const EnvVar = "GATEHOUSE_POSTGRES_URL"

// Open connects to the server named by GATEHOUSE_POSTGRES_URL, or skips the
// test with a message saying how to run it. The pool works in a schema of
// its own.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	raw := os.Getenv(EnvVar)
	if raw == "" {
		t.Skip(EnvVar + " is not set; run with " + EnvVar + "='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' (or bash .ci/run, which starts PostgreSQL)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		t.Fatalf("sqltest: %s is set but PostgreSQL does not answer: %v", EnvVar, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "gatehouse_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("sqltest: creating schema: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	return db
}

// URL returns a connection URL for the test's own schema, for code under
// test that opens its own pool (for example a server started by the test).
// Each call makes a new schema, dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	db := Open(t)
	var schema string
	if err := db.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	u, _ := url.Parse(os.Getenv(EnvVar))
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
