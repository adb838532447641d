package ratelimit

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// Errors. Rejections from Handler match ErrLimited or ErrUnavailable with
// errors.Is; errors.As gives the *LimitError or *StoreError with details.
var (
	// ErrLimited: the request exceeded a rate limit.
	ErrLimited = errors.New("ratelimit: rate limit exceeded")
	// ErrUnavailable: the store failed and the limiter fails closed.
	ErrUnavailable = errors.New("ratelimit: rate limit store unavailable")
	// ErrZeroRate: a Store was called with the zero Rate.
	ErrZeroRate = errors.New("ratelimit: rate is zero or invalid")
	// ErrCost: a cost was negative, or a Store was called with a cost above
	// the burst (Limiter.Allow rejects those without calling the store).
	ErrCost = errors.New("ratelimit: cost must be between 0 and the burst")
)

// LimitError is the rejection of a request by a rate limit. It matches
// ErrLimited.
type LimitError struct {
	Policy   string   // the Name of the limiter that rejected
	Decision Decision // its decision, with RetryAfter
}

func (e *LimitError) Error() string { return "ratelimit: rate limit " + e.Policy + " exceeded" }

// Unwrap returns ErrLimited.
func (e *LimitError) Unwrap() error { return ErrLimited }

// StoreError is a store failure under the fail-closed policy. It matches
// ErrUnavailable and the store's own error (context.DeadlineExceeded, a
// network error, ...).
type StoreError struct {
	Policy string // the Name of the limiter whose store failed
	Err    error
}

func (e *StoreError) Error() string {
	return "ratelimit: rate limit store unavailable: " + e.Err.Error()
}

// Unwrap returns ErrUnavailable and the store's error.
func (e *StoreError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

var (
	tooManyRequests = problem.New(http.StatusTooManyRequests, "rate_limited",
		"Too many requests; retry after the number of seconds in the Retry-After header.")
	tooExpensive = problem.New(http.StatusTooManyRequests, "rate_limited",
		"The request costs more than the rate limit ever allows.")
	unavailable = problem.New(http.StatusServiceUnavailable, "rate_limit_unavailable",
		"The rate limiter is unavailable; retry later.")
)

// DefaultErrorHandler writes the default rejections as
// application/problem+json: 429 Too Many Requests with code "rate_limited"
// for ErrLimited (Retry-After and the rate-limit headers are already set),
// and 503 Service Unavailable with code "rate_limit_unavailable" for store
// failures. It allocates nothing and echoes nothing from the request.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case asLimitError(err) != nil && asLimitError(err).Decision.RetryAfter < 0:
		tooExpensive.Write(w)
	case errors.Is(err, ErrLimited):
		tooManyRequests.Write(w)
	default:
		unavailable.Write(w)
	}
}

// asLimitError finds a *LimitError in err's chain of single wraps without
// the allocation of errors.As.
func asLimitError(err error) *LimitError {
	for err != nil {
		if le, ok := err.(*LimitError); ok {
			return le
		}
		err = errors.Unwrap(err)
	}
	return nil
}
