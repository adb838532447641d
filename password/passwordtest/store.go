// Package passwordtest checks implementations of password.Store against
// the reference rules, so that the in-memory store and the Redis store are
// held to the same suite.
//
//	func TestLoginStore(t *testing.T) {
//		passwordtest.TestStore(t, func(t *testing.T) password.Store { return newStore(t) })
//	}
//
// Time is driven by the suite: it passes explicit times to the store
// (stores must take time from the caller), so windows and locks of minutes
// are tested without waiting. Stores that expire keys by real time (Redis
// TTLs) only use those TTLs to forget; the suite never depends on them.
package passwordtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/stretchr/testify/require"
)

// Base is the time the suite starts at.
var Base = time.UnixMilli(1_900_000_000_000)

// Limits returns the limits the suite uses unless a case changes them:
// 5 failures per user and pair, 8 per IP, in 30 minutes; locks of 10
// minutes doubling to 25; known pairs for a day, 4 per user; 8 pairs per
// user.
func Limits() password.Limits {
	return password.Limits{
		Window: 30 * time.Minute, Lockout: 10 * time.Minute, MaxLockout: 25 * time.Minute,
		UserFailures: 5, PairFailures: 5, IPFailures: 8,
		KnownFor: 24 * time.Hour, MaxPairs: 8, MaxKnown: 4,
	}
}

