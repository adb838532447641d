package ratelimit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireWithinBound checks that in every interval [times[i], times[j]] of
// admitted requests (sorted) at most burst + (t_j - t_i)/interval were
// admitted.
func requireWithinBound(t *testing.T, times []time.Duration, r Rate) {
	t.Helper()
	if msg := exceedsBound(times, r); msg != "" {
		t.Fatal(msg)
	}
}

func exceedsBound(times []time.Duration, r Rate) string {
	for i := range times {
		for j := i; j < len(times); j++ {
			n := j - i + 1
			allowed := r.Burst() + int((times[j]-times[i])/r.Interval())
			if n > allowed {
				return fmt.Sprintf("%d requests admitted in [%v, %v], more than b + r·T = %d", n, times[i], times[j], allowed)
			}
		}
	}
	return ""
}

// fixedWindow is the naive limiter of many peers: count per window, reset at
// the edge. It is the control showing that the window-edge test can fail.
type fixedWindow struct {
	window time.Duration
	limit  int
	start  time.Duration
	n      int
}

func (f *fixedWindow) allow(now time.Duration) bool {
	if w := now / f.window * f.window; w != f.start {
		f.start, f.n = w, 0
	}
	if f.n < f.limit {
		f.n++
		return true
	}
	return false
}

func TestAdmissionBoundAtWindowEdges(t *testing.T) {
	t.Parallel()
	rates := []string{"5/minute", "100/h", "10/s burst 20", "3/hour", "7/minute"}
	for _, rs := range rates {
		t.Run("bursts just before and after every window edge of "+rs, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRate(rs)
			require.NoError(t, err)
			s, clock := newTestStore(t, 0)
			ctx := context.Background()
			var admitted []time.Duration
			elapsed := time.Duration(0)
			period := r.period
			// A fixed-window limiter admits 2×count around each edge; a
			// sliding log is fooled by the same pattern at other phases.
			for edge := 1; edge <= 6; edge++ {
				at := time.Duration(edge) * period
				for _, offset := range []time.Duration{-time.Millisecond, -time.Nanosecond, 0, time.Nanosecond, time.Millisecond, period / 2} {
					clock.Advance(at + offset - elapsed)
					elapsed = at + offset
					for range 3 * r.Burst() {
						d, err := s.Take(ctx, "p", "attacker", r, 1)
						require.NoError(t, err)
						if d.Allowed {
							admitted = append(admitted, elapsed)
						}
					}
				}
			}
			require.NotEmpty(t, admitted)
			requireWithinBound(t, admitted, r)
		})
	}
	t.Run("the same pattern breaks a fixed-window counter", func(t *testing.T) {
		t.Parallel()
		r := PerMinute(5)
		f := &fixedWindow{window: time.Minute, limit: 5}
		var admitted []time.Duration
		for edge := 1; edge <= 6; edge++ {
			at := time.Duration(edge) * time.Minute
			for _, offset := range []time.Duration{-time.Millisecond, 0, time.Millisecond} {
				for range 15 {
					if f.allow(at + offset) {
						admitted = append(admitted, at+offset)
					}
				}
			}
		}
		require.NotEmpty(t, exceedsBound(admitted, r))
	})
	t.Run("random arrivals with random costs", func(t *testing.T) {
		t.Parallel()
		for seed := range uint64(20) {
			rng := rand.New(rand.NewPCG(seed, 99))
			r := Every(time.Duration(1+rng.IntN(5000))*time.Millisecond, 1+rng.IntN(10))
			s, clock := newTestStore(t, 0)
			var admitted []time.Duration // one entry per token spent
			elapsed := time.Duration(0)
			for range 400 {
				gap := time.Duration(rng.Int64N(int64(2 * r.Interval())))
				clock.Advance(gap)
				elapsed += gap
				cost := 1 + rng.IntN(r.Burst())
				d, err := s.Take(context.Background(), "p", "k", r, cost)
				require.NoError(t, err)
				if d.Allowed {
					for range cost {
						admitted = append(admitted, elapsed)
					}
				}
			}
			requireWithinBound(t, admitted, r)
		}
	})
}

