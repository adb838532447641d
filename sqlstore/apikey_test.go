package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/apikey/apikeytest"
	"github.com/stretchr/testify/require"
)

func apikeyTestStore(t *testing.T) (*APIKeyStore, *sql.DB) {
	t.Helper()
	db := testDB(t)
	require.NoError(t, Migrate(context.Background(), db))
	return NewAPIKeyStore(db), db
}

func TestAPIKeyStore(t *testing.T) {
	t.Parallel()
	apikeytest.TestStore(t, func(t *testing.T) apikey.Store {
		s, _ := apikeyTestStore(t)
		return s
	})
}

func TestAPIKeyStoreBehindACache(t *testing.T) {
	t.Parallel()
	apikeytest.TestStore(t, func(t *testing.T) apikey.Store {
		s, _ := apikeyTestStore(t)
		c, err := apikey.NewCache(s, apikey.CacheOptions{})
		require.NoError(t, err)
		return c
	})
}

// apikeyCountingDB counts the statements sent to the database.
type apikeyCountingDB struct {
	apikeyDB
	n atomic.Int64
}

func (c *apikeyCountingDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.apikeyDB.QueryRowContext(ctx, q, args...)
}

func (c *apikeyCountingDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.apikeyDB.QueryContext(ctx, q, args...)
}

func (c *apikeyCountingDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.apikeyDB.ExecContext(ctx, q, args...)
}

func TestAnUncachedLookupIsOneQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := apikeyTestStore(t)
	counting := &apikeyCountingDB{apikeyDB: db}
	s := newAPIKeyStore(counting)
	k := apikeytest.NewKey("alice")
	require.NoError(t, s.Create(ctx, k))

	counting.n.Store(0)
	_, err := s.ByHash(ctx, k.Hash)
	require.NoError(t, err)
	require.EqualValues(t, 1, counting.n.Load(), "one query per uncached lookup")
	_, err = s.ByHash(ctx, apikeytest.NewKey("x").Hash)
	require.ErrorIs(t, err, apikey.ErrNotFound)
	require.EqualValues(t, 2, counting.n.Load(), "a miss is one query too")

	// Behind a cache, repeated lookups cost no query until the TTL.
	c, err := apikey.NewCache(s, apikey.CacheOptions{TTL: time.Minute})
	require.NoError(t, err)
	counting.n.Store(0)
	for range 10 {
		_, err := c.ByHash(ctx, k.Hash)
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, counting.n.Load())
}

// The lookup uses the unique index on the hash. A tiny table may be
// scanned sequentially by choice, so sequential scans are disabled to
// show that the index serves the query.
func TestTheHashLookupUsesTheIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, db := apikeyTestStore(t)
	for range 20 {
		require.NoError(t, s.Create(ctx, apikeytest.NewKey("alice")))
	}
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SET enable_seqscan = off")
	require.NoError(t, err)
	var plan string
	h := apikeytest.NewKey("x").Hash
	require.NoError(t, conn.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) SELECT `+apikeyColumns+` FROM gatehouse_api_keys WHERE hash = $1`, h[:]).Scan(&plan))
	var doc []struct {
		Plan struct {
			NodeType  string `json:"Node Type"`
			IndexName string `json:"Index Name"`
		} `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(plan), &doc))
	require.Equal(t, "Index Scan", doc[0].Plan.NodeType, plan)
	require.Equal(t, "gatehouse_api_keys_hash_idx", doc[0].Plan.IndexName)
	_, err = conn.ExecContext(ctx, "RESET enable_seqscan")
	require.NoError(t, err)
}

func TestMigrateIsIdempotentAndSafeConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Migrate(ctx, db)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, Migrate(ctx, db))
	var n int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM gatehouse_migrations`).Scan(&n))
	ms, err := Migrations()
	require.NoError(t, err)
	require.Equal(t, len(ms), n)
	for _, m := range ms {
		require.True(t, strings.HasSuffix(m.Name, ".sql"))
	}
}

func TestAPIKeyStoreTimesAreTimestamptz(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, db := apikeyTestStore(t)
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'gatehouse_api_keys' AND column_name LIKE '%_at'
		AND data_type <> 'timestamp with time zone'`)
	require.NoError(t, err)
	defer rows.Close()
	require.False(t, rows.Next(), "every *_at column is timestamptz")
}

func TestAPIKeyStoreWithTheAuthenticator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := apikeyTestStore(t)
	pepper := []byte("0123456789abcdef0123456789abcdef")
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: s, Pepper: pepper})
	require.NoError(t, err)
	auth, err := apikey.New(apikey.Options{Store: s, Pepper: pepper, Usage: apikey.UsageOptions{FlushInterval: time.Hour}})
	require.NoError(t, err)
	secret, k, err := mgr.Create(ctx, apikey.CreateRequest{Owner: "alice", Scopes: []string{"read"}})
	require.NoError(t, err)

	const workers, each = 4, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				r := newRequestWithKey(secret)
				if _, err := auth.Authenticate(r); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, auth.Close(ctx))
	got, err := s.ByID(ctx, k.ID)
	require.NoError(t, err)
	require.EqualValues(t, workers*each, got.UsageCount)
	require.False(t, got.LastUsed.IsZero())

	require.NoError(t, mgr.Revoke(ctx, "alice", k.ID))
	auth2, err := apikey.New(apikey.Options{Store: s, Pepper: pepper, Usage: apikey.UsageOptions{Disabled: true}})
	require.NoError(t, err)
	_, err = auth2.Authenticate(newRequestWithKey(secret))
	require.ErrorIs(t, err, apikey.ErrRevoked)
}

func newRequestWithKey(key string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-API-Key", key)
	return r
}
