package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Audit log defaults.
const (
	DefaultAuditQueueSize     = 4096
	DefaultAuditBatchSize     = 256
	DefaultAuditFlushInterval = time.Second
	DefaultAuditWriteTimeout  = 5 * time.Second
	auditMaxBatchSize         = 1000
	auditWriteAttempts        = 3
)

// MinAuditKeyLen is the shortest accepted AuditOptions.Key, in bytes.
const MinAuditKeyLen = 32

// AuditOptions configures an AuditLog. Key is required.
type AuditOptions struct {
	// Key is the secret the MAC chain is computed with, at least
	// MinAuditKeyLen bytes. Keep it out of the database (a secret file, a
	// KMS): whoever holds it can rewrite history undetectably. Required.
	Key []byte
	// QueueSize bounds the events waiting to be written. When full, Record
	// drops events and counts them (Dropped) instead of blocking the
	// request. Default DefaultAuditQueueSize.
	QueueSize int
	// BatchSize is how many events one transaction appends at most
	// (1 to 1000). Default DefaultAuditBatchSize.
	BatchSize int
	// FlushInterval is the longest an event waits in the queue. Default
	// DefaultAuditFlushInterval.
	FlushInterval time.Duration
	// WriteTimeout bounds one batch's transaction. Default
	// DefaultAuditWriteTimeout.
	WriteTimeout time.Duration
}

// AuditLog records security events in the security_events table (see
// Migrate) and reads them back. It implements audit.Recorder and
// audit.Querier.
//
// Record never blocks: events are queued and a goroutine appends them in
// batches, one transaction per batch, retrying a failed batch twice before
// dropping it (Failed). Each row gets the next sequence number and a MAC
// chained over the previous row's (see Verify), under a row lock on
// security_events_head, so that any number of AuditLogs, in any number of
// processes, append to one gapless chain. Close drains the queue.
//
// An AuditLog is safe for concurrent use.
type AuditLog struct {
	db      *sql.DB
	key     []byte // derived MAC key
	queue   chan audit.Event
	batch   int
	every   time.Duration
	timeout time.Duration

	mu       sync.RWMutex // Record holds it for reading, Close for writing
	closed   bool
	flushReq chan chan error
	stop     chan struct{}
	done     chan struct{}

	dropped atomic.Uint64
	failed  atomic.Uint64
	written atomic.Uint64
}

// NewAuditLog starts an AuditLog on db. Run Migrate first; call Close
// when done.
func NewAuditLog(db *sql.DB, opts AuditOptions) (*AuditLog, error) {
	if db == nil {
		return nil, errors.New("sqlstore: audit log needs a database")
	}
	if len(opts.Key) < MinAuditKeyLen {
		return nil, fmt.Errorf("sqlstore: audit key must be at least %d bytes", MinAuditKeyLen)
	}
	if opts.QueueSize < 0 || opts.BatchSize < 0 || opts.BatchSize > auditMaxBatchSize || opts.FlushInterval < 0 || opts.WriteTimeout < 0 {
		return nil, fmt.Errorf("sqlstore: invalid audit options (sizes and durations must not be negative, BatchSize at most %d)", auditMaxBatchSize)
	}
	l := &AuditLog{
		db:       db,
		key:      auditDeriveKey(opts.Key),
		batch:    opts.BatchSize,
		every:    opts.FlushInterval,
		timeout:  opts.WriteTimeout,
		flushReq: make(chan chan error),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	size := opts.QueueSize
	if size == 0 {
		size = DefaultAuditQueueSize
	}
	if l.batch == 0 {
		l.batch = DefaultAuditBatchSize
	}
	if l.every == 0 {
		l.every = DefaultAuditFlushInterval
	}
	if l.timeout == 0 {
		l.timeout = DefaultAuditWriteTimeout
	}
	l.queue = make(chan audit.Event, size)
	go l.run()
	return l, nil
}

// Record queues e for writing without blocking. An event without a time
// gets the current one. After Close, or when the queue is full, the event
// is dropped and counted. The event's Details map must not be changed
// afterwards.
func (l *AuditLog) Record(_ context.Context, e audit.Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return
	}
	select {
	case l.queue <- e:
	default:
		l.dropped.Add(1)
	}
}

// Dropped returns how many events were not queued: the queue was full or
// the log closed.
func (l *AuditLog) Dropped() uint64 { return l.dropped.Load() }

// Failed returns how many queued events were lost because their batch
// could not be written.
func (l *AuditLog) Failed() uint64 { return l.failed.Load() }

// Written returns how many events this AuditLog appended.
func (l *AuditLog) Written() uint64 { return l.written.Load() }

