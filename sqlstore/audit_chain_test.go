package sqlstore

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

// TestEveryEventFieldIsCoveredByTheMAC changes each field of audit.Event
// in turn, by reflection, so that a field added to audit.Event later and
// not added to the canonical encoding fails here.
func TestEveryEventFieldIsCoveredByTheMAC(t *testing.T) {
	t.Parallel()
	key := auditDeriveKey(auditTestKey)
	base := auditNormalize(auditEvent(1), time.Now())
	prev := make([]byte, 32)
	want := auditMAC(key, 1, prev, &base, nil)
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			e := base
			e.Details = map[string]string{"reason": "bad_password", "n": "1"}
			v := reflect.ValueOf(&e).Elem().Field(i)
			switch x := v.Addr().Interface().(type) {
			case *time.Time:
				*x = x.Add(time.Microsecond)
			case *netip.Addr:
				*x = netip.MustParseAddr("203.0.113.8")
			case *map[string]string:
				(*x)["n"] = "2"
			case *audit.Severity:
				*x = audit.SeverityCritical
			default:
				require.Equal(t, reflect.String, v.Kind(), "field %s needs a case here and in auditCanonical", f.Name)
				v.SetString(v.String() + "x")
			}
			require.False(t, bytes.Equal(want, auditMAC(key, 1, prev, &e, nil)), "changing %s must change the MAC", f.Name)
		})
	}
	other := base
	require.Equal(t, want, auditMAC(key, 1, prev, &other, nil))
	require.NotEqual(t, want, auditMAC(key, 2, prev, &other, nil), "the position is covered")
	prev2 := append([]byte(nil), prev...)
	prev2[0] = 1
	require.NotEqual(t, want, auditMAC(key, 1, prev2, &other, nil), "the previous MAC is covered")
}

// Strings are length-prefixed, so moving bytes between fields changes the
// encoding.
func TestTheCanonicalEncodingIsUnambiguous(t *testing.T) {
	t.Parallel()
	a := audit.Event{Actor: "ab", UserAgent: "c"}
	b := audit.Event{Actor: "a", UserAgent: "bc"}
	c := audit.Event{Details: map[string]string{"ab": "c"}}
	d := audit.Event{Details: map[string]string{"a": "bc"}}
	prev := make([]byte, 32)
	require.NotEqual(t, auditCanonical(nil, 1, prev, &a), auditCanonical(nil, 1, prev, &b))
	require.NotEqual(t, auditCanonical(nil, 1, prev, &c), auditCanonical(nil, 1, prev, &d))
	v4 := audit.Event{ClientIP: netip.MustParseAddr("1.2.3.4")}
	mapped := audit.Event{ClientIP: netip.MustParseAddr("::ffff:1.2.3.4")}
	require.NotEqual(t, auditCanonical(nil, 1, prev, &v4), auditCanonical(nil, 1, prev, &mapped))
}
