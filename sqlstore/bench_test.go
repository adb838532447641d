package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/apikey/apikeytest"
	"github.com/stretchr/testify/require"
)

// BenchmarkAPIKeyLookup measures ByHash on PostgreSQL (one indexed query
// over loopback) and behind an apikey.Cache.
func BenchmarkAPIKeyLookup(b *testing.B) {
	ctx := context.Background()
	db := testDB(b)
	require.NoError(b, Migrate(ctx, db))
	s := NewAPIKeyStore(db)
	var keys []*apikey.Key
	for range 1000 {
		k := apikeytest.NewKey("bench")
		require.NoError(b, s.Create(ctx, k))
		keys = append(keys, k)
	}
	k := keys[500]
	b.Run("postgres", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ByHash(ctx, k.Hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("postgres_cached", func(b *testing.B) {
		c, err := apikey.NewCache(s, apikey.CacheOptions{TTL: time.Minute})
		require.NoError(b, err)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ByHash(ctx, k.Hash); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuditLog measures Record on the request path, and the rate at
// which batches are appended to the chain.
func BenchmarkAuditLog(b *testing.B) {
	ctx := context.Background()
	db := testDB(b)
	require.NoError(b, Migrate(ctx, db))
	b.Run("record", func(b *testing.B) {
		l, err := NewAuditLog(db, AuditOptions{Key: auditTestKey, QueueSize: 1 << 16})
		require.NoError(b, err)
		defer l.Close(ctx)
		e := auditEvent(1)
		b.ReportAllocs()
		for b.Loop() {
			l.Record(ctx, e)
		}
	})
	b.Run("append_and_flush", func(b *testing.B) {
		l, err := NewAuditLog(db, AuditOptions{Key: auditTestKey, QueueSize: 1 << 16, BatchSize: 256})
		require.NoError(b, err)
		defer l.Close(ctx)
		e := auditEvent(1)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			l.Record(ctx, e)
			if i%1024 == 1023 {
				require.NoError(b, l.Flush(ctx))
			}
		}
		require.NoError(b, l.Flush(ctx))
		require.Zero(b, l.Dropped())
	})
}
