package password

import (
	"errors"
	"strconv"
	"time"
)

// Errors of the Hasher. Test them with errors.Is: the errors returned wrap
// these with details.
var (
	// ErrMismatch: the password does not match the stored hash (or there is
	// no stored hash: an unknown user).
	ErrMismatch = errors.New("password: password does not match")
	// ErrMalformedHash: the stored hash cannot be parsed.
	ErrMalformedHash = errors.New("password: malformed hash")
	// ErrUnsupportedHash: the stored hash is well formed but of an
	// algorithm, variant or version this package does not verify.
	ErrUnsupportedHash = errors.New("password: unsupported hash")
	// ErrHashTooCostly: the stored hash asks for more memory, time or
	// parallelism than the Hasher's ceilings allow. It is refused before any
	// memory is allocated.
	ErrHashTooCostly = errors.New("password: hash parameters exceed the configured ceiling")
	// ErrPasswordTooLong: the password is longer than HasherOptions.MaxPasswordBytes.
	ErrPasswordTooLong = errors.New("password: password too long")
	// ErrBusy: too many hashes are already running or waiting
	// (HasherOptions.MaxConcurrent, MaxWaiting). Answer 503 with Retry-After;
	// it says nothing about the password.
	ErrBusy = errors.New("password: too many concurrent password hashes")
)

// Errors of the Tracker.
var (
	// ErrInvalidCredentials is what Tracker.Login returns for a wrong
	// password, an unknown user, and a locked account alike, so that the
	// three cannot be told apart. Answer 401 (WriteLoginError does).
	ErrInvalidCredentials = errors.New("password: invalid credentials")
	// ErrThrottled: the client address is locked out after too many
	// failures. The error is a *ThrottledError carrying the delay.
	ErrThrottled = errors.New("password: too many failed attempts from this client")
	// ErrStoreUnavailable: the attempt store failed and the tracker fails
	// closed (TrackerOptions.FailOpen is false). Answer 503.
	ErrStoreUnavailable = errors.New("password: attempt store unavailable")
)

// ErrWeakPassword is matched by the error of Result.Err when a password
// breaks the policy.
var ErrWeakPassword = errors.New("password: password does not meet the policy")

// ErrBreachCheck: the breach checker failed and the policy fails closed
// (PolicyOptions.BreachFailOpen is false).
var ErrBreachCheck = errors.New("password: breach check failed")

// ThrottledError is returned by Tracker.Login and Tracker.Check callers when
// the client address is locked. It matches ErrThrottled with errors.Is.
type ThrottledError struct {
	// RetryAfter is how long until the lock ends (rounded up to a second
	// when written as a Retry-After header).
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottledError) Error() string {
	return "password: too many failed attempts from this client, retry after " +
		strconv.FormatInt(int64(retrySeconds(e.RetryAfter)), 10) + "s"
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}
