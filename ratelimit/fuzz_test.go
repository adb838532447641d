package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{
		"5/minute", "100/h", "10/s burst 20", "3/hour", "10 per second", "20/5m", "1/300ms burst 5",
		"3/1m30s", "0/s", "5/", "/m", "5/m burst", "5/mburst 1", "1e3/s", "5/-1h", "5 / MINUTE BURST 7",
		"99999999999/s", "1/36500d burst 2", "5/1.5h", "burst 5", "5/minute burst 5 burst 6", "\x00/\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if !r.IsZero() {
				t.Fatal("an error with a non-zero rate")
			}
			if !strings.HasPrefix(err.Error(), "ratelimit: ") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if r.Interval() < 1 || r.Burst() < 1 || r.Burst() > MaxBurst || r.Window() > MaxWindow || r.Window() <= 0 {
			t.Fatalf("%q parsed out of bounds: %+v", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("%q → %q does not round-trip: %v %+v", s, r.String(), err, back)
		}
		if windowSeconds(r) < 1 {
			t.Fatalf("%q has a header window below one second", s)
		}
	})
}

func FuzzKeyFuncs(f *testing.F) {
	f.Add("192.0.2.1:1234", "acme", "a", "b", "c", "d")
	f.Add("[2001:db8::1]:1", strings.Repeat("x", 200), "", "ab", "a", "b")
	f.Add("garbage", "", "\x00", "\x01", "\x00\x01", "")
	f.Add("[::ffff:10.0.0.1]:80", "\xff\xfe", "ab", "c", "a", "bc")
	f.Fuzz(func(t *testing.T, remote, header, a, b, c, d string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header["X-Key"] = []string{header}
		k, ok := ByIP(r)
		if !ok || len(k) == 0 || len(k) > 9 {
			t.Fatalf("ByIP(%q) = %q, %v", remote, k, ok)
		}
		k, ok = ByHeader("X-Key")(r)
		if ok != (header != "") || len(k) > maxHeaderKeyLen+40 {
			t.Fatalf("ByHeader(%q) = %q, %v", header, k, ok)
		}
		part := func(v string) KeyFunc { return func(*http.Request) (string, bool) { return v, true } }
		k1, ok1 := Composite(part(a), part(b))(r)
		k2, ok2 := Composite(part(c), part(d))(r)
		if !ok1 || !ok2 {
			t.Fatal("Composite of present parts has no key")
		}
		if (k1 == k2) != (a == c && b == d) {
			t.Fatalf("Composite is ambiguous: (%q,%q)→%q and (%q,%q)→%q", a, b, k1, c, d, k2)
		}
	})
}

// FuzzAdmissionBound drives one bucket with arbitrary gaps and costs and
// checks b + r·T over every interval.
func FuzzAdmissionBound(f *testing.F) {
	f.Add(uint16(1000), uint8(3), []byte{0, 1, 255, 3, 7, 0, 0, 200, 1, 1})
	f.Add(uint16(1), uint8(1), []byte{0, 0, 0, 0, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, intervalMs uint16, burst uint8, ops []byte) {
		r := Every(time.Duration(intervalMs)*time.Millisecond, int(burst))
		if r.IsZero() || len(ops) > 400 {
			return
		}
		s, clock := newTestStore(t, 0)
		var admitted []time.Duration
		elapsed := time.Duration(0)
		for i := 0; i+1 < len(ops); i += 2 {
			gap := time.Duration(ops[i]) * r.Interval() / 64
			clock.Advance(gap)
			elapsed += gap
			cost := int(ops[i+1]) % (r.Burst() + 1)
			d, err := s.Take(context.Background(), "p", "k", r, cost)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed {
				for range cost {
					admitted = append(admitted, elapsed)
				}
			} else if d.RetryAfter <= 0 {
				t.Fatalf("a rejection without a positive RetryAfter: %+v", d)
			}
		}
		if msg := exceedsBound(admitted, r); msg != "" {
			t.Fatal(msg)
		}
	})
}
