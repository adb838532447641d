package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Bounds on a Rate. They keep every GCRA computation inside int64
// nanoseconds, and inside the exact-integer range of a Lua number (2^53)
// when a Redis store works in microseconds.
const (
	// MaxBurst is the largest burst a Rate may have.
	MaxBurst = 1_000_000_000
	// MaxWindow is the longest time a Rate may take to refill a whole
	// burst (burst × interval): 100 years.
	MaxWindow = 100 * 365 * 24 * time.Hour
)

// maxRateLen bounds the input of ParseRate.
const maxRateLen = 128

// Rate is a token bucket as golang.org/x/time/rate defines one: tokens are
// earned at a steady rate, one every Interval, and at most Burst are held. A
// bucket starts full, so Burst requests may come at once; after that they
// are admitted one per Interval. Over any period T a key is admitted at most
// Burst + T/Interval times.
//
// Build a Rate with ParseRate ("5/minute", "10/s burst 20"), PerSecond,
// PerMinute, PerHour, PerDay, Every or FromLimit. Invalid arguments give the
// zero Rate, which New rejects. A Rate is a small comparable value; it
// implements encoding.TextMarshaler and TextUnmarshaler, so configuration
// files and environment variables may carry rate strings.
type Rate struct {
	interval time.Duration // time to earn one token, rounded up to the nanosecond
	burst    int           // bucket size
	count    int           // count and period as written, for String and headers
	period   time.Duration
}

// newRate builds count events per period with the given burst, or the zero
// Rate when that is out of bounds.
func newRate(count int, period time.Duration, burst int) (Rate, error) {
	switch {
	case count < 1:
		return Rate{}, errors.New("ratelimit: rate count must be at least 1")
	case period <= 0:
		return Rate{}, errors.New("ratelimit: rate period must be positive")
	case burst < 1:
		return Rate{}, errors.New("ratelimit: burst must be at least 1")
	case burst > MaxBurst:
		return Rate{}, fmt.Errorf("ratelimit: burst must be at most %d", MaxBurst)
	case int64(count) > int64(period):
		return Rate{}, errors.New("ratelimit: rate is faster than one event per nanosecond")
	}
	// Round the interval up so that rounding never admits more than asked.
	interval := period / time.Duration(count)
	if period%time.Duration(count) != 0 {
		interval++
	}
	if int64(interval) > int64(MaxWindow)/int64(burst) {
		return Rate{}, fmt.Errorf("ratelimit: burst × interval exceeds %v", MaxWindow)
	}
	return Rate{interval: interval, burst: burst, count: count, period: period}, nil
}

func mustRate(count int, period time.Duration, burst int) Rate {
	r, err := newRate(count, period, burst)
	if err != nil {
		return Rate{}
	}
	return r
}

// PerSecond returns n events per second with a burst of n.
func PerSecond(n int) Rate { return mustRate(n, time.Second, n) }

// PerMinute returns n events per minute with a burst of n.
func PerMinute(n int) Rate { return mustRate(n, time.Minute, n) }

// PerHour returns n events per hour with a burst of n.
func PerHour(n int) Rate { return mustRate(n, time.Hour, n) }

// PerDay returns n events per 24 hours with a burst of n.
func PerDay(n int) Rate { return mustRate(n, 24*time.Hour, n) }

// Every returns one event per interval with the given burst, like
// rate.Every(interval) with a bucket of burst tokens.
func Every(interval time.Duration, burst int) Rate { return mustRate(1, interval, burst) }

// FromLimit converts an x/time/rate limit (events per second) and burst.
// The interval is 1/limit seconds, rounded up to the nanosecond unless it
// is within floating-point error of a whole nanosecond, so that
// FromLimit(rate.Every(d), b) equals Every(d, b). rate.Inf, zero, negative
// and NaN limits give the zero Rate: exempt requests instead of limiting at
// an infinite rate.
func FromLimit(limit rate.Limit, burst int) Rate {
	l := float64(limit)
	if limit == rate.Inf || math.IsNaN(l) || math.IsInf(l, 0) || l <= 0 {
		return Rate{}
	}
	ns := 1e9 / l
	if ns > float64(MaxWindow) {
		return Rate{}
	}
	n := math.Round(ns)
	if math.Abs(ns-n) > ns*1e-12 {
		n = math.Ceil(ns)
	}
	return Every(time.Duration(n), burst)
}

// WithBurst returns r with another burst, or the zero Rate if the burst is
// out of bounds.
func (r Rate) WithBurst(burst int) Rate {
	if r.IsZero() {
		return Rate{}
	}
	return mustRate(r.count, r.period, burst)
}

// IsZero reports whether r is the zero Rate: unset or invalid.
func (r Rate) IsZero() bool { return r.interval == 0 }

// Interval returns the time it takes to earn one token.
func (r Rate) Interval() time.Duration { return r.interval }

// Burst returns the bucket size: how many requests may come at once.
func (r Rate) Burst() int { return r.burst }

// Limit returns the rate in events per second, as x/time/rate counts it.
func (r Rate) Limit() rate.Limit {
	if r.IsZero() {
		return 0
	}
	return rate.Every(r.interval)
}

// Window returns the time an empty bucket takes to refill: Burst × Interval.
func (r Rate) Window() time.Duration { return time.Duration(r.burst) * r.interval }

