package password

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// TrackerOptions configures a Tracker. The zero value locks a username
// after 5 failures in 30 minutes (for 15 minutes, doubling up to 24 hours),
// a client address after 20, in memory.
type TrackerOptions struct {
	// Store keeps the counters. Default a MemoryStore with default bounds.
	// Use redisstore.LoginStore to share counters between instances.
	Store Store
	// MaxFailures is how many failures within Window lock a username, and
	// lock a username for one client address. Default 5; at most 100 (NIST
	// SP 800-63B-4 allows no more consecutive failures on an account).
	MaxFailures int
	// IPMaxFailures is how many failures within Window, on any usernames,
	// lock a client address (an IPv6 /64). Default 20.
	IPMaxFailures int
	// Window is how long failures are counted from the first. Default 30
	// minutes.
	Window time.Duration
	// Lockout is the first lock's length; each further lock of the same
	// counter, while it is remembered, doubles it. Default 15 minutes.
	Lockout time.Duration
	// MaxLockout caps the doubling. Default 24 hours.
	MaxLockout time.Duration
	// KnownFor is how long a (username, client address) pair that logged
	// in successfully is exempt from the username-wide lock (the pair's
	// own counter still applies). Default 30 days; negative: never exempt.
	KnownFor time.Duration
	// MaxPairsPerUser bounds the per-client counters kept per username.
	// Default 16.
	MaxPairsPerUser int
	// MaxKnownPerUser bounds the known client addresses kept per username.
	// Default 4.
	MaxKnownPerUser int
	// FailOpen lets logins proceed, uncounted, when the store fails.
	// Default false: Check and Login return ErrStoreUnavailable. Either way
	// a sys_store_error event is recorded.
	FailOpen bool
	// Audit receives authn_login_success, authn_login_fail,
	// authn_login_lock and authn_login_suspicious events. Nil: none.
	Audit audit.Recorder
	// Now is the clock. Default time.Now. Times are rounded down to the
	// millisecond.
	Now func() time.Time
}

// Tracker counts failed logins per username, per client address and per
// (username, client address) pair, and locks them out after too many.
//
// Three counters, because each alone fails:
//   - per username (MaxFailures): stops a distributed guessing attack on
//     one account, but lets anyone lock any account; so it does not apply
//     to a client that has logged in as that user before (KnownFor);
//   - per pair (MaxFailures): stops guessing from one client even where
//     the username lock does not apply;
//   - per client address (IPMaxFailures): stops one client trying a
//     password or two against many accounts (spraying), and makes an
//     attacker who keeps an account locked pay in addresses: each address
//     can add at most IPMaxFailures failures before it is itself locked.
//
// The trade-off: an attacker with many addresses can still keep an account
// locked for users on new devices, at the cost of MaxFailures failures per
// lock period from addresses that each get locked; the account's owner on
// a device they used before is not affected, and an administrator can
// Reset the account. Lock periods double while an attack goes on, so a
// guessing attacker gets about MaxFailures guesses per period.
//
// Login counts each attempt against the account before the password is
// verified (a success clears it), so concurrent guesses cannot exceed
// MaxFailures, across instances too. The client-address counter is counted
// after verification, so that successes never count against a shared
// address; a burst of concurrent attempts from one address can overshoot
// IPMaxFailures by the attempts in flight (at most the Hasher's
// MaxConcurrent + MaxWaiting per instance).
//
// A locked account answers exactly as a wrong password does
// (ErrInvalidCredentials from Login, after verifying the password anyway
// so that timing matches): neither the lock nor a correct password during
// it is revealed. A locked client address is told (ErrThrottled with the
// delay): that reveals nothing about any account.
//
// Usernames are normalized (NormalizeUsername) before counting; an empty
// username is never counted as a user. Safe for concurrent use.
type Tracker struct {
	store    Store
	lim      Limits
	failOpen bool
	audit    audit.Recorder
	now      func() time.Time
}

