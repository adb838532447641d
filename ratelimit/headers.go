package ratelimit

import (
	"math/bits"
	"net/http"
	"strconv"
	"time"
)

// HeaderMode selects the rate-limit headers a Handler sends. Retry-After is
// sent with every 429 whatever the mode.
type HeaderMode uint8

// Header modes.
const (
	// HeadersAll sends both HeadersLegacy and HeadersDraft (the default).
	HeadersAll HeaderMode = iota
	// HeadersLegacy sends the de-facto X-RateLimit-Limit (the burst),
	// X-RateLimit-Remaining and X-RateLimit-Reset (Unix time, in seconds,
	// at which the bucket is full again, as GitHub's API sends it).
	HeadersLegacy
	// HeadersDraft sends the IETF fields of draft-ietf-httpapi-ratelimit-headers
	// (revision 11): RateLimit-Policy: "name";q=<burst>;w=<seconds to
	// refill the burst> and RateLimit: "name";r=<remaining>;t=<seconds>,
	// where t is the time until the bucket is full, or on a 429 the
	// Retry-After delay, which the draft says must not end before t.
	HeadersDraft
	// HeadersNone sends no rate-limit header, only Retry-After on a 429.
	HeadersNone
)

func (m HeaderMode) legacy() bool { return m == HeadersAll || m == HeadersLegacy }
func (m HeaderMode) draft() bool  { return m == HeadersAll || m == HeadersDraft }

// Canonical header keys, for direct map access.
const (
	hdrLimit      = "X-Ratelimit-Limit"
	hdrRemaining  = "X-Ratelimit-Remaining"
	hdrReset      = "X-Ratelimit-Reset"
	hdrPolicy     = "Ratelimit-Policy"
	hdrRateLimit  = "Ratelimit"
	hdrRetryAfter = "Retry-After"
)

// maxHeaderCache bounds the header values cached for RateFor's rates.
const maxHeaderCache = 64

// policyHeaders are the precomputed header values of one (name, rate).
type policyHeaders struct {
	limit  []string // X-RateLimit-Limit, len == cap
	policy []string // RateLimit-Policy, len == cap
	item   string   // `"name"`, the start of a RateLimit item
}

func newPolicyHeaders(name string, r Rate) *policyHeaders {
	w := max(windowSeconds(r), 1)
	item := strconv.Quote(name) // names are validated: plain ASCII
	return &policyHeaders{
		limit:  []string{strconv.Itoa(r.burst)},
		policy: []string{item + ";q=" + strconv.Itoa(r.burst) + ";w=" + strconv.FormatInt(w, 10)},
		item:   item,
	}
}

// headersFor returns the header values for r, cached for the few rates a
// RateFunc returns.
func (l *Limiter) headersFor(r Rate) *policyHeaders {
	if r == l.rate {
		return l.hdr
	}
	for {
		cur := l.hdrCache.Load()
		if cur != nil {
			if h, ok := (*cur)[r]; ok {
				return h
			}
		}
		h := newPolicyHeaders(l.name, r)
		if cur != nil && len(*cur) >= maxHeaderCache {
			return h
		}
		next := make(map[Rate]*policyHeaders, 1+lenOf(cur))
		if cur != nil {
			for k, v := range *cur {
				next[k] = v
			}
		}
		next[r] = h
		if l.hdrCache.CompareAndSwap(cur, &next) {
			return h
		}
	}
}

func lenOf(m *map[Rate]*policyHeaders) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// windowSeconds is the time to refill the burst, burst × period / count,
// in whole seconds rounded up, computed exactly (not from the rounded
// interval).
func windowSeconds(r Rate) int64 {
	if r.IsZero() {
		return 0
	}
	hi, lo := bits.Mul64(uint64(r.burst), uint64(r.period))
	q, rem := bits.Div64(hi, lo, uint64(r.count)) // burst ≤ MaxBurst and the window is bounded: no overflow
	if rem != 0 {
		q++
	}
	return ceilSeconds(time.Duration(q))
}

// ceilSeconds rounds a non-negative duration up to whole seconds, so that a
// client waiting that long is never early.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// appendItem appends one RateLimit list member:
// "name";r=<remaining>;t=<seconds>.
func (p *policyHeaders) appendItem(b []byte, remaining int, t int64, withT bool) []byte {
	b = append(b, p.item...)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(max(remaining, 0)), 10)
	if withT {
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, t, 10)
	}
	return b
}

// appendResetUnix appends the Unix time in seconds, rounded up, d from now.
func appendResetUnix(b []byte, d time.Duration) []byte {
	ns := time.Now().UnixNano() + int64(d)
	return strconv.AppendInt(b, (ns+int64(time.Second)-1)/int64(time.Second), 10)
}

