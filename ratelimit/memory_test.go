package ratelimit

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// manualClock is a monotonic clock that tests move by hand.
type manualClock struct{ ns atomic.Int64 }

func (c *manualClock) Now() time.Duration      { return time.Duration(c.ns.Load()) }
func (c *manualClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func newTestStore(t testing.TB, maxKeys int) (*MemoryStore, *manualClock) {
	t.Helper()
	c := &manualClock{}
	c.Advance(time.Hour) // an arbitrary origin
	s, err := NewMemoryStore(MemoryOptions{MaxKeys: maxKeys, Clock: c.Now})
	require.NoError(t, err)
	return s, c
}

func TestGCRADecisions(t *testing.T) {
	t.Parallel()
	fiveAMinute := PerMinute(5) // one token every 12 s, burst 5
	type step struct {
		advance    time.Duration
		cost       int
		allowed    bool
		remaining  int
		retryAfter time.Duration
		resetAfter time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a new key starts with a full bucket", []step{
			{0, 1, true, 4, 0, 12 * time.Second},
		}},
		{"the burst is admitted at once and the next request waits one interval", []step{
			{0, 1, true, 4, 0, 12 * time.Second},
			{0, 1, true, 3, 0, 24 * time.Second},
			{0, 1, true, 2, 0, 36 * time.Second},
			{0, 1, true, 1, 0, 48 * time.Second},
			{0, 1, true, 0, 0, 60 * time.Second},
			{0, 1, false, 0, 12 * time.Second, 60 * time.Second},
			{11 * time.Second, 1, false, 0, time.Second, 49 * time.Second},
			{time.Second, 1, true, 0, 0, 60 * time.Second},
		}},
		{"a request costing more than what is left is rejected and told when it fits", []step{
			{0, 3, true, 2, 0, 36 * time.Second},
			{0, 3, false, 2, 12 * time.Second, 36 * time.Second},
			{12 * time.Second, 3, true, 0, 0, 60 * time.Second},
		}},
		{"cost 0 reports the state without spending", []step{
			{0, 2, true, 3, 0, 24 * time.Second},
			{0, 0, true, 3, 0, 24 * time.Second},
			{0, 0, true, 3, 0, 24 * time.Second},
		}},
		{"a bucket refills to the burst and no further", []step{
			{0, 5, true, 0, 0, 60 * time.Second},
			{time.Hour, 1, true, 4, 0, 12 * time.Second},
		}},
		{"a request costing the whole burst is admitted from a full bucket only", []step{
			{0, 1, true, 4, 0, 12 * time.Second},
			{0, 5, false, 4, 12 * time.Second, 12 * time.Second},
			{12 * time.Second, 5, true, 0, 0, 60 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, clock := newTestStore(t, 0)
			ctx := context.Background()
			for i, st := range tt.steps {
				clock.Advance(st.advance)
				d, err := s.Take(ctx, "p", "k", fiveAMinute, st.cost)
				require.NoError(t, err)
				want := Decision{Allowed: st.allowed, Limit: 5, Remaining: st.remaining, RetryAfter: st.retryAfter, ResetAfter: st.resetAfter}
				require.Equal(t, want, d, "step %d", i)
			}
		})
	}
}

func TestStoreRejectsInvalidArguments(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	ctx := context.Background()
	_, err := s.Take(ctx, "p", "k", Rate{}, 1)
	require.ErrorIs(t, err, ErrZeroRate)
	_, err = s.Take(ctx, "p", "k", PerSecond(1), -1)
	require.ErrorIs(t, err, ErrCost)
	_, err = s.Take(ctx, "p", "k", PerSecond(1), 2)
	require.ErrorIs(t, err, ErrCost)
	require.ErrorIs(t, s.Refund(ctx, "p", "k", PerSecond(1), 2), ErrCost)
}

func TestRejectedRequestsSpendNothing(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t, 0)
	ctx := context.Background()
	r := PerMinute(5)
	for range 5 {
		d, err := s.Take(ctx, "p", "k", r, 1)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	// Hammer the empty bucket: none of this may push the next token back.
	for range 1000 {
		d, err := s.Take(ctx, "p", "k", r, 1)
		require.NoError(t, err)
		require.False(t, d.Allowed)
	}
	clock.Advance(12 * time.Second)
	d, err := s.Take(ctx, "p", "k", r, 1)
	require.NoError(t, err)
	require.True(t, d.Allowed, "the token earned in one interval is there despite 1000 rejections")
}

func TestPoliciesAndKeysAreSeparateBuckets(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	ctx := context.Background()
	r := Every(time.Minute, 1)
	for _, pk := range [][2]string{{"login", "a"}, {"login", "b"}, {"api", "a"}, {"", "a"}} {
		d, err := s.Take(ctx, pk[0], pk[1], r, 1)
		require.NoError(t, err)
		require.True(t, d.Allowed, "%v is a fresh bucket", pk)
	}
	d, err := s.Take(ctx, "login", "a", r, 1)
	require.NoError(t, err)
	require.False(t, d.Allowed)
}