// NewTracker returns a Tracker, or an error for invalid options.
func NewTracker(o TrackerOptions) (*Tracker, error) {
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.IPMaxFailures == 0 {
		o.IPMaxFailures = 20
	}
	if o.Window == 0 {
		o.Window = 30 * time.Minute
	}
	if o.Lockout == 0 {
		o.Lockout = 15 * time.Minute
	}
	if o.MaxLockout == 0 {
		o.MaxLockout = max(24*time.Hour, o.Lockout)
	}
	if o.KnownFor == 0 {
		o.KnownFor = 30 * 24 * time.Hour
	}
	if o.KnownFor < 0 {
		o.KnownFor = 0
	}
	if o.MaxPairsPerUser == 0 {
		o.MaxPairsPerUser = 16
	}
	if o.MaxKnownPerUser == 0 {
		o.MaxKnownPerUser = 4
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.MaxFailures < 1 || o.MaxFailures > 100:
		return nil, errors.New("password: max failures must be 1 to 100")
	case o.IPMaxFailures < 1:
		return nil, errors.New("password: IP max failures must be positive")
	case o.Window < time.Second || o.Lockout < time.Second:
		return nil, errors.New("password: window and lockout must be at least a second")
	case o.MaxLockout < o.Lockout:
		return nil, errors.New("password: max lockout below lockout")
	case o.MaxPairsPerUser < 1 || o.MaxKnownPerUser < 1:
		return nil, errors.New("password: per-user bounds must be positive")
	}
	if o.Store == nil {
		s, err := NewMemoryStore(MemoryStoreOptions{})
		if err != nil {
			return nil, err
		}
		o.Store = s
	}
	return &Tracker{
		store: o.Store,
		lim: Limits{
			Window: o.Window.Truncate(time.Millisecond), Lockout: o.Lockout.Truncate(time.Millisecond),
			MaxLockout:   o.MaxLockout.Truncate(time.Millisecond),
			UserFailures: o.MaxFailures, PairFailures: o.MaxFailures, IPFailures: o.IPMaxFailures,
			KnownFor: o.KnownFor.Truncate(time.Millisecond), MaxPairs: o.MaxPairsPerUser, MaxKnown: o.MaxKnownPerUser,
		},
		failOpen: o.FailOpen,
		audit:    o.Audit,
		now:      o.Now,
	}, nil
}

// Attempt is one login attempt.
type Attempt struct {
	// Username as the client sent it; the tracker normalizes it.
	Username string
	// IP is the client's address (clientip.From); the tracker masks IPv6
	// to its /64 (clientip.Key). The zero Addr disables the per-client
	// counters.
	IP netip.Addr
	// Request, when set, gives audit events their request id, method,
	// path and user agent.
	Request *http.Request
}

// AttemptFrom builds the Attempt of a request, with the client address
// clientip resolves.
func AttemptFrom(r *http.Request, username string) Attempt {
	return Attempt{Username: username, IP: clientip.From(r), Request: r}
}

// Scope says which counter a Decision's lock is on.
type Scope uint8

// Scopes.
const (
	ScopeNone    Scope = iota // not locked
	ScopeAccount              // the username (or the username for this client) is locked: answer as for a wrong password
	ScopeClient               // the client address is locked: answer 429 with Retry-After
)

// String returns "none", "account" or "client".
func (s Scope) String() string {
	switch s {
	case ScopeAccount:
		return "account"
	case ScopeClient:
		return "client"
	}
	return "none"
}

// Decision is what Check says about an attempt.
type Decision struct {
	// Allowed: no lock applies.
	Allowed bool
	// Scope of the lock when not allowed.
	Scope Scope
	// RetryAfter is how long until the lock ends. Reveal it only for
	// ScopeClient: an account lock must look like a wrong password.
	RetryAfter time.Duration
}

func (t *Tracker) keys(a Attempt) Keys {
	k := Keys{User: NormalizeUsername(a.Username)}
	if ip := clientip.Key(a.IP); ip.IsValid() {
		k.IP = ip.String()
	}
	return k
}

func (t *Tracker) clock() time.Time { return time.UnixMilli(t.now().UnixMilli()) }

// Check says whether an attempt would be allowed, without counting it:
// for showing a client how long to wait, or for flows that record outcomes
// with Fail and Succeed themselves. It cannot stop concurrent guesses that
// all pass it before any fails; Login can (it counts the attempt before
// verifying). With ScopeAccount the caller must still verify the password
// (for equal timing) and answer as for a wrong password whatever the
// result.
func (t *Tracker) Check(ctx context.Context, a Attempt) (Decision, error) {
	now := t.clock()
	st, err := t.store.Status(ctx, t.keys(a), now, t.lim)
	if err != nil {
		return Decision{Allowed: true}, err
	}
	return decide(st, now), nil
}

// decide applies the locks of st at now. A counter that the attempt itself
// just locked (JustLocked from Begin) does not block it: the attempt that
// reaches the threshold is the last one allowed.
func decide(st Status, now time.Time) Decision {
	if st.IP.Locked(now) {
		return Decision{Scope: ScopeClient, RetryAfter: st.IP.LockedUntil.Sub(now)}
	}
	var until time.Time
	if st.Pair.Locked(now) && !st.Pair.JustLocked {
		until = st.Pair.LockedUntil
	}
	if !st.Known && st.User.Locked(now) && !st.User.JustLocked && st.User.LockedUntil.After(until) {
		until = st.User.LockedUntil
	}
	if !until.IsZero() {
		return Decision{Scope: ScopeAccount, RetryAfter: until.Sub(now)}
	}
	return Decision{Allowed: true}
}

// Fail records a failed attempt (for flows that do not use Login) and the
// audit events it causes: authn_login_fail, and authn_login_lock or
// authn_login_suspicious when it crosses a threshold.
func (t *Tracker) Fail(ctx context.Context, a Attempt) error {
	k := t.keys(a)
	st, err := t.store.Begin(ctx, k, t.clock(), t.lim)
	if err != nil {
		t.emit(ctx, a, k, audit.AuthnLoginFail, audit.SeverityWarn, audit.OutcomeFailure, "login failed", map[string]string{"reason": "bad_credentials"})
		t.storeError(ctx, a, k)
		return errors.Join(ErrStoreUnavailable, err)
	}
	return t.recordFailure(ctx, a, k, st, "bad_credentials")
}