// Flush writes every event queued so far, and returns the first write
// error, or ctx's error if it ends first.
func (l *AuditLog) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case l.flushReq <- reply:
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, writes those queued, and waits for the
// goroutine to finish or ctx to end. It is safe to call more than once.
func (l *AuditLog) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *AuditLog) run() {
	defer close(l.done)
	t := time.NewTicker(l.every)
	defer t.Stop()
	pending := make([]audit.Event, 0, l.batch)
	for {
		select {
		case e := <-l.queue:
			pending = append(pending, e)
			if len(pending) >= l.batch {
				l.write(pending)
				pending = pending[:0]
			}
		case <-t.C:
			if len(pending) > 0 {
				l.write(pending)
				pending = pending[:0]
			}
		case reply := <-l.flushReq:
			reply <- l.drain(pending)
			pending = pending[:0]
		case <-l.stop:
			// Record no longer queues (closed is set under the lock).
			_ = l.drain(pending)
			return
		}
	}
}

// drain writes pending and everything queued now, in batches.
func (l *AuditLog) drain(pending []audit.Event) error {
	var first error
	for {
		for len(pending) < l.batch {
			select {
			case e := <-l.queue:
				pending = append(pending, e)
				continue
			default:
			}
			break
		}
		if len(pending) == 0 {
			return first
		}
		if err := l.write(pending); err != nil && first == nil {
			first = err
		}
		pending = pending[:0]
	}
}

// write appends one batch, with retries. It returns the last error when
// the batch was dropped.
func (l *AuditLog) write(events []audit.Event) error {
	now := time.Now()
	rows := make([]audit.Event, len(events))
	for i, e := range events {
		rows[i] = auditNormalize(e, now)
	}
	var err error
	for attempt := range auditWriteAttempts {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			case <-l.stop:
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		err = l.append(ctx, rows)
		cancel()
		if err == nil {
			l.written.Add(uint64(len(rows)))
			return nil
		}
	}
	l.failed.Add(uint64(len(rows)))
	return fmt.Errorf("sqlstore: writing security events: %w", err)
}

// append writes rows as the next links of the chain in one transaction.
func (l *AuditLog) append(ctx context.Context, rows []audit.Event) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var seq int64
	var prev []byte
	// The row lock serializes appenders, here and in other processes; in
	// READ COMMITTED, a waiter reads the head as its holder committed it.
	if err := tx.QueryRowContext(ctx, `SELECT seq, mac FROM security_events_head WHERE id FOR UPDATE`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("reading the chain head (did Migrate run?): %w", err)
	}
	n := len(rows)
	var (
		seqs                                       = make([]int64, n)
		times                                      = make([]time.Time, n)
		types, outcomes, actors, ips, uas, rids    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		methods, paths, descs, sources, detailJSON = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sevs                                       = make([]int16, n)
		macs                                       = make([][]byte, n)
		scratch                                    []byte
	)
	for i := range rows {
		e := &rows[i]
		seq++
		scratch = auditCanonical(scratch[:0], seq, prev, e)
		prev = auditMAC(l.key, seq, prev, e, scratch)
		d, err := json.Marshal(e.Details)
		if err != nil {
			return err
		}
		if e.Details == nil {
			d = []byte("{}")
		}
		seqs[i], times[i], types[i], sevs[i] = seq, e.Time, string(e.Type), int16(e.Severity)
		outcomes[i], actors[i], uas[i], rids[i] = string(e.Outcome), e.Actor, e.UserAgent, e.RequestID
		methods[i], paths[i], descs[i], sources[i] = e.Method, e.Path, e.Description, e.Source
		detailJSON[i], macs[i] = string(d), prev
		if e.ClientIP.IsValid() {
			ips[i] = e.ClientIP.String()
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO security_events
		(seq, time, type, severity, outcome, actor, client_ip, user_agent, request_id, method, path, description, source, details, mac)
		SELECT seq, t, ty, sev, oc, ac, NULLIF(ip, '')::inet, ua, rid, me, pa, de, so, d::jsonb, mac
		FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bytea[])
			AS u(seq, t, ty, sev, oc, ac, ip, ua, rid, me, pa, de, so, d, mac)`,
		seqs, times, types, sevs, outcomes, actors, ips, uas, rids, methods, paths, descs, sources, detailJSON, macs); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE security_events_head SET seq = $1, mac = $2 WHERE id`, seq, prev); err != nil {
		return err
	}
	return tx.Commit()
}

var (
	_ audit.Recorder = (*AuditLog)(nil)
	_ audit.Querier  = (*AuditLog)(nil)
)
