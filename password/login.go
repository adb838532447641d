package password

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// VerifyFunc verifies the password of a login: nil when it matches, an
// error matching ErrMismatch when it does not (Hasher.Verify's results;
// use Hasher.Verify(ctx, password, "") for an unknown user). Return any
// other error only when the password was not compared (the hasher was
// busy, the user store failed): Login returns it as is and does not count
// the attempt.
type VerifyFunc func(ctx context.Context) error

// Login runs one login attempt through the tracker:
//
//  1. The attempt is counted against the account before the password is
//     checked (Store.Begin), so that concurrent guesses cannot all slip
//     under the threshold. A locked client address ends here with a
//     *ThrottledError, nothing counted.
//  2. verify runs, always (also for a locked account, so that timing does
//     not reveal the lock).
//  3. A match on an unlocked account: Succeed (which clears the count),
//     return nil. A mismatch: the failure is counted against the client
//     address too, return ErrInvalidCredentials. A match on a locked
//     account: return ErrInvalidCredentials, the very result of a wrong
//     password (audited as a failure with reason "locked"). Another error
//     from verify: the count is taken back (Store.Release) and the error
//     returned.
//
// When the store fails, Login returns ErrStoreUnavailable before verifying
// (fail closed) or, with FailOpen, goes on without counting. A failure to
// record a success does not fail the login.
func (t *Tracker) Login(ctx context.Context, a Attempt, verify VerifyFunc) error {
	k := t.keys(a)
	now := t.clock()
	begun := true
	st, err := t.store.Begin(ctx, k, now, t.lim)
	if err != nil {
		t.storeError(ctx, a, k)
		if !t.failOpen {
			return errors.Join(ErrStoreUnavailable, err)
		}
		st, begun = Status{}, false
	}
	d := decide(st, now)
	if d.Scope == ScopeClient {
		t.emit(ctx, a, k, audit.AuthnLoginFail, audit.SeverityWarn, audit.OutcomeBlocked,
			"login refused: client locked out", map[string]string{"reason": "client_locked"})
		return &ThrottledError{RetryAfter: d.RetryAfter}
	}
	verr := verify(ctx)
	switch {
	case verr == nil && d.Allowed:
		// Begin counted this attempt: the failures before it are one less,
		// or the threshold less one if it was the attempt that locked.
		before := max(st.User.Failures-1, 0)
		if st.User.JustLocked {
			before = t.lim.UserFailures - 1
		}
		_ = t.succeed(ctx, a, before) // a store error is audited; the login stands
		return nil
	case verr == nil:
		t.emit(ctx, a, k, audit.AuthnLoginFail, audit.SeverityWarn, audit.OutcomeBlocked,
			"login refused: account locked", map[string]string{"reason": "locked"})
		return ErrInvalidCredentials
	case errors.Is(verr, ErrMismatch):
		reason := "bad_credentials"
		if !d.Allowed {
			reason = "locked"
		}
		_ = t.recordFailure(ctx, a, k, st, reason)
		return ErrInvalidCredentials
	}
	if begun {
		if err := t.store.Release(ctx, k, t.clock(), t.lim); err != nil {
			t.storeError(ctx, a, k)
		}
	}
	return verr
}

// Problems written by WriteLoginError and WritePolicyError.
var (
	problemInvalidCredentials = problem.New(http.StatusUnauthorized, "invalid_credentials", "The username or password is incorrect.")
	problemThrottled          = problem.New(http.StatusTooManyRequests, "too_many_attempts", "Too many failed login attempts. Try again later.")
	problemBusy               = problem.New(http.StatusServiceUnavailable, "busy", "The server is busy. Try again shortly.")
	problemUnavailable        = problem.New(http.StatusServiceUnavailable, "login_unavailable", "Login is temporarily unavailable.")
	problemBreachCheck        = problem.New(http.StatusServiceUnavailable, "password_check_unavailable", "The password could not be checked. Try again later.")
	problemInternal           = problem.New(http.StatusInternalServerError, "internal_error", "")
)

// WriteLoginError answers a failed Login with an RFC 9457 problem:
//
//	ErrInvalidCredentials  401 invalid_credentials (wrong password, unknown user, locked account alike)
//	ErrThrottled           429 too_many_attempts, Retry-After in seconds
//	ErrBusy                503 busy, Retry-After: 1
//	ErrStoreUnavailable    503 login_unavailable
//	anything else          500 internal_error (the error itself is not shown)
//
// RFC 9110 asks a 401 to carry WWW-Authenticate: set the challenge of your
// scheme on w before calling, it is kept.
func WriteLoginError(w http.ResponseWriter, err error) {
	var te *ThrottledError
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		problemInvalidCredentials.Write(w)
	case errors.As(err, &te):
		w.Header().Set("Retry-After", strconv.FormatInt(retrySeconds(te.RetryAfter), 10))
		problemThrottled.Write(w)
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", "1")
		problemBusy.Write(w)
	case errors.Is(err, ErrStoreUnavailable):
		problemUnavailable.Write(w)
	default:
		problemInternal.Write(w)
	}
}

// WritePolicyError answers a rejected new password: 400 weak_password with
// the failed rules as the "failures" member ([{"code","message"}]), or,
// when err is a breach-checker failure, 503 password_check_unavailable.
// Nothing of the password is written.
func WritePolicyError(w http.ResponseWriter, r Result, err error) {
	if err != nil {
		if errors.Is(err, ErrBreachCheck) {
			problemBreachCheck.Write(w)
			return
		}
		problemInternal.Write(w)
		return
	}
	problem.WriteJSON(w, http.StatusBadRequest, "weak_password", "The password does not meet the password policy.",
		map[string]any{"failures": r.Failures})
}