// String formats r in the syntax ParseRate reads: "5/minute",
// "10/second burst 20", "1/300ms burst 5". The zero Rate formats as "".
func (r Rate) String() string {
	if r.IsZero() {
		return ""
	}
	b := make([]byte, 0, 32)
	b = strconv.AppendInt(b, int64(r.count), 10)
	b = append(b, '/')
	switch r.period {
	case time.Second:
		b = append(b, "second"...)
	case time.Minute:
		b = append(b, "minute"...)
	case time.Hour:
		b = append(b, "hour"...)
	case 24 * time.Hour:
		b = append(b, "day"...)
	default:
		b = append(b, r.period.String()...)
	}
	if r.burst != r.count {
		b = append(b, " burst "...)
		b = strconv.AppendInt(b, int64(r.burst), 10)
	}
	return string(b)
}

// MarshalText encodes r as its String.
func (r Rate) MarshalText() ([]byte, error) {
	if r.IsZero() {
		return nil, errors.New("ratelimit: cannot marshal the zero rate")
	}
	return []byte(r.String()), nil
}

// UnmarshalText parses a rate string with ParseRate.
func (r *Rate) UnmarshalText(text []byte) error {
	v, err := ParseRate(string(text))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// units maps the unit words ParseRate accepts (lower case) to durations.
var units = map[string]time.Duration{
	"ms": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// ParseRate parses a rate string: a count, "/" or "per", an optional number
// of units and a unit, then optionally "burst" and the bucket size.
//
//	5/minute            5 per minute, burst 5 (slowapi and django-ratelimit style)
//	100/h               100 per hour, burst 100
//	3/hour              3 per hour, burst 3
//	10/s burst 20       10 per second, up to 20 at once
//	10 per second       same as 10/second
//	20/5m               20 per 5 minutes
//	1/300ms burst 5     one every 300 ms, up to 5 at once (a Go duration)
//
// Units are ms, s (sec, second, seconds), m (min, minute), h (hr, hour) and
// d (day, 24 hours), case-insensitive; after "/" a Go duration such as
// "1m30s" is also accepted. The burst defaults to the count. Errors are
// prefixed "ratelimit: " and say what was expected.
func ParseRate(s string) (Rate, error) {
	if len(s) > maxRateLen {
		return Rate{}, fmt.Errorf("ratelimit: rate string longer than %d bytes", maxRateLen)
	}
	r, err := parseRate(s)
	if err != nil {
		return Rate{}, fmt.Errorf("ratelimit: invalid rate %q: %s", s, err.Error())
	}
	return r, nil
}

func parseRate(s string) (Rate, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Rate{}, errors.New(`empty; expected "<count>/<unit>", e.g. "5/minute"`)
	}
	// Burst suffix.
	burst := 0
	if i := strings.LastIndex(s, "burst"); i >= 0 {
		head, tail := s[:i], strings.TrimSpace(s[i+len("burst"):])
		if head == "" || !isSpace(head[len(head)-1]) {
			return Rate{}, errors.New(`"burst" must follow the rate after a space, e.g. "10/s burst 20"`)
		}
		n, err := parseCount(tail, "burst")
		if err != nil {
			return Rate{}, err
		}
		burst = n
		s = strings.TrimSpace(head)
	}
	// Count and period separated by "/" or " per ".
	var countStr, periodStr string
	if i := strings.IndexByte(s, '/'); i >= 0 {
		countStr, periodStr = s[:i], s[i+1:]
	} else if i := strings.Index(s, " per "); i >= 0 {
		countStr, periodStr = s[:i], s[i+len(" per "):]
	} else {
		return Rate{}, errors.New(`expected "<count>/<unit>" or "<count> per <unit>", e.g. "5/minute"`)
	}
	count, err := parseCount(strings.TrimSpace(countStr), "count")
	if err != nil {
		return Rate{}, err
	}
	period, err := parsePeriod(strings.TrimSpace(periodStr))
	if err != nil {
		return Rate{}, err
	}
	if burst == 0 {
		burst = count
	}
	r, err := newRate(count, period, burst)
	if err != nil {
		return Rate{}, errors.New(strings.TrimPrefix(err.Error(), "ratelimit: "))
	}
	return r, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// parseCount parses a positive decimal integer of at most 10 digits.
func parseCount(s, what string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("missing %s", what)
	}
	if len(s) > 10 {
		return 0, fmt.Errorf("%s too large", what)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s must be a whole number", what)
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 {
		return 0, fmt.Errorf("%s must be at least 1", what)
	}
	if n > MaxBurst {
		return 0, fmt.Errorf("%s must be at most %d", what, MaxBurst)
	}
	return n, nil
}

// parsePeriod parses "minute", "5m", "5 minutes", "1m30s".
func parsePeriod(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New(`missing unit after "/", e.g. "minute"`)
	}
	if d, ok := units[s]; ok {
		return d, nil
	}
	// A number of units: "5 minutes", "5m", "10s".
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 && i <= 6 {
		if d, ok := units[strings.TrimSpace(s[i:])]; ok {
			n, _ := strconv.Atoi(s[:i])
			if n < 1 {
				return 0, errors.New("period must be positive")
			}
			if int64(n) > int64(MaxWindow)/int64(d) {
				return 0, errors.New("period too long")
			}
			return time.Duration(n) * d, nil
		}
	}
	// A Go duration: "1m30s", "300ms", "1.5h".
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(`unknown unit; use ms, s, m, h, d (or second, minute, hour, day) or a Go duration`)
	}
	if d <= 0 {
		return 0, errors.New("period must be positive")
	}
	return d, nil
}