// values builds up to four header values in one buffer and turns them into
// strings with two allocations, whatever their number.
type values struct {
	b    []byte // over a buffer on the caller's stack
	ends [4]int
	n    int
}

// end marks the end of the value being built.
func (v *values) end() {
	v.ends[v.n] = len(v.b)
	v.n++
}

// strings returns the values, each as a []string of len == cap, ready for
// direct assignment into an http.Header.
func (v *values) strings() [4][]string {
	var out [4][]string
	if v.n == 0 {
		return out
	}
	s := string(v.b)
	all := make([]string, v.n)
	start := 0
	for i := 0; i < v.n; i++ {
		all[i] = s[start:v.ends[i]]
		out[i] = all[i : i+1 : i+1]
		start = v.ends[i]
	}
	return out
}

// writeRejectionHeaders sets Retry-After and the headers of the limiter
// that rejected.
func (l *Limiter) writeRejectionHeaders(w http.ResponseWriter, rt Rate, d Decision) {
	var buf [224]byte
	v := values{b: buf[:0]}
	t, withT := int64(0), d.RetryAfter >= 0
	legacy, draft := l.headers.legacy(), l.headers.draft()
	if withT {
		t = max(ceilSeconds(d.RetryAfter), 1)
		v.b = strconv.AppendInt(v.b, t, 10)
		v.end()
	}
	if legacy {
		v.b = strconv.AppendInt(v.b, int64(max(d.Remaining, 0)), 10)
		v.end()
		v.b = appendResetUnix(v.b, max(d.ResetAfter, d.RetryAfter))
		v.end()
	}
	p := l.headersFor(rt)
	if draft {
		v.b = p.appendItem(v.b, d.Remaining, t, withT)
		v.end()
	}
	if v.n == 0 {
		return
	}
	h := w.Header()
	vals, i := v.strings(), 0
	if withT {
		h[hdrRetryAfter] = vals[i]
		i++
	}
	if legacy {
		h[hdrLimit] = p.limit
		h[hdrRemaining] = vals[i]
		h[hdrReset] = vals[i+1]
		i += 2
	}
	if draft {
		h[hdrPolicy] = p.policy
		h[hdrRateLimit] = vals[i]
	}
}

// writeHeaders sets the headers of an admitted request: a RateLimit-Policy
// and a RateLimit item per limiter, X-RateLimit-* of the most restrictive.
func writeHeaders(w http.ResponseWriter, done []spent) {
	if len(done) == 0 {
		return
	}
	tightest := -1
	for i, s := range done {
		if s.l.headers.legacy() && (tightest < 0 || s.d.Remaining < done[tightest].d.Remaining ||
			s.d.Remaining == done[tightest].d.Remaining && s.d.ResetAfter > done[tightest].d.ResetAfter) {
			tightest = i
		}
	}
	if len(done) == 1 {
		writeOneLimitHeaders(w, done[0], tightest == 0)
		return
	}
	h := w.Header()
	if tightest >= 0 {
		s := done[tightest]
		h[hdrLimit] = s.l.headersFor(s.rate).limit
		h.Set(hdrRemaining, strconv.Itoa(s.d.Remaining))
		h.Set(hdrReset, string(appendResetUnix(nil, s.d.ResetAfter)))
	}
	for _, s := range done {
		if s.l.headers.draft() {
			p := s.l.headersFor(s.rate)
			h.Add(hdrPolicy, p.policy[0])
			h.Add(hdrRateLimit, string(p.appendItem(nil, s.d.Remaining, ceilSeconds(s.d.ResetAfter), true)))
		}
	}
}

// writeOneLimitHeaders is writeHeaders for the common case of one limiter.
func writeOneLimitHeaders(w http.ResponseWriter, s spent, legacy bool) {
	draft := s.l.headers.draft()
	if !legacy && !draft {
		return
	}
	p := s.l.headersFor(s.rate)
	var buf [224]byte
	v := values{b: buf[:0]}
	if legacy {
		v.b = strconv.AppendInt(v.b, int64(s.d.Remaining), 10)
		v.end()
		v.b = appendResetUnix(v.b, s.d.ResetAfter)
		v.end()
	}
	if draft {
		v.b = p.appendItem(v.b, s.d.Remaining, ceilSeconds(s.d.ResetAfter), true)
		v.end()
	}
	h := w.Header()
	vals := v.strings()
	if legacy {
		h[hdrLimit] = p.limit
		h[hdrRemaining] = vals[0]
		h[hdrReset] = vals[1]
	}
	if draft {
		h[hdrPolicy] = p.policy
		h[hdrRateLimit] = vals[v.n-1]
	}
}