func TestRefundGivesTokensBackUpToTheBurst(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	ctx := context.Background()
	r := PerMinute(5)
	d, err := s.Take(ctx, "p", "k", r, 5)
	require.NoError(t, err)
	require.Equal(t, 0, d.Remaining)
	require.NoError(t, s.Refund(ctx, "p", "k", r, 2))
	d, err = s.Take(ctx, "p", "k", r, 0)
	require.NoError(t, err)
	require.Equal(t, 2, d.Remaining)
	require.NoError(t, s.Refund(ctx, "p", "k", r, 5))
	d, err = s.Take(ctx, "p", "k", r, 0)
	require.NoError(t, err)
	require.Equal(t, 5, d.Remaining, "a refund never fills past the burst")
	require.Equal(t, 0, s.Stats().Keys, "a bucket refunded to full is forgotten")
	require.NoError(t, s.Refund(ctx, "p", "unknown", r, 1), "refunding an unknown key is a no-op")
}

// TestStaleClockReadingsEarnNothing replays the pattern of golang/go#71360
// (and #56287): calls alternately carry a fresh time and a stale one read
// before another goroutine updated the bucket. x/time/rate moves its last
// update time backwards on the stale call and earns the same tokens again on
// the next fresh one; GCRA never moves the theoretical arrival time back.
func TestStaleClockReadingsEarnNothing(t *testing.T) {
	t.Parallel()
	const (
		burst = 5
		pairs = 1000
	)
	lag := 3 * time.Second
	r := Every(time.Second, burst)
	bound := burst + int(lag/time.Second) // b + r·T over the span of readings

	s, _ := newTestStore(t, 0)
	sh := &s.shards[0]
	const h = 42
	t0 := int64(time.Hour)
	admitted := 0
	for range pairs {
		for _, now := range []int64{t0 + int64(lag), t0} {
			sh.mu.Lock()
			d := s.take(sh, h, now, r, 1)
			sh.mu.Unlock()
			if d.Allowed {
				admitted++
			}
		}
	}
	require.LessOrEqual(t, admitted, bound)

	// The same pattern against x/time/rate shows the test can fail.
	lim := rate.NewLimiter(r.Limit(), burst)
	base := time.Unix(1_700_000_000, 0)
	xAdmitted := 0
	for range pairs {
		for _, at := range []time.Time{base.Add(lag), base} {
			if lim.AllowN(at, 1) {
				xAdmitted++
			}
		}
	}
	require.Greater(t, xAdmitted, 10*bound, "x/time/rate v0.15.0 still earns tokens twice on stale times")
}

func TestStaleReadingNeverMovesTimeBackwards(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	sh := &s.shards[0]
	r := PerMinute(5)
	const h = 7
	at := func(sec int64) Decision {
		sh.mu.Lock()
		defer sh.mu.Unlock()
		return s.take(sh, h, sec*int64(time.Second), r, 1)
	}
	for range 5 {
		require.True(t, at(1000).Allowed)
	}
	require.True(t, at(1012).Allowed, "one token earned by t=1012")
	require.False(t, at(1001).Allowed, "a goroutine that read t=1001 before that update gets nothing")
	require.False(t, at(1012).Allowed, "and the stale call did not refill the bucket")
	_, tat, ok := sh.t.lookup(h)
	require.True(t, ok)
	require.Equal(t, int64(1072)*int64(time.Second), tat)
}

func TestConcurrentCallsOnOneKeyAdmitTheBurstExactly(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0) // frozen clock: nothing refills
	r := PerHour(100)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				d, err := s.Take(context.Background(), "p", "hot", r, 1)
				if err == nil && d.Allowed {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int64(100), admitted.Load())
}

func TestIdleKeysAreReleasedIncrementally(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t, 0)
	ctx := context.Background()
	r := PerSecond(10)
	for i := range 20_000 {
		_, err := s.Take(ctx, "p", strconv.Itoa(i), r, 1)
		require.NoError(t, err)
	}
	st := s.Stats()
	require.Equal(t, 20_000, st.Keys)
	clock.Advance(time.Second) // every bucket is full again
	// Traffic on a few hot keys alone releases the idle ones, shard by shard.
	hot := make([]string, 64)
	for i := range hot {
		hot[i] = "hot" + strconv.Itoa(i)
	}
	for i := range 500_000 {
		_, err := s.Take(ctx, "p", hot[i%64], r, 0)
		require.NoError(t, err)
	}
	after := s.Stats()
	require.Less(t, after.Keys, 1_000, "idle keys are released without a sweep")
	require.LessOrEqual(t, after.Slots, st.Slots/4, "and the tables shrink")
}