func TestManyGoroutinesOnOneKeyStayWithinTheBound(t *testing.T) {
	t.Parallel()
	r := PerSecond(1000).WithBurst(50)
	l, err := New(Options{Rate: r})
	require.NoError(t, err)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(200 * time.Millisecond)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				d, err := l.Allow(context.Background(), "hot", 1)
				if err == nil && d.Allowed {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	bound := int64(r.Burst()) + int64(elapsed/r.Interval())
	require.LessOrEqual(t, admitted.Load(), bound)
	require.Greater(t, admitted.Load(), int64(r.Burst()), "tokens were earned while the test ran")
}

func TestRequestAfterRetryAfterIsAdmitted(t *testing.T) {
	t.Parallel()
	for _, rs := range []string{"5/minute", "7/minute", "3/s", "100/h", "10/s burst 20", "1/1m30s burst 2"} {
		t.Run("at "+rs, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRate(rs)
			require.NoError(t, err)
			s, clock := newTestStore(t, 0)
			l, err := New(Options{Rate: r, Store: s, Key: Global})
			require.NoError(t, err)
			h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			rng := rand.New(rand.NewPCG(1, 2))
			rejections := 0
			for range 200 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if rec.Code == http.StatusOK {
					// Some time passes between requests, not always enough.
					clock.Advance(time.Duration(rng.Int64N(int64(r.Interval()) / 2)))
					continue
				}
				require.Equal(t, http.StatusTooManyRequests, rec.Code)
				rejections++
				secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
				require.NoError(t, err)
				require.Positive(t, secs)
				clock.Advance(time.Duration(secs) * time.Second)
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				require.Equal(t, http.StatusOK, rec.Code, "a request sent Retry-After seconds later is admitted")
			}
			require.Positive(t, rejections)
		})
	}
}

// TestMillionKeysNeitherBlockNorUnblockAVictim floods a default store with
// one million distinct keys, each over part of its limit.
func TestMillionKeysNeitherBlockNorUnblockAVictim(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a million keys")
	}
	s, clock := newTestStore(t, 0)
	l, err := New(Options{Rate: PerMinute(5), Store: s})
	require.NoError(t, err)
	ctx := context.Background()

	for range 5 {
		_, err := l.Allow(ctx, "blocked-victim", 1)
		require.NoError(t, err)
	}
	blocked, err := l.Allow(ctx, "blocked-victim", 1)
	require.NoError(t, err)
	require.False(t, blocked.Allowed)
	_, err = l.Allow(ctx, "busy-victim", 2)
	require.NoError(t, err)

	var before, after, idle runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	buf := make([]byte, 0, 16)
	const flood = 1_000_000
	for i := range flood {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		d, err := l.Allow(ctx, string(buf), 1)
		if err != nil || !d.Allowed {
			t.Fatalf("flood key %d: %v %+v", i, err, d)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)

	d, err := l.Allow(ctx, "blocked-victim", 1)
	require.NoError(t, err)
	require.False(t, d.Allowed, "the flood did not unblock the victim")
	require.Equal(t, blocked.RetryAfter, d.RetryAfter)
	d, err = l.Allow(ctx, "busy-victim", 0)
	require.NoError(t, err)
	require.Equal(t, 3, d.Remaining, "the flood did not reset or spend a victim's bucket")
	d, err = l.Allow(ctx, "new-victim", 1)
	require.NoError(t, err)
	require.True(t, d.Allowed, "the flood did not block a new client")

	st := s.Stats()
	require.Zero(t, st.Overflows)
	require.Equal(t, flood+3, st.Keys)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	perKey := float64(grown) / flood
	t.Logf("%d keys: heap +%.1f MiB, %.1f bytes per key, %d slots", st.Keys, float64(grown)/(1<<20), perKey, st.Slots)
	require.LessOrEqual(t, grown, int64(DefaultMaxKeys*32+(1<<20)), "memory stays under the cap of 32 MiB")
	require.LessOrEqual(t, perKey, 48.0)

	clock.Advance(time.Minute) // every flood bucket is full again
	s.Sweep()
	runtime.GC()
	runtime.ReadMemStats(&idle)
	require.Less(t, int64(idle.HeapAlloc)-int64(before.HeapAlloc), int64(1<<20), "memory is back near the baseline")
	require.Equal(t, 0, s.Stats().Keys)
}
