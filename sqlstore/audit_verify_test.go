package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// auditChain writes n events to a fresh table and returns the database,
// the log and the head after them.
func auditChain(t *testing.T, n int) (*sql.DB, *AuditLog, ChainHead) {
	t.Helper()
	ctx := context.Background()
	db := auditTestDB(t)
	l := newAuditLog(t, db, AuditOptions{BatchSize: 4})
	for i := range n {
		l.Record(ctx, auditEvent(i))
	}
	require.NoError(t, l.Flush(ctx))
	rep, err := l.Verify(ctx, VerifyOptions{})
	require.NoError(t, err)
	require.EqualValues(t, n, rep.Rows)
	head, err := l.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, rep.Head, head)
	return db, l, head
}

// tamper runs statements as someone who can write the table but lacks the
// key: with the append-only triggers disabled, as the table's owner can.
func tamper(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck
	_, err = tx.ExecContext(ctx, `ALTER TABLE security_events DISABLE TRIGGER USER`)
	require.NoError(t, err)
	for _, s := range stmts {
		res, err := tx.ExecContext(ctx, s)
		require.NoError(t, err, s)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		require.Positive(t, n, "the statement changed nothing: %s", s)
	}
	_, err = tx.ExecContext(ctx, `ALTER TABLE security_events ENABLE TRIGGER USER`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
}

func requireTamper(t *testing.T, err error, seq int64, kind TamperKind) {
	t.Helper()
	require.ErrorIs(t, err, ErrTampered)
	var te *TamperError
	require.True(t, errors.As(err, &te))
	require.Equal(t, seq, te.Seq, err.Error())
	require.Equal(t, kind, te.Kind, err.Error())
}

// A forged row: row 1 with its type, outcome and actor changed, and a MAC
// made up by someone without the key.
const forged = `INSERT INTO security_events (seq, time, type, severity, outcome, actor, client_ip, user_agent, request_id, method, path, description, source, details, mac)
	SELECT %d, time, 'authn_login_success', severity, 'success', 'user-0', client_ip, user_agent, request_id, method, path, description, source, details, decode(repeat('ab', 32), 'hex')
	FROM security_events WHERE seq = 1`

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	const n = 12
	for _, tc := range []struct {
		name  string
		stmts []string
		seq   int64
		kind  TamperKind
	}{
		{"an edited actor", []string{`UPDATE security_events SET actor = 'someone-else' WHERE seq = 7`}, 7, TamperEdited},
		{"an edited type in the first row", []string{`UPDATE security_events SET type = 'authn_login_success' WHERE seq = 1`}, 1, TamperEdited},
		{"an edited time", []string{`UPDATE security_events SET time = time + interval '1 microsecond' WHERE seq = 3`}, 3, TamperEdited},
		{"an edited detail", []string{`UPDATE security_events SET details = details || '{"reason":"ok"}' WHERE seq = 4`}, 4, TamperEdited},
		{"details replaced by JSON null", []string{`UPDATE security_events SET details = 'null' WHERE seq = 4`}, 4, TamperEdited},
		{"a client address widened to a network", []string{`UPDATE security_events SET client_ip = '203.0.113.7/24' WHERE seq = 6`}, 6, TamperEdited},
		{"a client address removed", []string{`UPDATE security_events SET client_ip = NULL WHERE seq = 6`}, 6, TamperEdited},
		{"a lowered severity", []string{`UPDATE security_events SET severity = 0 WHERE seq = 8`}, 8, TamperEdited},
		{"an edited mac", []string{`UPDATE security_events SET mac = decode(repeat('00', 32), 'hex') WHERE seq = 9`}, 9, TamperEdited},
		{"the last row edited", []string{`UPDATE security_events SET actor = 'x' WHERE seq = 12`}, 12, TamperEdited},
		{"a deleted row", []string{`DELETE FROM security_events WHERE seq = 5`}, 5, TamperDeleted},
		{"the first row deleted", []string{`DELETE FROM security_events WHERE seq = 1`}, 1, TamperDeleted},
		{"deleted rows with the rest renumbered", []string{
			`DELETE FROM security_events WHERE seq IN (5, 6)`,
			`UPDATE security_events SET seq = seq + 1000 WHERE seq > 6`,
			`UPDATE security_events SET seq = seq - 1002 WHERE seq > 1000`,
		}, 5, TamperDeleted},
		{"the tail deleted", []string{`DELETE FROM security_events WHERE seq > 9`}, 10, TamperDeleted},
		{"a row inserted with the rest renumbered", []string{
			`UPDATE security_events SET seq = seq + 1000 WHERE seq >= 5`,
			`UPDATE security_events SET seq = seq - 999 WHERE seq > 1000`,
			fmt.Sprintf(forged, 5),
		}, 5, TamperInserted},
		{"a row appended without the key", []string{fmt.Sprintf(forged, n+1)}, n + 1, TamperInserted},
		{"two rows swapped", []string{
			`UPDATE security_events SET seq = 1000 WHERE seq = 4`,
			`UPDATE security_events SET seq = 4 WHERE seq = 5`,
			`UPDATE security_events SET seq = 5 WHERE seq = 1000`,
		}, 4, TamperReordered},
		{"a row moved back by three", []string{
			`UPDATE security_events SET seq = 1000 WHERE seq = 3`,
			`UPDATE security_events SET seq = seq + 1000 WHERE seq BETWEEN 4 AND 6`,
			`UPDATE security_events SET seq = seq - 1001 WHERE seq BETWEEN 1004 AND 1006`,
			`UPDATE security_events SET seq = 6 WHERE seq = 1000`,
		}, 3, TamperReordered},
	} {
		t.Run(tc.name+" is reported", func(t *testing.T) {
			t.Parallel()
			db, l, _ := auditChain(t, n)
			tamper(t, db, tc.stmts...)
			_, err := l.Verify(context.Background(), VerifyOptions{})
			requireTamper(t, err, tc.seq, tc.kind)
		})
	}
}