func TestSweepReleasesEveryIdleKey(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t, 0)
	ctx := context.Background()
	for i := range 10_000 {
		_, err := s.Take(ctx, "p", strconv.Itoa(i), PerSecond(1), 1)
		require.NoError(t, err)
	}
	_, err := s.Take(ctx, "p", "busy", PerHour(1), 1)
	require.NoError(t, err)
	clock.Advance(time.Second)
	s.Sweep()
	st := s.Stats()
	require.Equal(t, 1, st.Keys, "only the bucket that is not full remains")
	require.LessOrEqual(t, st.Slots, minSlots)
	d, err := s.Take(ctx, "p", "busy", PerHour(1), 1)
	require.NoError(t, err)
	require.False(t, d.Allowed, "sweeping never forgets a bucket that is not full")
}

func TestFullStoreNeverEvictsALimitedKey(t *testing.T) {
	t.Parallel()
	s, clock := newTestStore(t, 256) // one shard of 256 keys
	require.Len(t, s.shards, 1)
	ctx := context.Background()
	r := PerMinute(2)
	// The victim is over its limit.
	for range 2 {
		_, err := s.Take(ctx, "p", "victim", r, 1)
		require.NoError(t, err)
	}
	// An attacker fills the table with buckets that are not full.
	for i := 0; i < 255; i++ {
		d, err := s.Take(ctx, "p", "attacker"+strconv.Itoa(i), r, 1)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	require.Equal(t, 256, s.Stats().Keys)
	// More new keys cannot evict anyone: they share the overflow bucket.
	admitted := 0
	for i := range 1000 {
		d, err := s.Take(ctx, "p", "new"+strconv.Itoa(i), r, 1)
		require.NoError(t, err)
		if d.Allowed {
			admitted++
		}
	}
	require.Equal(t, 2, admitted, "new keys together get one bucket's burst")
	st := s.Stats()
	require.Equal(t, 256, st.Keys)
	require.Equal(t, uint64(1000), st.Overflows)
	require.Zero(t, st.Evictions)
	d, err := s.Take(ctx, "p", "victim", r, 1)
	require.NoError(t, err)
	require.False(t, d.Allowed, "the victim is still limited")

	// Once buckets are full again they may be evicted to make room.
	clock.Advance(time.Minute)
	d, err = s.Take(ctx, "p", "newcomer", r, 1)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	require.Equal(t, uint64(1000), s.Stats().Overflows)
}

func TestNewMemoryStoreValidatesOptions(t *testing.T) {
	t.Parallel()
	_, err := NewMemoryStore(MemoryOptions{MaxKeys: -1})
	require.ErrorContains(t, err, "ratelimit: MaxKeys")
	_, err = NewMemoryStore(MemoryOptions{MaxKeys: 1 << 31})
	require.ErrorContains(t, err, "ratelimit: MaxKeys")
	s, err := NewMemoryStore(MemoryOptions{})
	require.NoError(t, err)
	require.Equal(t, DefaultMaxKeys, s.Stats().MaxKeys)
	require.Len(t, s.shards, defaultShards)
	s, err = NewMemoryStore(MemoryOptions{MaxKeys: 1})
	require.NoError(t, err)
	d, err := s.Take(context.Background(), "", "k", PerSecond(1), 1)
	require.NoError(t, err)
	require.True(t, d.Allowed)
}

func TestMemoryStoreAllocatesNothing(t *testing.T) {
	s, _ := newTestStore(t, 0)
	ctx := context.Background()
	keys := []string{"a", "b", "c", "d"}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		_, _ = s.Take(ctx, "p", keys[i%4], PerSecond(100), 1)
		i++
	})
	require.Zero(t, allocs)
}

// TestKnownKeyPathMatchesGCRA checks the written-out path for known keys
// against gcra on random states.
func TestKnownKeyPathMatchesGCRA(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t, 0)
	sh := &s.shards[0]
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		r := Every(time.Duration(1+rng.Int64N(int64(time.Minute))), 1+rng.IntN(50))
		now := int64(time.Hour) + rng.Int64N(int64(time.Hour))
		tat := now + rng.Int64N(2*int64(r.Window())) - int64(r.Window())
		cost := rng.IntN(r.Burst() + 1)
		const h = 99
		sh.mu.Lock()
		sh.t = table{}
		sh.t.insert(h, tat, s.maxSlots)
		got := s.take(sh, h, now, r, cost)
		_, stored, _ := sh.t.lookup(h)
		sh.mu.Unlock()
		wantTAT, want := gcra(tat, now, r, cost)
		if got != want || stored != wantTAT {
			t.Fatalf("tat %d now %d rate %v cost %d: got %+v (tat %d), want %+v (tat %d)", tat, now, r, cost, got, stored, want, wantTAT)
		}
	}
}
