package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testDB connects to GATEHOUSE_POSTGRES_URL or skips the test. The returned
// pool works in a fresh schema (search_path) that is dropped when the test
// ends, so tests may run in parallel on one database.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	raw := os.Getenv("GATEHOUSE_POSTGRES_URL")
	if raw == "" {
		t.Skip("GATEHOUSE_POSTGRES_URL is not set; run with GATEHOUSE_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable (or bash .ci/run, which starts PostgreSQL)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	require.NoError(t, Ping(ctx, admin), "GATEHOUSE_POSTGRES_URL is set but PostgreSQL does not answer")

	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "gatehouse_test_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)

	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	return db
}

func TestConnection(t *testing.T) {
	t.Parallel()
	db := testDB(t)
	ctx := context.Background()
	_, err := db.ExecContext(ctx, "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO t VALUES ($1, $2)", 1, "O'Brien")
	require.NoError(t, err)
	var v string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT v FROM t WHERE id = $1", 1).Scan(&v))
	require.Equal(t, "O'Brien", v)
	var path string
	require.NoError(t, db.QueryRowContext(ctx, "SHOW search_path").Scan(&path))
	require.Contains(t, path, "gatehouse_test_", "each test works in its own schema")
}

func TestPingReportsAnUnreachableServer(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	require.NoError(t, err)
	defer db.Close()
	require.ErrorContains(t, Ping(context.Background(), db), "sqlstore: ping")
}