// recordFailure completes a failed attempt that Begin counted against the
// account: it counts it against the client address and records the events.
func (t *Tracker) recordFailure(ctx context.Context, a Attempt, k Keys, st Status, reason string) error {
	var err error
	if k.IP != "" {
		st.IP, err = t.store.FailIP(ctx, k.IP, t.clock(), t.lim)
	}
	t.emit(ctx, a, k, audit.AuthnLoginFail, audit.SeverityWarn, audit.OutcomeFailure, "login failed", map[string]string{"reason": reason})
	if st.User.JustLocked {
		t.lockEvent(ctx, a, k, "user", st.User)
	}
	if st.Pair.JustLocked {
		t.lockEvent(ctx, a, k, "user_client", st.Pair)
	}
	if st.User.JustLocked && st.User.Level >= 2 {
		t.emit(ctx, a, k, audit.AuthnLoginSuspicious, audit.SeverityWarn, audit.OutcomeBlocked,
			"account locked repeatedly", map[string]string{"reason": "repeated_account_lock", "level": strconv.Itoa(st.User.Level)})
	}
	if st.IP.JustLocked {
		t.emit(ctx, a, k, audit.AuthnLoginSuspicious, audit.SeverityWarn, audit.OutcomeBlocked,
			"too many failed logins from one client", map[string]string{
				"reason": "client_threshold", "max_failures": strconv.Itoa(t.lim.IPFailures),
				"locked_for": strconv.FormatInt(int64(st.IP.LockedUntil.Sub(t.clock())/time.Second), 10),
			})
	}
	if err != nil {
		t.storeError(ctx, a, k)
		return errors.Join(ErrStoreUnavailable, err)
	}
	return nil
}

// Succeed records a successful login: the username's counters (and this
// client's for it) are cleared and the pair becomes known. The client
// address's counter is not cleared. It records authn_login_success.
func (t *Tracker) Succeed(ctx context.Context, a Attempt) error {
	return t.succeed(ctx, a, -1)
}

// succeed records a success; failures is the count of failures before it
// when the caller knows it (Login, whose Begin counted this attempt too),
// -1 to take it from the store.
func (t *Tracker) succeed(ctx context.Context, a Attempt, failures int) error {
	k := t.keys(a)
	before, err := t.store.Succeed(ctx, k, t.clock(), t.lim)
	if failures < 0 {
		failures = before.User.Failures
	}
	var details map[string]string
	if failures > 0 {
		details = map[string]string{"failures_before": strconv.Itoa(failures)}
	}
	t.emit(ctx, a, k, audit.AuthnLoginSuccess, audit.SeverityInfo, audit.OutcomeSuccess, "login succeeded", details)
	if err != nil {
		t.storeError(ctx, a, k)
		return errors.Join(ErrStoreUnavailable, err)
	}
	return nil
}

// Reset clears a username's counters, for an administrator's unlock
// (POST /admin/users/{id}/unlock). Client address counters are kept.
func (t *Tracker) Reset(ctx context.Context, username string) error {
	u := NormalizeUsername(username)
	if u == "" {
		return nil
	}
	if err := t.store.Reset(ctx, u); err != nil {
		return errors.Join(ErrStoreUnavailable, err)
	}
	return nil
}

func (t *Tracker) emit(ctx context.Context, a Attempt, k Keys, typ audit.Type, sev audit.Severity, outcome audit.Outcome, desc string, details map[string]string) {
	if t.audit == nil {
		return
	}
	var e audit.Event
	if a.Request != nil {
		e = event.New(a.Request, "password", typ, sev, outcome)
	} else {
		e = audit.Event{Time: t.now(), Type: typ, Severity: sev, Outcome: outcome, Source: "password", ClientIP: a.IP}
	}
	e.Actor = audit.Clean(k.User, 64)
	e.Description = desc
	e.Details = details
	t.audit.Record(ctx, e)
}

func (t *Tracker) storeError(ctx context.Context, a Attempt, k Keys) {
	outcome := audit.OutcomeBlocked
	if t.failOpen {
		outcome = audit.OutcomeAllowed
	}
	t.emit(ctx, a, k, audit.SysStoreError, audit.SeverityCritical, outcome, "login attempt store failed",
		map[string]string{"reason": "store_error"})
}

func (t *Tracker) lockEvent(ctx context.Context, a Attempt, k Keys, scope string, c Counter) {
	limit := t.lim.UserFailures
	if scope == "user_client" {
		limit = t.lim.PairFailures
	}
	t.emit(ctx, a, k, audit.AuthnLoginLock, audit.SeverityWarn, audit.OutcomeBlocked, "account locked after failed logins",
		map[string]string{
			"scope": scope, "max_failures": strconv.Itoa(limit), "level": strconv.Itoa(c.Level),
			"locked_for": strconv.FormatInt(int64(c.LockedUntil.Sub(t.clock())/time.Second), 10),
		})
}
