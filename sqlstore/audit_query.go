package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gatehouse-go/gatehouse/audit"
)

const auditColumns = `seq, time, type, severity, outcome, actor, COALESCE(client_ip::text, ''),
	user_agent, request_id, method, path, description, source, details::text, mac`

// auditRow is one stored row as read back.
type auditRow struct {
	seq int64
	ev  audit.Event
	mac []byte
	bad bool // a column could not be decoded: the row was edited
}

type auditScanner interface{ Scan(dest ...any) error }

func auditScan(s auditScanner) (auditRow, error) {
	var (
		r       auditRow
		typ     string
		sev     int64
		outcome string
		ip      string
		details string
	)
	err := s.Scan(&r.seq, &r.ev.Time, &typ, &sev, &outcome, &r.ev.Actor, &ip,
		&r.ev.UserAgent, &r.ev.RequestID, &r.ev.Method, &r.ev.Path, &r.ev.Description, &r.ev.Source, &details, &r.mac)
	if err != nil {
		return r, err
	}
	r.ev.Time = r.ev.Time.UTC()
	r.ev.Type, r.ev.Outcome = audit.Type(typ), audit.Outcome(outcome)
	if sev < 0 || sev > int64(audit.SeverityCritical) {
		r.bad = true
		sev = int64(audit.SeverityCritical)
	}
	r.ev.Severity = audit.Severity(sev)
	if ip != "" {
		// inet's text cast always carries the mask: a single address is
		// /32 or /128; anything else was not written by AuditLog.
		p, err := netip.ParsePrefix(ip)
		if err != nil || p.Bits() != p.Addr().BitLen() {
			r.bad = true
		}
		r.ev.ClientIP = p.Addr()
	}
	if !strings.HasPrefix(details, "{") {
		r.bad = true // null, an array, a string: not what was written
	} else if details != "{}" {
		if err := json.Unmarshal([]byte(details), &r.ev.Details); err != nil {
			r.bad = true
			r.ev.Details = nil
		}
	}
	return r, nil
}

// Query implements audit.Querier: the most recent events (by sequence,
// newest first) that match f, at most f.EffectiveLimit(). Events still in
// the queue are not seen; Flush first when that matters.
func (l *AuditLog) Query(ctx context.Context, f audit.Filter) ([]audit.Event, error) {
	return QuerySecurityEvents(ctx, l.db, f)
}

// QuerySecurityEvents is AuditLog.Query for code without an AuditLog (an
// admin tool reading another service's log).
func QuerySecurityEvents(ctx context.Context, db *sql.DB, f audit.Filter) ([]audit.Event, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Types) > 0 {
		types := make([]string, len(f.Types))
		for i, t := range f.Types {
			types[i] = string(t)
		}
		where = append(where, "type = ANY("+arg(types)+"::text[])")
	}
	if f.MinSeverity > 0 {
		where = append(where, "severity >= "+arg(int16(min(f.MinSeverity, audit.SeverityCritical))))
	}
	if f.Actor != "" {
		where = append(where, "actor = "+arg(f.Actor))
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= "+arg(f.Since))
	}
	q := `SELECT ` + auditColumns + ` FROM security_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT " + arg(f.EffectiveLimit())
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: querying security events: %w", err)
	}
	defer rows.Close()
	out := []audit.Event{}
	for rows.Next() {
		r, err := auditScan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: querying security events: %w", err)
		}
		out = append(out, r.ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: querying security events: %w", err)
	}
	return out, nil
}
