package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// apikeyDB is the part of *sql.DB the key store uses; tests wrap it to
// count queries.
type apikeyDB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// APIKeyStore is an apikey.Store in the gatehouse_api_keys table (see
// Migrate). Every statement is parameterized. A lookup by hash is one
// query on a unique index; put an apikey.Cache in front to skip even that
// for busy keys. Usage is written in batches by the apikey.Authenticator,
// one transaction per flush, rows locked in id order so that concurrent
// flushes from several instances cannot deadlock. APIKeyStore is safe for
// concurrent use.
type APIKeyStore struct {
	db   apikeyDB
	maps sync.Pool // of *pgtype.Map, which is not safe for concurrent use
}

// NewAPIKeyStore returns a store on db. Run Migrate first.
func NewAPIKeyStore(db *sql.DB) *APIKeyStore {
	return newAPIKeyStore(db)
}

func newAPIKeyStore(db apikeyDB) *APIKeyStore {
	s := &APIKeyStore{db: db}
	s.maps.New = func() any { return pgtype.NewMap() }
	return s
}

const apikeyColumns = `id, hash, prefix, owner, name, scopes, allowed_networks, rate,
	created_at, expires_at, revoked_at, last_used_at, usage_count`

// Create implements apikey.Store.
func (s *APIKeyStore) Create(ctx context.Context, k *apikey.Key) error {
	if k == nil || k.ID == "" || k.Hash.IsZero() {
		return errors.New("sqlstore: a stored key needs an id and a hash")
	}
	scopes := k.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	nets := k.AllowedNetworks
	if nets == nil {
		nets = []netip.Prefix{}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO gatehouse_api_keys (`+apikeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		k.ID, k.Hash[:], k.Prefix, k.Owner, k.Name, scopes, nets, k.Rate,
		k.Created, nullTime(k.Expires), nullTime(k.RevokedAt), nullTime(k.LastUsed), k.UsageCount)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation: id or hash
		return apikey.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("sqlstore: creating api key: %w", err)
	}
	return nil
}

// ByHash implements apikey.Store with one query on the hash index.
func (s *APIKeyStore) ByHash(ctx context.Context, h apikey.Hash) (*apikey.Key, error) {
	return s.one(ctx, `SELECT `+apikeyColumns+` FROM gatehouse_api_keys WHERE hash = $1`, h[:])
}

// ByID implements apikey.Store.
func (s *APIKeyStore) ByID(ctx context.Context, id string) (*apikey.Key, error) {
	return s.one(ctx, `SELECT `+apikeyColumns+` FROM gatehouse_api_keys WHERE id = $1`, id)
}

func (s *APIKeyStore) one(ctx context.Context, query string, arg any) (*apikey.Key, error) {
	m := s.maps.Get().(*pgtype.Map)
	defer s.maps.Put(m)
	k, err := apikeyScan(m, s.db.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apikey.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: reading api key: %w", err)
	}
	return k, nil
}

// ListByOwner implements apikey.Store.
func (s *APIKeyStore) ListByOwner(ctx context.Context, owner string) ([]apikey.Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apikeyColumns+` FROM gatehouse_api_keys
		WHERE owner = $1 ORDER BY created_at, id`, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: listing api keys: %w", err)
	}
	defer rows.Close()
	m := s.maps.Get().(*pgtype.Map)
	defer s.maps.Put(m)
	out := []apikey.Key{}
	for rows.Next() {
		k, err := apikeyScan(m, rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: listing api keys: %w", err)
		}
		out = append(out, *k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: listing api keys: %w", err)
	}
	return out, nil
}

// Revoke implements apikey.Store. LEAST ignores a NULL revoked_at, so the
// earlier of the two times is kept.
func (s *APIKeyStore) Revoke(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE gatehouse_api_keys SET revoked_at = LEAST(revoked_at, $2) WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("sqlstore: revoking api key: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return apikey.ErrNotFound
	}
	return nil
}

// RecordUsage implements apikey.Store: repeated ids are summed, the rows
// are locked in id order, and one UPDATE applies the batch.
func (s *APIKeyStore) RecordUsage(ctx context.Context, usage []apikey.Usage) error {
	if len(usage) == 0 {
		return nil
	}
	agg := make(map[string]apikey.Usage, len(usage))
	for _, u := range usage {
		a := agg[u.ID]
		a.ID = u.ID
		a.Count += u.Count
		if u.LastUsed.After(a.LastUsed) {
			a.LastUsed = u.LastUsed
		}
		agg[u.ID] = a
	}
	ids := make([]string, 0, len(agg))
	for id := range agg {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	counts := make([]int64, len(ids))
	last := make([]*time.Time, len(ids))
	for i, id := range ids {
		a := agg[id]
		counts[i] = a.Count
		if !a.LastUsed.IsZero() {
			t := a.LastUsed
			last[i] = &t
		}
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: recording api key usage: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM gatehouse_api_keys WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids); err != nil {
		return fmt.Errorf("sqlstore: recording api key usage: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE gatehouse_api_keys AS k
		SET usage_count = k.usage_count + u.n,
		    last_used_at = GREATEST(k.last_used_at, u.t)
		FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) AS u(id, n, t)
		WHERE k.id = u.id`, ids, counts, last); err != nil {
		return fmt.Errorf("sqlstore: recording api key usage: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: recording api key usage: %w", err)
	}
	return nil
}

type apikeyRow interface{ Scan(dest ...any) error }

func apikeyScan(m *pgtype.Map, row apikeyRow) (*apikey.Key, error) {
	var (
		k                         apikey.Key
		hash                      []byte
		scopes                    []string
		nets                      []netip.Prefix
		expires, revoked, lastUse sql.NullTime
	)
	err := row.Scan(&k.ID, &hash, &k.Prefix, &k.Owner, &k.Name, m.SQLScanner(&scopes), m.SQLScanner(&nets), &k.Rate,
		&k.Created, &expires, &revoked, &lastUse, &k.UsageCount)
	if err != nil {
		return nil, err
	}
	if len(hash) != len(k.Hash) {
		return nil, fmt.Errorf("stored hash of key %s has %d bytes", k.ID, len(hash))
	}
	copy(k.Hash[:], hash)
	if len(scopes) > 0 {
		k.Scopes = scopes
	}
	if len(nets) > 0 {
		k.AllowedNetworks = nets
	}
	k.Created = k.Created.UTC()
	k.Expires, k.RevokedAt, k.LastUsed = utcOrZero(expires), utcOrZero(revoked), utcOrZero(lastUse)
	return &k, nil
}

func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }

func utcOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

var _ apikey.Store = (*APIKeyStore)(nil)
