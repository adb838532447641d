package sqlstore

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ChainHead names the last row of the security_events chain: its sequence
// number and MAC. Export it regularly to a place the database's users
// cannot write (a separate log, object storage with retention locks, a
// SIEM) and pass the latest copy to Verify: a tail deleted below it is then
// detected too, even if the head table was rolled back with it.
type ChainHead struct {
	Seq int64
	MAC []byte
}

// String returns "seq:hexmac", the form ParseChainHead reads.
func (h ChainHead) String() string {
	return strconv.FormatInt(h.Seq, 10) + ":" + hex.EncodeToString(h.MAC)
}

// ParseChainHead parses the String form of a ChainHead.
func ParseChainHead(s string) (ChainHead, error) {
	seq, mac, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 0 {
		return ChainHead{}, errors.New("sqlstore: chain head must be seq:hexmac")
	}
	m, err := hex.DecodeString(mac)
	if err != nil || len(m) != 32 {
		return ChainHead{}, errors.New("sqlstore: chain head must be seq:hexmac with a 32-byte mac")
	}
	return ChainHead{Seq: n, MAC: m}, nil
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Expected is a head exported earlier and kept outside the database.
	// Verify fails unless the chain still holds that row with that MAC.
	// Zero: only the head table is checked.
	Expected ChainHead
}

// VerifyReport describes a verified chain.
type VerifyReport struct {
	Rows int64     // rows verified
	Head ChainHead // the last row
}

// TamperKind says how a chain was changed, as far as Verify can tell.
type TamperKind string

// Kinds of tampering.
const (
	TamperEdited       TamperKind = "edited"        // the row's content (or MAC) was changed
	TamperInserted     TamperKind = "inserted"      // a row that was never recorded appears here
	TamperDeleted      TamperKind = "deleted"       // rows from here on were removed (a gap, or renumbered)
	TamperReordered    TamperKind = "reordered"     // a genuine row sits at another position
	TamperHeadMismatch TamperKind = "head_mismatch" // security_events_head disagrees with the rows
)

// ErrTampered is matched (errors.Is) by every TamperError.
var ErrTampered = errors.New("sqlstore: security events tampered with")

// TamperError reports the first position at which the chain breaks. Seq is
// exact; Kind is the best explanation found by looking at up to 64 rows
// from there on (a row moved farther is reported as edited or inserted).
type TamperError struct {
	Seq    int64
	Kind   TamperKind
	Detail string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("sqlstore: security events tampered with at seq %d: %s (%s)", e.Seq, e.Kind, e.Detail)
}

// Unwrap returns ErrTampered.
func (e *TamperError) Unwrap() error { return ErrTampered }

// Head returns the chain's current head from security_events_head.
func (l *AuditLog) Head(ctx context.Context) (ChainHead, error) {
	var h ChainHead
	if err := l.db.QueryRowContext(ctx, `SELECT seq, mac FROM security_events_head WHERE id`).Scan(&h.Seq, &h.MAC); err != nil {
		return ChainHead{}, fmt.Errorf("sqlstore: reading the chain head: %w", err)
	}
	return h, nil
}

// Verify checks the whole chain; see VerifySecurityEvents.
func (l *AuditLog) Verify(ctx context.Context, opts VerifyOptions) (VerifyReport, error) {
	return verifyChain(ctx, l.db, l.key, opts)
}

// VerifySecurityEvents checks the security_events chain with key (the
// AuditOptions.Key it was written with), reading it in one consistent
// snapshot, page by page in bounded memory. It returns a *TamperError
// (errors.Is ErrTampered) for the first row that was edited, inserted,
// deleted or moved, or when the head table or opts.Expected disagree with
// the rows; other errors are database errors.
func VerifySecurityEvents(ctx context.Context, db *sql.DB, key []byte, opts VerifyOptions) (VerifyReport, error) {
	if len(key) < MinAuditKeyLen {
		return VerifyReport{}, fmt.Errorf("sqlstore: audit key must be at least %d bytes", MinAuditKeyLen)
	}
	return verifyChain(ctx, db, auditDeriveKey(key), opts)
}

const (
	auditVerifyPage   = 1000
	auditVerifyWindow = 64
)