// TestStore runs the suite. newStore must return an empty store for each
// call (for a shared server: one with a fresh key prefix).
func TestStore(t *testing.T, newStore func(t *testing.T) password.Store) {
	ctx := context.Background()
	lim := Limits()
	alice := password.Keys{User: "alice", IP: "192.0.2.1"}
	at := func(d time.Duration) time.Time { return Base.Add(d) }

	// fail is a failed login: Begin, then FailIP.
	fail := func(t *testing.T, s password.Store, k password.Keys, now time.Time, l password.Limits) password.Status {
		t.Helper()
		st, err := s.Begin(ctx, k, now, l)
		require.NoError(t, err)
		if k.IP != "" {
			st.IP, err = s.FailIP(ctx, k.IP, now, l)
			require.NoError(t, err)
		}
		return st
	}
	status := func(t *testing.T, s password.Store, k password.Keys, now time.Time, l password.Limits) password.Status {
		t.Helper()
		st, err := s.Status(ctx, k, now, l)
		require.NoError(t, err)
		return st
	}

	t.Run("a fresh store reports zero counters", func(t *testing.T) {
		s := newStore(t)
		require.Equal(t, password.Status{}, status(t, s, alice, Base, lim))
	})

	t.Run("a failure counts on the user, the pair and the IP", func(t *testing.T) {
		s := newStore(t)
		fail(t, s, alice, at(0), lim)
		fail(t, s, alice, at(time.Minute), lim)
		st := fail(t, s, alice, at(2*time.Minute), lim)
		want := password.Counter{Failures: 3, WindowStart: Base}
		require.Equal(t, want, st.User)
		require.Equal(t, want, st.Pair)
		require.Equal(t, want, st.IP)
		require.Equal(t, st, status(t, s, alice, at(3*time.Minute), lim))
	})

	t.Run("the fifth failure locks the user and the pair but not the IP", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 4; i++ {
			st := fail(t, s, alice, at(time.Duration(i)*time.Second), lim)
			require.False(t, st.User.JustLocked)
			require.False(t, st.User.Locked(at(time.Duration(i)*time.Second)))
		}
		now := at(4 * time.Second)
		st := fail(t, s, alice, now, lim)
		require.Equal(t, password.Counter{LockedUntil: now.Add(10 * time.Minute), Level: 1, JustLocked: true}, st.User)
		require.Equal(t, password.Counter{LockedUntil: now.Add(10 * time.Minute), Level: 1, JustLocked: true}, st.Pair)
		require.Equal(t, 5, st.IP.Failures)
		require.False(t, st.IP.Locked(now))
		got := status(t, s, alice, now, lim)
		require.True(t, got.User.Locked(now))
		require.False(t, got.User.JustLocked, "Status never reports JustLocked")
	})

	t.Run("a failure one millisecond before the window ends still counts", func(t *testing.T) {
		s := newStore(t)
		fail(t, s, alice, at(0), lim)
		for i := 0; i < 3; i++ {
			fail(t, s, alice, at(lim.Window-time.Millisecond), lim)
		}
		st := fail(t, s, alice, at(lim.Window-time.Millisecond), lim)
		require.True(t, st.User.JustLocked)
	})

	t.Run("a failure when the window ends starts a new window", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 4; i++ {
			fail(t, s, alice, at(0), lim)
		}
		st := fail(t, s, alice, at(lim.Window), lim)
		require.False(t, st.User.JustLocked)
		require.Equal(t, password.Counter{Failures: 1, WindowStart: at(lim.Window)}, st.User)
		require.Equal(t, 1, status(t, s, alice, at(lim.Window), lim).Pair.Failures, "the pair restarted too")
	})

	t.Run("a counter reads as empty once its window has passed", func(t *testing.T) {
		s := newStore(t)
		fail(t, s, alice, at(0), lim)
		require.Equal(t, 1, status(t, s, alice, at(lim.Window-time.Millisecond), lim).User.Failures)
		require.Equal(t, password.Status{}, status(t, s, alice, at(lim.Window), lim))
	})

	t.Run("failures during a lock are not counted and the lock ends on time", func(t *testing.T) {
		s := newStore(t)
		lim := lim
		lim.IPFailures = 100
		for i := 0; i < 5; i++ {
			fail(t, s, alice, at(0), lim)
		}
		for i := 0; i < 10; i++ {
			st := fail(t, s, alice, at(time.Minute), lim)
			require.False(t, st.User.JustLocked)
			require.Equal(t, 0, st.User.Failures)
			require.Equal(t, at(10*time.Minute), st.User.LockedUntil, "not extended")
		}
		require.True(t, status(t, s, alice, at(10*time.Minute-time.Millisecond), lim).User.Locked(at(10*time.Minute-time.Millisecond)))
		end := at(10 * time.Minute)
		require.False(t, status(t, s, alice, end, lim).User.Locked(end))
		require.Equal(t, 15, status(t, s, alice, end, lim).IP.Failures, "the IP counted them all")
	})

	t.Run("each further lock doubles up to the maximum", func(t *testing.T) {
		s := newStore(t)
		now := at(0)
		for _, want := range []time.Duration{10 * time.Minute, 20 * time.Minute, 25 * time.Minute, 25 * time.Minute} {
			var st password.Status
			for i := 0; i < 5; i++ {
				st = fail(t, s, password.Keys{User: "bob"}, now, lim)
			}
			require.True(t, st.User.JustLocked)
			require.Equal(t, now.Add(want), st.User.LockedUntil)
			now = st.User.LockedUntil
		}
	})

	t.Run("the lock level is forgotten a window after the lock ends", func(t *testing.T) {
		s := newStore(t)
		k := password.Keys{User: "bob"}
		for i := 0; i < 5; i++ {
			fail(t, s, k, at(0), lim)
		}
		quiet := at(10*time.Minute + lim.Window)
		require.Equal(t, password.Status{}, status(t, s, k, quiet, lim))
		var st password.Status
		for i := 0; i < 5; i++ {
			st = fail(t, s, k, quiet, lim)
		}
		require.Equal(t, 1, st.User.Level)
		require.Equal(t, quiet.Add(10*time.Minute), st.User.LockedUntil)
		// One millisecond earlier the level would have been kept.
		s2 := newStore(t)
		for i := 0; i < 5; i++ {
			fail(t, s2, k, at(0), lim)
		}
		for i := 0; i < 5; i++ {
			st = fail(t, s2, k, quiet.Add(-time.Millisecond), lim)
		}
		require.Equal(t, 2, st.User.Level)
	})

	t.Run("the IP locks after its own threshold across users", func(t *testing.T) {
		s := newStore(t)
		var st password.Status
		for i := 0; i < 8; i++ {
			st = fail(t, s, password.Keys{User: fmt.Sprintf("user%d", i), IP: "198.51.100.7"}, at(0), lim)
		}
		require.True(t, st.IP.JustLocked)
		require.Equal(t, at(10*time.Minute), st.IP.LockedUntil)
		require.Equal(t, 1, st.User.Failures, "each user failed once")
		other := status(t, s, password.Keys{User: "user0", IP: "198.51.100.8"}, at(0), lim)
		require.False(t, other.IP.Locked(at(0)), "another IP is not locked")
	})

	t.Run("success clears the user and the pair, keeps the IP and remembers the pair", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 3; i++ {
			fail(t, s, alice, at(0), lim)
		}
		before, err := s.Succeed(ctx, alice, at(time.Minute), lim)
		require.NoError(t, err)
		require.Equal(t, 3, before.User.Failures)
		require.Equal(t, 3, before.Pair.Failures)
		require.False(t, before.Known)
		st := status(t, s, alice, at(time.Minute), lim)
		require.Equal(t, password.Counter{}, st.User)
		require.Equal(t, password.Counter{}, st.Pair)
		require.Equal(t, 3, st.IP.Failures)
		require.True(t, st.Known)
		require.False(t, status(t, s, password.Keys{User: "alice", IP: "192.0.2.2"}, at(time.Minute), lim).Known, "known is per IP")
		require.False(t, status(t, s, password.Keys{User: "bob", IP: "192.0.2.1"}, at(time.Minute), lim).Known, "known is per user")
		require.True(t, status(t, s, alice, at(time.Minute+lim.KnownFor-time.Millisecond), lim).Known)
		require.False(t, status(t, s, alice, at(time.Minute+lim.KnownFor), lim).Known, "known expires")
	})

	t.Run("success on a locked user clears the lock", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 5; i++ {
			fail(t, s, alice, at(0), lim)
		}
		_, err := s.Succeed(ctx, alice, at(time.Minute), lim)
		require.NoError(t, err)
		st := status(t, s, alice, at(time.Minute), lim)
		require.False(t, st.User.Locked(at(time.Minute)))
		require.Equal(t, 0, st.User.Level)
	})

	t.Run("success without KnownFor remembers nothing", func(t *testing.T) {
		s := newStore(t)
		l := lim
		l.KnownFor = 0
		_, err := s.Succeed(ctx, alice, at(0), l)
		require.NoError(t, err)
		require.False(t, status(t, s, alice, at(0), l).Known)
	})

	t.Run("at most MaxKnown pairs are remembered and the oldest goes first", func(t *testing.T) {
		s := newStore(t)
		l := lim
		l.MaxKnown = 2
		for i, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
			_, err := s.Succeed(ctx, password.Keys{User: "alice", IP: ip}, at(time.Duration(i)*time.Minute), l)
			require.NoError(t, err)
		}
		now := at(3 * time.Minute)
		require.False(t, status(t, s, password.Keys{User: "alice", IP: "192.0.2.1"}, now, l).Known)
		require.True(t, status(t, s, password.Keys{User: "alice", IP: "192.0.2.2"}, now, l).Known)
		require.True(t, status(t, s, password.Keys{User: "alice", IP: "192.0.2.3"}, now, l).Known)
		_, err := s.Succeed(ctx, password.Keys{User: "alice", IP: "192.0.2.2"}, now, l)
		require.NoError(t, err)
		require.True(t, status(t, s, password.Keys{User: "alice", IP: "192.0.2.3"}, now, l).Known, "refreshing a known pair evicts nothing")
	})

	t.Run("reset clears the user and its pairs but not IPs nor known pairs", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Succeed(ctx, alice, at(0), lim)
		require.NoError(t, err)
		other := password.Keys{User: "alice", IP: "203.0.113.9"}
		for i := 0; i < 5; i++ {
			fail(t, s, alice, at(time.Minute), lim)
			fail(t, s, other, at(time.Minute), lim)
		}
		require.NoError(t, s.Reset(ctx, "alice"))
		st := status(t, s, alice, at(time.Minute), lim)
		require.Equal(t, password.Counter{}, st.User)
		require.Equal(t, password.Counter{}, st.Pair)
		require.Equal(t, password.Counter{}, status(t, s, other, at(time.Minute), lim).Pair, "every pair of the user")
		require.Equal(t, 5, st.IP.Failures)
		require.True(t, st.Known)
		require.NoError(t, s.Reset(ctx, "nobody"))
		require.NoError(t, s.Reset(ctx, ""))
	})

	t.Run("an empty user touches only the IP and an empty IP only the user", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 5; i++ {
			st := fail(t, s, password.Keys{IP: "192.0.2.1"}, at(0), lim)
			require.Equal(t, password.Counter{}, st.User)
			require.Equal(t, password.Counter{}, st.Pair)
		}
		require.Equal(t, 5, status(t, s, alice, at(0), lim).IP.Failures)
		require.Equal(t, 0, status(t, s, alice, at(0), lim).User.Failures, "the empty user is no shared counter")
		st := fail(t, s, password.Keys{User: "carol"}, at(0), lim)
		require.Equal(t, 1, st.User.Failures)
		require.Equal(t, password.Counter{}, st.IP)
		require.Equal(t, password.Counter{}, st.Pair)
		st = fail(t, s, password.Keys{}, at(0), lim)
		require.Equal(t, password.Status{}, st)
	})

	t.Run("pairs beyond MaxPairs are not counted until old ones are forgotten", func(t *testing.T) {
		s := newStore(t)
		l := lim
		l.MaxPairs = 2
		l.UserFailures = 100
		for _, ip := range []string{"192.0.2.1", "192.0.2.2"} {
			st := fail(t, s, password.Keys{User: "alice", IP: ip}, at(0), l)
			require.Equal(t, 1, st.Pair.Failures)
		}
		st := fail(t, s, password.Keys{User: "alice", IP: "192.0.2.3"}, at(time.Minute), l)
		require.Equal(t, password.Counter{}, st.Pair, "no room")
		require.Equal(t, 3, st.User.Failures, "the user still counts")
		require.Equal(t, 1, st.IP.Failures)
		st = fail(t, s, password.Keys{User: "alice", IP: "192.0.2.1"}, at(time.Minute), l)
		require.Equal(t, 2, st.Pair.Failures, "existing pairs keep counting")
		st = fail(t, s, password.Keys{User: "alice", IP: "192.0.2.4"}, at(l.Window+time.Minute), l)
		require.Equal(t, 1, st.Pair.Failures, "forgotten pairs make room")
	})

	t.Run("begin counts the account ahead and leaves the IP to FailIP", func(t *testing.T) {
		s := newStore(t)
		st, err := s.Begin(ctx, alice, at(0), lim)
		require.NoError(t, err)
		require.Equal(t, password.Counter{Failures: 1, WindowStart: Base}, st.User)
		require.Equal(t, password.Counter{Failures: 1, WindowStart: Base}, st.Pair)
		require.Equal(t, password.Counter{}, st.IP)
		require.Equal(t, password.Counter{}, status(t, s, alice, at(0), lim).IP)
	})

	t.Run("begin from a locked IP counts nothing", func(t *testing.T) {
		s := newStore(t)
		var ipc password.Counter
		for i := 0; i < 8; i++ {
			var err error
			ipc, err = s.FailIP(ctx, alice.IP, at(0), lim)
			require.NoError(t, err)
		}
		require.True(t, ipc.JustLocked)
		st, err := s.Begin(ctx, alice, at(time.Second), lim)
		require.NoError(t, err)
		require.True(t, st.IP.Locked(at(time.Second)))
		require.Equal(t, password.Counter{}, st.User)
		require.Equal(t, 0, status(t, s, alice, at(time.Second), lim).User.Failures)
	})

	t.Run("begin reports a known pair", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Succeed(ctx, alice, at(0), lim)
		require.NoError(t, err)
		st, err := s.Begin(ctx, alice, at(time.Second), lim)
		require.NoError(t, err)
		require.True(t, st.Known)
	})

	t.Run("release takes back one failure but no lock", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.Release(ctx, alice, at(0), lim), "nothing to release")
		for i := 0; i < 2; i++ {
			_, err := s.Begin(ctx, alice, at(0), lim)
			require.NoError(t, err)
		}
		require.NoError(t, s.Release(ctx, alice, at(time.Second), lim))
		st := status(t, s, alice, at(time.Second), lim)
		require.Equal(t, password.Counter{Failures: 1, WindowStart: Base}, st.User)
		require.Equal(t, password.Counter{Failures: 1, WindowStart: Base}, st.Pair)
		for i := 0; i < 4; i++ {
			_, err := s.Begin(ctx, alice, at(time.Second), lim)
			require.NoError(t, err)
		}
		require.NoError(t, s.Release(ctx, alice, at(2*time.Second), lim))
		st = status(t, s, alice, at(2*time.Second), lim)
		require.True(t, st.User.Locked(at(2*time.Second)), "a lock stays")
		require.True(t, st.Pair.Locked(at(2*time.Second)))
		require.NoError(t, s.Release(ctx, password.Keys{IP: "192.0.2.1"}, at(0), lim), "no user: nothing to do")
	})

	t.Run("concurrent failures are all counted", func(t *testing.T) {
		s := newStore(t)
		l := lim
		l.UserFailures, l.PairFailures, l.IPFailures = 100, 100, 100
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Begin(ctx, alice, at(0), l)
				require.NoError(t, err)
				_, err = s.FailIP(ctx, alice.IP, at(0), l)
				require.NoError(t, err)
			}()
		}
		wg.Wait()
		st := status(t, s, alice, at(0), l)
		require.Equal(t, 40, st.User.Failures)
		require.Equal(t, 40, st.Pair.Failures)
		require.Equal(t, 40, st.IP.Failures)
	})
}