func TestVerifyDetectsATruncatedTailOnlyWithAnAnchor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, l, anchor := auditChain(t, 10)
	exported := anchor.String() // kept outside the database
	// The attacker removes the last rows and rolls the head table back to
	// the new last row, whose seq and mac are in plain view.
	tamper(t, db,
		`DELETE FROM security_events WHERE seq > 7`,
		`UPDATE security_events_head SET seq = 7, mac = (SELECT mac FROM security_events WHERE seq = 7)`)
	_, err := l.Verify(ctx, VerifyOptions{})
	require.NoError(t, err, "without an anchor the shortened chain is consistent")
	expected, err := ParseChainHead(exported)
	require.NoError(t, err)
	_, err = l.Verify(ctx, VerifyOptions{Expected: expected})
	requireTamper(t, err, 8, TamperDeleted)
	_, err = VerifySecurityEvents(ctx, db, auditTestKey, VerifyOptions{Expected: expected})
	requireTamper(t, err, 8, TamperDeleted)
}

func TestVerifyAcceptsAnOlderAnchorOfTheSameChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, l, anchor := auditChain(t, 5)
	for i := range 5 {
		l.Record(ctx, auditEvent(100+i))
	}
	require.NoError(t, l.Flush(ctx))
	rep, err := VerifySecurityEvents(ctx, db, auditTestKey, VerifyOptions{Expected: anchor})
	require.NoError(t, err)
	require.EqualValues(t, 10, rep.Rows)

	other := anchor
	other.MAC = append([]byte(nil), anchor.MAC...)
	other.MAC[0] ^= 1
	_, err = l.Verify(ctx, VerifyOptions{Expected: other})
	requireTamper(t, err, 5, TamperEdited)
}

func TestVerifyDetectsAnEditedHead(t *testing.T) {
	t.Parallel()
	db, l, _ := auditChain(t, 5)
	tamper(t, db, `UPDATE security_events_head SET mac = decode(repeat('11', 32), 'hex')`)
	_, err := l.Verify(context.Background(), VerifyOptions{})
	requireTamper(t, err, 5, TamperHeadMismatch)

	db, l, _ = auditChain(t, 5)
	tamper(t, db, `UPDATE security_events_head SET seq = 3, mac = (SELECT mac FROM security_events WHERE seq = 3)`)
	_, err = l.Verify(context.Background(), VerifyOptions{})
	requireTamper(t, err, 4, TamperHeadMismatch)
}

func TestVerifyWithTheWrongKeyFailsAtTheFirstRow(t *testing.T) {
	t.Parallel()
	db, _, _ := auditChain(t, 3)
	_, err := VerifySecurityEvents(context.Background(), db, []byte("another key, also 32 bytes or more"), VerifyOptions{})
	requireTamper(t, err, 1, TamperEdited)
	_, err = VerifySecurityEvents(context.Background(), db, []byte("short"), VerifyOptions{})
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrTampered)
}

func TestVerifyAnEmptyChain(t *testing.T) {
	t.Parallel()
	db := auditTestDB(t)
	rep, err := VerifySecurityEvents(context.Background(), db, auditTestKey, VerifyOptions{})
	require.NoError(t, err)
	require.Zero(t, rep.Rows)
	_, err = VerifySecurityEvents(context.Background(), db, auditTestKey, VerifyOptions{Expected: ChainHead{Seq: 1, MAC: make([]byte, 32)}})
	requireTamper(t, err, 1, TamperDeleted)
}

func TestVerifyReadsLongChainsPageByPage(t *testing.T) {
	t.Parallel()
	db, l, _ := auditChain(t, 2500)
	tamper(t, db, `UPDATE security_events SET actor = 'x' WHERE seq = 2222`)
	_, err := l.Verify(context.Background(), VerifyOptions{})
	requireTamper(t, err, 2222, TamperEdited)
}

func TestParseChainHead(t *testing.T) {
	t.Parallel()
	h := ChainHead{Seq: 42, MAC: make([]byte, 32)}
	h.MAC[31] = 7
	got, err := ParseChainHead(h.String())
	require.NoError(t, err)
	require.Equal(t, h, got)
	for _, bad := range []string{"", "42", "x:00", "-1:" + h.String()[3:], "42:zz", "42:0011"} {
		_, err := ParseChainHead(bad)
		require.Error(t, err, bad)
	}
}

// Verify reads one snapshot, so it passes while other processes append.
func TestVerifyWhileWritersAppend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := auditTestDB(t)
	writer := newAuditLog(t, auditSameSchema(t, db), AuditOptions{BatchSize: 3, FlushInterval: time.Millisecond})
	reader := newAuditLog(t, db, AuditOptions{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			writer.Record(ctx, auditEvent(i))
			if i%20 == 19 {
				_ = writer.Flush(ctx)
			}
		}
	}()
	var last int64
	for range 15 {
		rep, err := reader.Verify(ctx, VerifyOptions{})
		require.NoError(t, err)
		require.GreaterOrEqual(t, rep.Rows, last)
		last = rep.Rows
	}
	close(stop)
	<-done
	require.NoError(t, writer.Close(ctx))
	rep, err := reader.Verify(ctx, VerifyOptions{})
	require.NoError(t, err)
	require.EqualValues(t, writer.Written(), rep.Rows)
	require.Positive(t, rep.Rows)
}