func verifyChain(ctx context.Context, db *sql.DB, key []byte, opts VerifyOptions) (VerifyReport, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return VerifyReport{}, fmt.Errorf("sqlstore: verify: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var head ChainHead
	if err := tx.QueryRowContext(ctx, `SELECT seq, mac FROM security_events_head WHERE id`).Scan(&head.Seq, &head.MAC); err != nil {
		return VerifyReport{}, fmt.Errorf("sqlstore: verify: reading the chain head: %w", err)
	}
	v := &verifier{tx: tx, key: key, head: head, prev: make([]byte, 32), next: 1}
	after := int64(0)
	for {
		page, err := v.rows(ctx, `SELECT `+auditColumns+` FROM security_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, auditVerifyPage)
		if err != nil {
			return VerifyReport{}, err
		}
		for i := range page {
			if err := v.check(ctx, &page[i], opts.Expected); err != nil {
				return VerifyReport{}, err
			}
			after = page[i].seq
		}
		if len(page) < auditVerifyPage {
			break
		}
	}
	last := v.next - 1
	switch {
	case head.Seq > last:
		return VerifyReport{}, &TamperError{Seq: last + 1, Kind: TamperDeleted, Detail: fmt.Sprintf("the chain ends at %d but its head says %d", last, head.Seq)}
	case head.Seq < last:
		return VerifyReport{}, &TamperError{Seq: head.Seq + 1, Kind: TamperHeadMismatch, Detail: fmt.Sprintf("rows up to %d verify but the head says %d", last, head.Seq)}
	case !hmac.Equal(head.MAC, v.prev):
		return VerifyReport{}, &TamperError{Seq: last, Kind: TamperHeadMismatch, Detail: "the head's mac is not the last row's"}
	case opts.Expected.Seq > last:
		return VerifyReport{}, &TamperError{Seq: last + 1, Kind: TamperDeleted, Detail: fmt.Sprintf("the chain ends at %d but the expected head is %d", last, opts.Expected.Seq)}
	}
	return VerifyReport{Rows: last, Head: ChainHead{Seq: last, MAC: v.prev}}, nil
}

type verifier struct {
	tx      *sql.Tx
	key     []byte
	head    ChainHead
	prev    []byte // mac of the last verified row
	next    int64  // seq the next row must have, from 1
	scratch []byte
}

func (v *verifier) rows(ctx context.Context, q string, args ...any) ([]auditRow, error) {
	rows, err := v.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: verify: %w", err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		r, err := auditScan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: verify: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: verify: %w", err)
	}
	return out, nil
}

// valid reports whether r's MAC is right for position seq after prev.
func (v *verifier) valid(r *auditRow, seq int64, prev []byte) bool {
	if r.bad || len(r.mac) != 32 {
		return false
	}
	return hmac.Equal(auditMAC(v.key, seq, prev, &r.ev, v.scratch), r.mac)
}

func (v *verifier) check(ctx context.Context, r *auditRow, expected ChainHead) error {
	if r.seq != v.next {
		return &TamperError{Seq: v.next, Kind: TamperDeleted, Detail: fmt.Sprintf("rows %d to %d are missing", v.next, r.seq-1)}
	}
	if !v.valid(r, r.seq, v.prev) {
		kind, detail, err := v.classify(ctx, r.seq)
		if err != nil {
			return err
		}
		return &TamperError{Seq: r.seq, Kind: kind, Detail: detail}
	}
	if expected.Seq == r.seq && !hmac.Equal(expected.MAC, r.mac) {
		return &TamperError{Seq: r.seq, Kind: TamperEdited, Detail: "the row verifies but differs from the expected head: the chain was rewritten with the key, or the head belongs to another chain"}
	}
	v.prev = r.mac
	v.next++
	return nil
}

// classify explains why the row at seq s does not verify after v.prev, by
// looking at the rows from s on.
func (v *verifier) classify(ctx context.Context, s int64) (TamperKind, string, error) {
	if s > v.head.Seq {
		return TamperInserted, "the row lies beyond the chain head", nil
	}
	w, err := v.rows(ctx, `SELECT `+auditColumns+` FROM security_events WHERE seq >= $1 ORDER BY seq LIMIT $2`, s, auditVerifyWindow)
	if err != nil {
		return "", "", err
	}
	// A genuine row whose predecessor is nearby, at the wrong place.
	for j := 1; j < len(w); j++ {
		for t := s; t <= s+int64(len(w)); t++ {
			if t != s && v.valid(&w[0], t, w[j].mac) {
				return TamperReordered, fmt.Sprintf("the row was recorded as %d", t), nil
			}
		}
	}
	// The genuine row s is further down: rows were put in front of it.
	for j := 1; j < len(w); j++ {
		if v.valid(&w[j], s, v.prev) {
			return TamperInserted, fmt.Sprintf("%d row(s) inserted before the genuine row %d", j, s), nil
		}
	}
	// The chain goes on from this row's MAC: its content changed, or rows
	// before it were removed and the rest renumbered.
	if len(w) > 1 {
		for d := int64(0); d <= auditVerifyWindow; d++ {
			if v.valid(&w[1], s+1+d, w[0].mac) {
				if d == 0 {
					return TamperEdited, "the content no longer matches its mac", nil
				}
				return TamperDeleted, fmt.Sprintf("%d row(s) removed here and the rest renumbered", d), nil
			}
		}
	}
	return TamperEdited, "the row does not verify", nil
}
