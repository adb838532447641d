package sqlstore

import (
	"context"
	"database/sql"
	"testing"

	"github.com/gatehouse-go/gatehouse/sqlstore/sqltest"
	"github.com/stretchr/testify/require"
)

// testDB connects to GATEHOUSE_POSTGRES_URL or skips the test. The returned
// pool works in a fresh schema (search_path) that is dropped when the test
// ends, so tests may run in parallel on one database.
func testDB(t testing.TB) *sql.DB {
	t.Helper()
	return sqltest.Open(t)
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
