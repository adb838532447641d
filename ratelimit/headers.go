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

// item formats one RateLimit list member: "name";r=<remaining>;t=<seconds>.
func (p *policyHeaders) rateLimitItem(remaining int, t int64, withT bool) string {
	b := make([]byte, 0, len(p.item)+32)
	b = append(b, p.item...)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(max(remaining, 0)), 10)
	if withT {
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, t, 10)
	}
	return string(b)
}

// resetUnix is the Unix time in seconds, rounded up, after d from now.
func resetUnix(d time.Duration) string {
	ns := time.Now().UnixNano() + int64(d)
	return strconv.FormatInt((ns+int64(time.Second)-1)/int64(time.Second), 10)
}

// writeRejectionHeaders sets Retry-After and the headers of the limiter
// that rejected.
func (l *Limiter) writeRejectionHeaders(w http.ResponseWriter, rt Rate, d Decision) {
	h := w.Header()
	var vals []string
	if d.RetryAfter >= 0 || l.headers != HeadersNone {
		vals = make([]string, 4)
	}
	t, withT := int64(0), d.RetryAfter >= 0
	if withT {
		t = max(ceilSeconds(d.RetryAfter), 1)
		vals[0] = strconv.FormatInt(t, 10)
		h[hdrRetryAfter] = vals[0:1:1]
	}
	p := l.headersFor(rt)
	if l.headers.legacy() {
		h[hdrLimit] = p.limit
		vals[1] = strconv.Itoa(max(d.Remaining, 0))
		h[hdrRemaining] = vals[1:2:2]
		vals[2] = resetUnix(max(d.ResetAfter, d.RetryAfter))
		h[hdrReset] = vals[2:3:3]
	}
	if l.headers.draft() {
		h[hdrPolicy] = p.policy
		vals[3] = p.rateLimitItem(d.Remaining, t, withT)
		h[hdrRateLimit] = vals[3:4:4]
	}
}

// writeHeaders sets the headers of an admitted request: a RateLimit-Policy
// and a RateLimit item per limiter, X-RateLimit-* of the most restrictive.
func writeHeaders(w http.ResponseWriter, done []spent) {
	if len(done) == 0 {
		return
	}
	h := w.Header()
	tightest := -1
	for i, s := range done {
		if s.l.headers.legacy() && (tightest < 0 || s.d.Remaining < done[tightest].d.Remaining ||
			s.d.Remaining == done[tightest].d.Remaining && s.d.ResetAfter > done[tightest].d.ResetAfter) {
			tightest = i
		}
	}
	if len(done) == 1 {
		s := done[0]
		if tightest < 0 && !s.l.headers.draft() {
			return
		}
		p := s.l.headersFor(s.rate)
		vals := make([]string, 3)
		if tightest == 0 {
			h[hdrLimit] = p.limit
			vals[0] = strconv.Itoa(s.d.Remaining)
			h[hdrRemaining] = vals[0:1:1]
			vals[1] = resetUnix(s.d.ResetAfter)
			h[hdrReset] = vals[1:2:2]
		}
		if s.l.headers.draft() {
			h[hdrPolicy] = p.policy
			vals[2] = p.rateLimitItem(s.d.Remaining, ceilSeconds(s.d.ResetAfter), true)
			h[hdrRateLimit] = vals[2:3:3]
		}
		return
	}
	if tightest >= 0 {
		s := done[tightest]
		h[hdrLimit] = s.l.headersFor(s.rate).limit
		h.Set(hdrRemaining, strconv.Itoa(s.d.Remaining))
		h.Set(hdrReset, resetUnix(s.d.ResetAfter))
	}
	for _, s := range done {
		if s.l.headers.draft() {
			p := s.l.headersFor(s.rate)
			h.Add(hdrPolicy, p.policy[0])
			h.Add(hdrRateLimit, p.rateLimitItem(s.d.Remaining, ceilSeconds(s.d.ResetAfter), true))
		}
	}
}
