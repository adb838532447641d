package passwordtest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/stretchr/testify/require"
)

// Clock is a settable clock for TrackerOptions.Now. It is safe for
// concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestTracker runs login scenarios through a password.Tracker (default
// limits: 5 failures in 30 minutes, 20 per IP, 15-minute locks doubling)
// built on stores from newStore, with a Clock.
func TestTracker(t *testing.T, newStore func(t *testing.T) password.Store) {
	ctx := context.Background()
	setup := func(t *testing.T, o password.TrackerOptions) (*password.Tracker, *Clock) {
		t.Helper()
		clock := NewClock(Base)
		o.Store, o.Now = newStore(t), clock.Now
		tr, err := password.NewTracker(o)
		require.NoError(t, err)
		return tr, clock
	}
	ipA := netip.MustParseAddr("192.0.2.10")
	// login runs one attempt; right says whether the password is correct.
	// It reports the result and whether the password was verified.
	login := func(t *testing.T, tr *password.Tracker, user string, ip netip.Addr, right bool) (error, bool) {
		t.Helper()
		verified := false
		err := tr.Login(ctx, password.Attempt{Username: user, IP: ip}, func(context.Context) error {
			verified = true
			if right {
				return nil
			}
			return password.ErrMismatch
		})
		return err, verified
	}
	attacker := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}) }

	t.Run("five wrong passwords lock the account and the right one then fails alike", func(t *testing.T) {
		tr, clock := setup(t, password.TrackerOptions{})
		for i := 0; i < 5; i++ {
			err, verified := login(t, tr, "alice", ipA, false)
			require.ErrorIs(t, err, password.ErrInvalidCredentials)
			require.True(t, verified)
		}
		err, verified := login(t, tr, "alice", ipA, true)
		require.Equal(t, password.ErrInvalidCredentials, err, "exactly the wrong-password error")
		require.True(t, verified, "the password is still verified, so timing matches")
		d, err := tr.Check(ctx, password.Attempt{Username: "alice", IP: ipA})
		require.NoError(t, err)
		require.Equal(t, password.Decision{Scope: password.ScopeAccount, RetryAfter: 15 * time.Minute}, d)

		clock.Advance(15*time.Minute - time.Millisecond)
		err, _ = login(t, tr, "alice", ipA, true)
		require.ErrorIs(t, err, password.ErrInvalidCredentials, "still locked a millisecond before the end")
		clock.Advance(time.Millisecond)
		err, _ = login(t, tr, "alice", ipA, true)
		require.NoError(t, err, "the cool-off is over")
	})

	t.Run("four failures and a success leave the account open", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		for i := 0; i < 4; i++ {
			login(t, tr, "alice", ipA, false)
		}
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
		for i := 0; i < 4; i++ {
			login(t, tr, "alice", ipA, false)
		}
		err, _ = login(t, tr, "alice", ipA, true)
		require.NoError(t, err, "success reset the username counter")
	})

	t.Run("failures older than the window do not add up", func(t *testing.T) {
		tr, clock := setup(t, password.TrackerOptions{})
		for i := 0; i < 4; i++ {
			login(t, tr, "alice", ipA, false)
		}
		clock.Advance(30 * time.Minute)
		for i := 0; i < 4; i++ {
			login(t, tr, "alice", ipA, false)
		}
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
	})

	t.Run("the second lock lasts twice as long", func(t *testing.T) {
		tr, clock := setup(t, password.TrackerOptions{})
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", ipA, false)
		}
		clock.Advance(15 * time.Minute)
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", ipA, false)
		}
		d, err := tr.Check(ctx, password.Attempt{Username: "alice", IP: ipA})
		require.NoError(t, err)
		require.Equal(t, 30*time.Minute, d.RetryAfter)
	})

	t.Run("usernames are counted case- and space-insensitively", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		for _, u := range []string{"alice", "ALICE", " Alice ", "aLiCe\t", "ａｌｉｃｅ"} {
			login(t, tr, u, attacker(1), false)
		}
		d, err := tr.Check(ctx, password.Attempt{Username: "Alice", IP: attacker(2)})
		require.NoError(t, err)
		require.Equal(t, password.ScopeAccount, d.Scope)
	})

	t.Run("an empty username is never a shared counter", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		for i := 0; i < 10; i++ {
			err, verified := login(t, tr, []string{"", "   "}[i%2], attacker(i), false)
			require.ErrorIs(t, err, password.ErrInvalidCredentials)
			require.True(t, verified)
		}
		d, err := tr.Check(ctx, password.Attempt{Username: "", IP: attacker(50)})
		require.NoError(t, err)
		require.True(t, d.Allowed)
	})

	t.Run("an attack from many addresses does not lock out a known device", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", attacker(i), false)
		}
		err, _ = login(t, tr, "alice", attacker(9), true)
		require.ErrorIs(t, err, password.ErrInvalidCredentials, "the account is locked for new addresses")
		err, _ = login(t, tr, "alice", ipA, true)
		require.NoError(t, err, "the owner's known address still gets in")
	})

	t.Run("a known device is still limited by its own pair counter", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", ipA, false)
		}
		err, _ = login(t, tr, "alice", ipA, true)
		require.ErrorIs(t, err, password.ErrInvalidCredentials)
	})

	t.Run("KnownFor negative exempts nobody", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{KnownFor: -1})
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", attacker(i), false)
		}
		err, _ = login(t, tr, "alice", ipA, true)
		require.ErrorIs(t, err, password.ErrInvalidCredentials)
	})

	t.Run("one address spraying many accounts is throttled", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		for i := 0; i < 20; i++ {
			err, _ := login(t, tr, "user"+string(rune('a'+i)), attacker(1), false)
			require.ErrorIs(t, err, password.ErrInvalidCredentials)
		}
		err, verified := login(t, tr, "victim", attacker(1), true)
		var te *password.ThrottledError
		require.ErrorAs(t, err, &te)
		require.ErrorIs(t, err, password.ErrThrottled)
		require.Equal(t, 15*time.Minute, te.RetryAfter)
		require.False(t, verified, "a throttled client costs no hashing")
		err, _ = login(t, tr, "victim", attacker(2), true)
		require.NoError(t, err, "other addresses are not affected")
	})

	t.Run("an IPv6 /64 is one client", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{IPMaxFailures: 3})
		for i := 1; i <= 3; i++ {
			login(t, tr, "u", netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}), false)
		}
		d, err := tr.Check(ctx, password.Attempt{Username: "other", IP: netip.MustParseAddr("2001:db8::ffff:1")})
		require.NoError(t, err)
		require.Equal(t, password.ScopeClient, d.Scope)
		d, err = tr.Check(ctx, password.Attempt{Username: "other", IP: netip.MustParseAddr("2001:db8:0:1::1")})
		require.NoError(t, err)
		require.True(t, d.Allowed, "the next /64 is another client")
	})

	t.Run("concurrent guesses cannot all slip under the threshold", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		const n = 20
		var barrier sync.WaitGroup
		barrier.Add(n)
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				errs <- tr.Login(ctx, password.Attempt{Username: "alice", IP: attacker(i)}, func(context.Context) error {
					barrier.Done()
					barrier.Wait() // every attempt has been counted before any is verified
					return nil     // and every one has the right password
				})
			}()
		}
		ok := 0
		for i := 0; i < n; i++ {
			err := <-errs
			if err == nil {
				ok++
			} else {
				require.ErrorIs(t, err, password.ErrInvalidCredentials)
			}
		}
		require.Equal(t, 5, ok, "only the first MaxFailures attempts were let through")
	})

	t.Run("an administrator's reset unlocks the account", func(t *testing.T) {
		tr, _ := setup(t, password.TrackerOptions{})
		for i := 0; i < 5; i++ {
			login(t, tr, "alice", ipA, false)
		}
		require.NoError(t, tr.Reset(ctx, " ALICE "))
		err, _ := login(t, tr, "alice", ipA, true)
		require.NoError(t, err)
	})
}
