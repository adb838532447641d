package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/sqlstore/sqltest"
	"github.com/stretchr/testify/require"
)

var auditTestKey = []byte("an audit chain key of 32 bytes or more")

// auditTestDB returns a migrated database in a fresh schema.
func auditTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db := testDB(t)
	require.NoError(t, Migrate(context.Background(), db))
	return db
}

// auditSameSchema opens another pool on db's schema, as another process
// would.
func auditSameSchema(t *testing.T, db *sql.DB) *sql.DB {
	t.Helper()
	var schema string
	require.NoError(t, db.QueryRowContext(context.Background(), "SELECT current_schema()").Scan(&schema))
	u, err := url.Parse(os.Getenv(sqltest.EnvVar))
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	other, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	return other
}

func newAuditLog(t *testing.T, db *sql.DB, opts AuditOptions) *AuditLog {
	t.Helper()
	if opts.Key == nil {
		opts.Key = auditTestKey
	}
	l, err := NewAuditLog(db, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

func auditEvent(i int) audit.Event {
	return audit.Event{
		Time:        time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Second),
		Type:        audit.AuthnLoginFail,
		Severity:    audit.SeverityWarn,
		Outcome:     audit.OutcomeFailure,
		Actor:       fmt.Sprintf("user-%d", i%3),
		ClientIP:    netip.MustParseAddr("203.0.113.7"),
		UserAgent:   "curl/8.0",
		RequestID:   fmt.Sprintf("req-%d", i),
		Method:      "POST",
		Path:        "/login",
		Description: "bad password",
		Source:      "password",
		Details:     map[string]string{"reason": "bad_password", "n": fmt.Sprint(i)},
	}
}

func TestAuditLogRoundTripsEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{})
	e := auditEvent(1)
	e.ClientIP = netip.MustParseAddr("2001:db8::1")
	l.Record(ctx, e)
	bare := audit.Event{Type: audit.SysStartup}
	l.Record(ctx, bare)
	require.NoError(t, l.Flush(ctx))
	got, err := l.Query(ctx, audit.Filter{})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, audit.SysStartup, got[0].Type, "newest first")
	require.False(t, got[0].Time.IsZero(), "Record stamps events without a time")
	require.False(t, got[0].ClientIP.IsValid())
	require.Nil(t, got[0].Details)
	require.Equal(t, e, got[1])
	require.EqualValues(t, 2, l.Written())
}

func TestAuditLogNormalizesWhatTheDatabaseCannotHold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{})
	details := map[string]string{"nul\x00name": "a\x00b", "bad": "\xff\xfe"}
	for i := range 50 {
		details[fmt.Sprintf("k%02d", i)] = strings.Repeat("v", 5000)
	}
	l.Record(ctx, audit.Event{
		Time:        time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC), // beyond what is stored: replaced by now
		Type:        "weird\x00type",
		Severity:    audit.Severity(200),
		Actor:       "line\nbreak",
		ClientIP:    netip.MustParseAddr("fe80::1%eth0"),
		Description: "\xc3\x28 invalid utf-8",
		Path:        strings.Repeat("/x", 1000),
		Details:     details,
	})
	mapped := auditEvent(2)
	mapped.ClientIP = netip.MustParseAddr("::ffff:192.0.2.1")
	l.Record(ctx, mapped)
	require.NoError(t, l.Flush(ctx))
	require.Zero(t, l.Failed())
	got, err := l.Query(ctx, audit.Filter{Limit: 10})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "192.0.2.1", got[0].ClientIP.String(), "mapped addresses are stored as IPv4")
	w := got[1]
	require.NotContains(t, string(w.Type)+w.Actor+w.Description, "\x00")
	require.NotContains(t, w.Actor, "\n")
	require.Equal(t, audit.SeverityCritical, w.Severity)
	require.Equal(t, "fe80::1", w.ClientIP.String())
	require.Len(t, w.Details, auditMaxDetails)
	require.LessOrEqual(t, len(w.Path), auditMaxPath)
	require.WithinDuration(t, time.Now(), w.Time, time.Minute)
	_, err = l.Verify(ctx, VerifyOptions{})
	require.NoError(t, err, "what was stored is what was MACed")
}

func TestAuditLogQueryFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{})
	for i := range 30 {
		e := auditEvent(i)
		if i%10 == 0 {
			e.Type, e.Severity = audit.AuthnTokenReuse, audit.SeverityCritical
		}
		l.Record(ctx, e)
	}
	require.NoError(t, l.Flush(ctx))
	base := auditEvent(0).Time
	for _, tc := range []struct {
		name string
		f    audit.Filter
		want []string // request ids, newest first
	}{
		{"by type", audit.Filter{Types: []audit.Type{audit.AuthnTokenReuse}}, []string{"req-20", "req-10", "req-0"}},
		{"by severity", audit.Filter{MinSeverity: audit.SeverityCritical}, []string{"req-20", "req-10", "req-0"}},
		{"by actor and limit", audit.Filter{Actor: "user-1", Limit: 2}, []string{"req-28", "req-25"}},
		{"since a time", audit.Filter{Since: base.Add(27 * time.Second)}, []string{"req-29", "req-28", "req-27"}},
		{"several conditions together", audit.Filter{Types: []audit.Type{audit.AuthnLoginFail, "other"}, Actor: "user-2", Since: base.Add(20 * time.Second)}, []string{"req-29", "req-26", "req-23"}},
		{"an actor that looks like SQL", audit.Filter{Actor: "' OR '1'='1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.Query(ctx, tc.f)
			require.NoError(t, err)
			var ids []string
			for _, e := range got {
				ids = append(ids, e.RequestID)
			}
			require.Equal(t, tc.want, ids)
		})
	}
	all, err := QuerySecurityEvents(ctx, db, audit.Filter{Limit: 5000})
	require.NoError(t, err)
	require.Len(t, all, 30)
}

