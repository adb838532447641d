package password

import (
	"context"
	"time"
)

// Store keeps the tracker's failure counters. The in-memory MemoryStore is
// the default; redisstore.LoginStore shares counters between instances.
// Implementations must be safe for concurrent use, bounded in memory, and
// apply the counter rules below exactly, which passwordtest.TestStore
// checks.
//
// Time always comes from the caller (the Tracker's clock, in whole
// milliseconds), never from the store, so that every instance of a service
// and every store implementation agree, and so that tests can drive time.
//
// The rules, per counter: a counter idle for a Window after its window
// started and its last lock ended is forgotten (level included); a window
// lasts Window from its first failure; failures while the counter is locked
// are not counted; the failure that reaches the threshold locks the counter
// for Lockout × 2^(level-1), at most MaxLockout, and starts a new window.
//
// A login is Begin, then the password check, then Succeed, FailIP or
// Release. Begin counts the attempt against the account before the
// password is checked, so that concurrent guesses cannot all pass a check
// made before any of them failed; Succeed clears that count, Release takes
// it back when the password could not be checked.
type Store interface {
	// Status returns the counters of an attempt without changing them.
	Status(ctx context.Context, k Keys, now time.Time, lim Limits) (Status, error)
	// Begin starts an attempt. When the IP counter is locked it counts
	// nothing and returns that counter alone. Otherwise it counts a
	// failure on the user and pair counters (those whose keys are set; a
	// new pair beyond lim.MaxPairs for the user is not counted and reads
	// zero) and returns every counter as it is now, JustLocked set on
	// those this attempt locked, the IP counter unchanged.
	Begin(ctx context.Context, k Keys, now time.Time, lim Limits) (Status, error)
	// FailIP counts a failed attempt on the IP counter of ip and returns
	// it, JustLocked set if this failure locked it.
	FailIP(ctx context.Context, ip string, now time.Time, lim Limits) (Counter, error)
	// Release takes back the failure Begin counted on the user and pair
	// counters, when the password could not be checked: one failure less
	// on each that has any and is not locked. (A lock Begin placed stays.)
	Release(ctx context.Context, k Keys, now time.Time, lim Limits) error
	// Succeed clears the user and pair counters (not the IP's: a
	// successful login on one account must not reset a client's failures
	// on others), remembers the pair as known for lim.KnownFor (keeping at
	// most lim.MaxKnown per user, dropping the soonest to expire), and
	// returns the counters as they were before.
	Succeed(ctx context.Context, k Keys, now time.Time, lim Limits) (Status, error)
	// Reset clears the user counter and every pair counter of a
	// (normalized) user, for an administrator's unlock. Known pairs and IP
	// counters are kept.
	Reset(ctx context.Context, user string) error
}

// Keys names the counters of one attempt.
type Keys struct {
	// User is the normalized username (NormalizeUsername). Empty: the
	// user and pair counters are not used.
	User string
	// IP is the client address as clientip.Key masks it, in text form.
	// Empty: the IP and pair counters are not used.
	IP string
}

// Limits are the tracker's rules, handed to the store on each call. All
// durations are whole milliseconds.
type Limits struct {
	Window       time.Duration // a failure counts for this long after the window's first
	Lockout      time.Duration // the first lock's length; each further lock doubles it
	MaxLockout   time.Duration // the longest lock
	UserFailures int           // failures of a user (from anywhere) that lock it
	PairFailures int           // failures of a user from one client that lock the pair
	IPFailures   int           // failures from one client (any user) that lock the client
	KnownFor     time.Duration // how long a successful pair stays known; 0: not remembered
	MaxPairs     int           // pair counters kept per user
	MaxKnown     int           // known pairs kept per user
}

// Counter is the state of one failure counter.
type Counter struct {
	Failures    int       // in the current window
	WindowStart time.Time // the window's first failure; zero when none
	LockedUntil time.Time // zero when never locked
	Level       int       // locks in a row; the next lock lasts Lockout × 2^Level
	JustLocked  bool      // set in Fail's result on the counters that failure locked
}

// Locked reports whether the counter is locked at now.
func (c Counter) Locked(now time.Time) bool { return now.Before(c.LockedUntil) }

// Status is the state of an attempt's counters.
type Status struct {
	User, Pair, IP Counter
	// Known: this user logged in successfully from this client within
	// KnownFor; the user-wide lock does not apply to it.
	Known bool
}

// CounterState is a counter as stores keep it, in Unix milliseconds, the
// form the reference rules work on, so that every store rounds alike.
// Stores outside this package (redisstore) use Current and Counter to read
// what they stored.
type CounterState struct {
	Failures, Level int
	Start, Until    int64 // Unix ms; 0: none
}

// Expiry returns when (Unix ms) the counter is forgotten: a window after
// its window started or its last lock ended, whichever is later. Stores use
// it for TTLs.
func (c CounterState) Expiry(window time.Duration) int64 {
	return max(c.Start, c.Until) + window.Milliseconds()
}

// Current returns the counter as seen at now (Unix ms): zero once past its
// expiry, its window emptied once the window has passed.
func (c CounterState) Current(now int64, window time.Duration) CounterState {
	if now >= c.Expiry(window) {
		return CounterState{}
	}
	if c.Failures > 0 && now >= c.Start+window.Milliseconds() {
		c.Failures, c.Start = 0, 0
	}
	return c
}

// fail applies one failure at now against threshold. It returns the new
// counter and whether this failure locked it.
func (c CounterState) fail(now int64, threshold int, lim *Limits) (CounterState, bool) {
	c = c.Current(now, lim.Window)
	if now < c.Until {
		return c, false
	}
	if c.Failures == 0 {
		c.Start = now
	}
	c.Failures++
	if c.Failures < threshold {
		return c, false
	}
	c.Level++
	c.Until = now + lockFor(c.Level, lim)
	c.Failures, c.Start = 0, 0
	return c, true
}

// release takes back one failure unless the counter is locked.
func (c CounterState) release(now int64, window time.Duration) CounterState {
	c = c.Current(now, window)
	if c.Failures > 0 && now >= c.Until {
		c.Failures--
	}
	return c
}

// lockFor is the length in ms of the level-th lock.
func lockFor(level int, lim *Limits) int64 {
	d, top := lim.Lockout.Milliseconds(), lim.MaxLockout.Milliseconds()
	for i := 1; i < level && d < top; i++ {
		d *= 2
	}
	return min(d, top)
}

// Counter returns the state in the Counter form of Status.
func (c CounterState) Counter(justLocked bool) Counter {
	out := Counter{Failures: c.Failures, Level: c.Level, JustLocked: justLocked}
	if c.Start != 0 {
		out.WindowStart = time.UnixMilli(c.Start)
	}
	if c.Until != 0 {
		out.LockedUntil = time.UnixMilli(c.Until)
	}
	return out
}
