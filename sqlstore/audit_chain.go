package sqlstore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
)

// The chain
//
// Row n carries mac_n = HMAC-SHA256(k, canonical(n, mac_{n-1}, row_n)),
// with mac_0 = 32 zero bytes and k = HMAC-SHA256(Key, auditKeyLabel), a key
// derived from AuditOptions.Key so that a key shared with other uses never
// MACs the same messages.
//
// canonical is, in order: the label auditChainV1; seq as 8 bytes big
// endian; the previous mac (32 bytes); time in Unix microseconds (8 bytes,
// two's complement); type; severity (1 byte); outcome; actor; client IP
// (1 byte 0 for none, or 4 and 4 bytes, or 6 and 16 bytes); user agent;
// request id; method; path; description; source; the number of details
// (4 bytes) and each detail's name and value, sorted by name. Every string
// is its length (4 bytes big endian) and its UTF-8 bytes, so no two rows
// encode alike.
const (
	auditChainV1  = "gatehouse/security_events/v1\x00"
	auditKeyLabel = "gatehouse/sqlstore/security_events/mac-key/v1"
)

// Bounds on what one row keeps; longer values are cut (see audit.Clean).
const (
	auditMaxType        = 64
	auditMaxOutcome     = 32
	auditMaxActor       = 256
	auditMaxUserAgent   = 256
	auditMaxRequestID   = 64
	auditMaxMethod      = 16
	auditMaxPath        = 256
	auditMaxDescription = 1024
	auditMaxSource      = 64
	auditMaxDetails     = 32
	auditMaxDetailName  = 64
	auditMaxDetailValue = 1024
)

// auditDeriveKey derives the chain's MAC key from the configured key.
func auditDeriveKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(auditKeyLabel))
	return m.Sum(nil)
}

// auditNormalize makes an event storable exactly as it will be read back:
// UTC time with microsecond precision (zero or out-of-range times become
// now), every string cleaned of control characters and invalid UTF-8 and
// bounded (PostgreSQL text cannot hold NUL, JSON cannot hold invalid
// UTF-8), severity at most critical, the client IP unmapped and without
// zone, at most auditMaxDetails details (the first by name).
func auditNormalize(e audit.Event, now time.Time) audit.Event {
	if e.Time.IsZero() || e.Time.Year() < 1 || e.Time.Year() > 9999 {
		e.Time = now
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.Type = audit.Type(audit.Clean(string(e.Type), auditMaxType))
	if e.Severity > audit.SeverityCritical {
		e.Severity = audit.SeverityCritical
	}
	e.Outcome = audit.Outcome(audit.Clean(string(e.Outcome), auditMaxOutcome))
	e.Actor = audit.Clean(e.Actor, auditMaxActor)
	if e.ClientIP.IsValid() {
		e.ClientIP = e.ClientIP.Unmap().WithZone("")
	}
	e.UserAgent = audit.Clean(e.UserAgent, auditMaxUserAgent)
	e.RequestID = audit.Clean(e.RequestID, auditMaxRequestID)
	e.Method = audit.Clean(e.Method, auditMaxMethod)
	e.Path = audit.Clean(e.Path, auditMaxPath)
	e.Description = audit.Clean(e.Description, auditMaxDescription)
	e.Source = audit.Clean(e.Source, auditMaxSource)
	if len(e.Details) > 0 {
		names := make([]string, 0, len(e.Details))
		for n := range e.Details {
			names = append(names, n)
		}
		slices.Sort(names)
		d := make(map[string]string, min(len(names), auditMaxDetails))
		for _, n := range names {
			if len(d) == auditMaxDetails {
				break
			}
			// Cleaning may map two names to one; the first (sorted) wins.
			cn := audit.Clean(n, auditMaxDetailName)
			if _, dup := d[cn]; !dup {
				d[cn] = audit.Clean(e.Details[n], auditMaxDetailValue)
			}
		}
		e.Details = d
	} else {
		e.Details = nil
	}
	return e
}

// auditCanonical appends the canonical encoding of a row to b.
func auditCanonical(b []byte, seq int64, prev []byte, e *audit.Event) []byte {
	str := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = append(b, auditChainV1...)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	b = append(b, prev...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	str(string(e.Type))
	b = append(b, byte(e.Severity))
	str(string(e.Outcome))
	str(e.Actor)
	b = auditAppendAddr(b, e.ClientIP)
	str(e.UserAgent)
	str(e.RequestID)
	str(e.Method)
	str(e.Path)
	str(e.Description)
	str(e.Source)
	names := make([]string, 0, len(e.Details))
	for n := range e.Details {
		names = append(names, n)
	}
	slices.Sort(names)
	b = binary.BigEndian.AppendUint32(b, uint32(len(names)))
	for _, n := range names {
		str(n)
		str(e.Details[n])
	}
	return b
}

func auditAppendAddr(b []byte, a netip.Addr) []byte {
	switch {
	case !a.IsValid():
		return append(b, 0)
	case a.Is4():
		v := a.As4()
		return append(append(b, 4), v[:]...)
	default:
		v := a.As16()
		return append(append(b, 6), v[:]...)
	}
}

// auditMAC returns the row's MAC under the derived key.
func auditMAC(key []byte, seq int64, prev []byte, e *audit.Event, scratch []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(auditCanonical(scratch[:0], seq, prev, e))
	return m.Sum(nil)
}