func TestAuditLogNeverBlocksRecordAndCountsDrops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{QueueSize: 4, BatchSize: 1, FlushInterval: time.Millisecond})

	// Another transaction holds the chain head: the writer waits on it.
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `SELECT 1 FROM security_events_head FOR UPDATE`)
	require.NoError(t, err)

	start := time.Now()
	for i := range 100 {
		l.Record(ctx, auditEvent(i))
	}
	require.Less(t, time.Since(start), 5*time.Second, "Record did not wait for the database")
	require.NoError(t, tx.Rollback())
	require.NoError(t, l.Close(ctx))
	require.Positive(t, l.Dropped())
	require.EqualValues(t, 100, l.Dropped()+l.Written()+l.Failed())
	l.Record(ctx, auditEvent(0))
	require.EqualValues(t, 101, l.Dropped()+l.Written()+l.Failed(), "events after Close are dropped")
	_, err = l.Verify(ctx, VerifyOptions{})
	require.NoError(t, err)
}

func TestAuditLogCloseWritesWhatIsQueued(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{FlushInterval: time.Hour, BatchSize: 1000})
	for i := range 50 {
		l.Record(ctx, auditEvent(i))
	}
	got, err := l.Query(ctx, audit.Filter{})
	require.NoError(t, err)
	require.Empty(t, got, "nothing written before the interval")
	require.NoError(t, l.Close(ctx))
	require.NoError(t, l.Close(ctx), "Close twice is fine")
	require.NoError(t, l.Flush(ctx), "Flush after Close is a no-op")
	got, err = l.Query(ctx, audit.Filter{})
	require.NoError(t, err)
	require.Len(t, got, 50)
}

// Several AuditLogs on separate pools, as several processes would be,
// append concurrently to one chain that stays gapless and verifies.
func TestConcurrentWritersKeepOneGaplessChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	const writers, goroutines, each = 3, 4, 60
	var logs []*AuditLog
	for i := range writers {
		pool := db
		if i > 0 {
			pool = auditSameSchema(t, db)
		}
		logs = append(logs, newAuditLog(t, pool, AuditOptions{BatchSize: 7, FlushInterval: time.Millisecond}))
	}
	var wg sync.WaitGroup
	for _, l := range logs {
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					l.Record(ctx, auditEvent(g*each+i))
				}
			}()
		}
	}
	wg.Wait()
	var written uint64
	for _, l := range logs {
		require.NoError(t, l.Close(ctx))
		require.Zero(t, l.Dropped())
		require.Zero(t, l.Failed())
		written += l.Written()
	}
	require.EqualValues(t, writers*goroutines*each, written)
	rep, err := logs[0].Verify(ctx, VerifyOptions{})
	require.NoError(t, err)
	require.EqualValues(t, written, rep.Rows)
	var minSeq, maxSeq, n int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT min(seq), max(seq), count(*) FROM security_events`).Scan(&minSeq, &maxSeq, &n))
	require.Equal(t, []int64{1, n, int64(written)}, []int64{minSeq, maxSeq, n}, "sequence numbers 1..n without gaps")
	head, err := logs[1].Head(ctx)
	require.NoError(t, err)
	require.Equal(t, rep.Head, head)
}

func TestTheTableIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{})
	l.Record(ctx, auditEvent(1))
	require.NoError(t, l.Flush(ctx))
	_, err := db.ExecContext(ctx, `UPDATE security_events SET actor = 'someone else'`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.ExecContext(ctx, `DELETE FROM security_events`)
	require.ErrorContains(t, err, "append-only")
	_, err = db.ExecContext(ctx, `TRUNCATE security_events`)
	require.ErrorContains(t, err, "append-only")
}

func TestNewAuditLogValidatesOptions(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none")
	require.NoError(t, err)
	defer db.Close()
	for _, opts := range []AuditOptions{
		{},
		{Key: []byte("short")},
		{Key: auditTestKey, BatchSize: 5000},
		{Key: auditTestKey, QueueSize: -1},
		{Key: auditTestKey, FlushInterval: -time.Second},
	} {
		_, err := NewAuditLog(db, opts)
		require.Error(t, err)
	}
	_, err = NewAuditLog(nil, AuditOptions{Key: auditTestKey})
	require.Error(t, err)
}

func TestAuditLogSurvivesAnUnreachableDatabase(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("pgx", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	require.NoError(t, err)
	defer db.Close()
	l, err := NewAuditLog(db, AuditOptions{Key: auditTestKey, WriteTimeout: time.Second})
	require.NoError(t, err)
	l.Record(context.Background(), auditEvent(1))
	require.Error(t, l.Flush(context.Background()))
	require.NoError(t, l.Close(context.Background()))
	require.EqualValues(t, 1, l.Failed())
}
