package password_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/password/passwordtest"
	"github.com/stretchr/testify/require"
)

// secret is the password used in these tests; no event may contain it.
const secret = "S3cret-correct-horse"

func newTracker(t *testing.T, o password.TrackerOptions) (*password.Tracker, *passwordtest.Clock, *audit.Memory) {
	t.Helper()
	clock := passwordtest.NewClock(passwordtest.Base)
	rec := audit.NewMemory(1000)
	o.Now, o.Audit = clock.Now, rec
	tr, err := password.NewTracker(o)
	require.NoError(t, err)
	return tr, clock, rec
}

func events(t *testing.T, rec *audit.Memory) []audit.Event {
	t.Helper()
	evs, err := rec.Query(context.Background(), audit.Filter{Limit: audit.MaxLimit})
	require.NoError(t, err)
	// Oldest first reads better in tests.
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	b, err := json.Marshal(evs)
	require.NoError(t, err)
	require.NotContains(t, string(b), secret, "no event carries the password")
	return evs
}

func types(evs []audit.Event) []audit.Type {
	var ts []audit.Type
	for _, e := range evs {
		ts = append(ts, e.Type)
	}
	return ts
}

// verifier checks the submitted password against secret, as a handler's
// closure over Hasher.Verify would.
func verifier(submitted string) password.VerifyFunc {
	return func(context.Context) error {
		if submitted == secret {
			return nil
		}
		return password.ErrMismatch
	}
}

// respond is what a login handler writes for a Login result.
func respond(err error) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return w
	}
	password.WriteLoginError(w, err)
	return w
}

func TestLockedAccountAnswersExactlyAsAWrongPassword(t *testing.T) {
	t.Parallel()
	tr, _, _ := newTracker(t, password.TrackerOptions{})
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	a := password.AttemptFrom(r, "alice")

	wrong := respond(tr.Login(ctx, a, verifier("guess-1")))
	for i := 2; i <= 5; i++ {
		respond(tr.Login(ctx, a, verifier("guess")))
	}
	lockedRight := respond(tr.Login(ctx, a, verifier(secret)))
	lockedWrong := respond(tr.Login(ctx, a, verifier("guess-7")))
	for _, w := range []*httptest.ResponseRecorder{lockedRight, lockedWrong} {
		require.Equal(t, wrong.Code, w.Code)
		require.Equal(t, wrong.Header(), w.Header())
		require.Equal(t, wrong.Body.String(), w.Body.String())
	}
	require.Equal(t, http.StatusUnauthorized, wrong.Code)
	require.Empty(t, wrong.Header().Get("Retry-After"))
	require.Contains(t, wrong.Body.String(), `"code":"invalid_credentials"`)
}

func TestTrackerAuditEvents(t *testing.T) {
	t.Parallel()
	tr, clock, rec := newTracker(t, password.TrackerOptions{IPMaxFailures: 6})
	ctx := context.Background()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	a := password.AttemptFrom(r, " Alice ")

	require.NoError(t, tr.Login(ctx, a, verifier(secret)))
	for i := 0; i < 5; i++ {
		require.ErrorIs(t, tr.Login(ctx, a, verifier("wrong")), password.ErrInvalidCredentials)
	}
	require.ErrorIs(t, tr.Login(ctx, a, verifier(secret)), password.ErrInvalidCredentials)
	require.ErrorIs(t, tr.Login(ctx, password.AttemptFrom(r, "bob"), verifier("wrong")), password.ErrInvalidCredentials)
	require.ErrorIs(t, tr.Login(ctx, password.AttemptFrom(r, "carol"), verifier(secret)), password.ErrThrottled)

	evs := events(t, rec)
	require.Equal(t, []audit.Type{
		audit.AuthnLoginSuccess,
		audit.AuthnLoginFail, audit.AuthnLoginFail, audit.AuthnLoginFail, audit.AuthnLoginFail,
		audit.AuthnLoginFail, audit.AuthnLoginLock, audit.AuthnLoginLock, // user and user_client
		audit.AuthnLoginFail,                             // right password on the locked account
		audit.AuthnLoginFail, audit.AuthnLoginSuspicious, // bob: the sixth failure from the address
		audit.AuthnLoginFail, // carol refused: client locked
	}, types(evs))
	for _, e := range evs {
		require.Equal(t, "password", e.Source)
		require.Equal(t, netip.MustParseAddr("192.0.2.7"), e.ClientIP)
		require.Equal(t, "/login", e.Path)
	}
	require.Equal(t, "alice", evs[0].Actor, "the normalized username")
	require.Equal(t, audit.OutcomeSuccess, evs[0].Outcome)
	require.Equal(t, map[string]string{"scope": "user", "max_failures": "5", "level": "1", "locked_for": "900"}, evs[6].Details)
	require.Equal(t, "user_client", evs[7].Details["scope"])
	require.Equal(t, map[string]string{"reason": "locked"}, evs[8].Details)
	require.Equal(t, audit.OutcomeBlocked, evs[8].Outcome)
	require.Equal(t, "client_threshold", evs[10].Details["reason"])
	require.Equal(t, "client_locked", evs[11].Details["reason"])

	// A success after failures says how many there were; a second lock in
	// a row is suspicious.
	clock.Advance(15 * time.Minute)
	b := password.Attempt{Username: "dave", IP: netip.MustParseAddr("203.0.113.1")}
	require.ErrorIs(t, tr.Login(ctx, b, verifier("x")), password.ErrInvalidCredentials)
	require.NoError(t, tr.Login(ctx, b, verifier(secret)))
	evs = events(t, rec)
	last := evs[len(evs)-1]
	require.Equal(t, audit.AuthnLoginSuccess, last.Type)
	require.Equal(t, map[string]string{"failures_before": "1"}, last.Details)
	require.Equal(t, "dave", last.Actor)

	for i := 0; i < 5; i++ {
		_ = tr.Login(ctx, password.Attempt{Username: "erin", IP: netip.MustParseAddr("203.0.113.2")}, verifier("x"))
	}
	clock.Advance(15 * time.Minute)
	for i := 0; i < 5; i++ {
		_ = tr.Login(ctx, password.Attempt{Username: "erin", IP: netip.MustParseAddr("203.0.113.3")}, verifier("x"))
	}
	evs = events(t, rec)
	last = evs[len(evs)-1]
	require.Equal(t, audit.AuthnLoginSuspicious, last.Type)
	require.Equal(t, map[string]string{"reason": "repeated_account_lock", "level": "2"}, last.Details)
}

// failingStore fails every call.
type failingStore struct{}

var errDown = errors.New("store down")

func (failingStore) Status(context.Context, password.Keys, time.Time, password.Limits) (password.Status, error) {
	return password.Status{}, errDown
}
func (failingStore) Begin(context.Context, password.Keys, time.Time, password.Limits) (password.Status, error) {
	return password.Status{}, errDown
}
func (failingStore) FailIP(context.Context, string, time.Time, password.Limits) (password.Counter, error) {
	return password.Counter{}, errDown
}
func (failingStore) Release(context.Context, password.Keys, time.Time, password.Limits) error {
	return errDown
}
func (failingStore) Succeed(context.Context, password.Keys, time.Time, password.Limits) (password.Status, error) {
	return password.Status{}, errDown
}
func (failingStore) Reset(context.Context, string) error { return errDown }

func TestStoreFailurePolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := password.Attempt{Username: "alice", IP: netip.MustParseAddr("192.0.2.1")}

	closed, _, rec := newTracker(t, password.TrackerOptions{Store: failingStore{}})
	verified := false
	err := closed.Login(ctx, a, func(context.Context) error { verified = true; return nil })
	require.ErrorIs(t, err, password.ErrStoreUnavailable)
	require.ErrorIs(t, err, errDown)
	require.False(t, verified, "fail closed: the password is not even tried")
	require.Equal(t, http.StatusServiceUnavailable, respond(err).Code)
	evs := events(t, rec)
	require.Equal(t, audit.SysStoreError, evs[0].Type)
	require.Equal(t, audit.OutcomeBlocked, evs[0].Outcome)
	require.ErrorIs(t, closed.Reset(ctx, "alice"), password.ErrStoreUnavailable)

	open, _, rec := newTracker(t, password.TrackerOptions{Store: failingStore{}, FailOpen: true})
	require.NoError(t, open.Login(ctx, a, verifier(secret)), "fail open: a right password logs in")
	require.ErrorIs(t, open.Login(ctx, a, verifier("wrong")), password.ErrInvalidCredentials)
	for _, e := range events(t, rec) {
		if e.Type == audit.SysStoreError {
			require.Equal(t, audit.OutcomeAllowed, e.Outcome)
		}
	}
}

// An attempt whose password could not be checked (the hasher was busy) is
// counted ahead like any other, then taken back.
func TestVerifyErrorsPassThroughUncounted(t *testing.T) {
	t.Parallel()
	tr, _, _ := newTracker(t, password.TrackerOptions{MaxFailures: 2})
	ctx := context.Background()
	a := password.Attempt{Username: "alice", IP: netip.MustParseAddr("192.0.2.1")}
	for i := 0; i < 3; i++ {
		err := tr.Login(ctx, a, func(context.Context) error { return password.ErrBusy })
		require.ErrorIs(t, err, password.ErrBusy)
		w := respond(err)
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, "1", w.Header().Get("Retry-After"))
	}
	d, err := tr.Check(ctx, a)
	require.NoError(t, err)
	require.True(t, d.Allowed, "a busy hasher is not the user's failure")
	w := respond(errors.New("some internal error with a secret"))
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.NotContains(t, w.Body.String(), "secret")
}

func TestThrottledResponse(t *testing.T) {
	t.Parallel()
	w := respond(&password.ThrottledError{RetryAfter: 90*time.Second + time.Millisecond})
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	require.Equal(t, "91", w.Header().Get("Retry-After"), "rounded up, never too early")
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	require.Contains(t, w.Body.String(), `"code":"too_many_attempts"`)
	require.Equal(t, "password: too many failed attempts from this client, retry after 91s",
		(&password.ThrottledError{RetryAfter: 90*time.Second + time.Millisecond}).Error())
}

func TestWritePolicyError(t *testing.T) {
	t.Parallel()
	p, err := password.NewPolicy(password.PolicyOptions{})
	require.NoError(t, err)
	res, err := p.Check(context.Background(), "password1")
	require.NoError(t, err)
	w := httptest.NewRecorder()
	password.WritePolicyError(w, res, nil)
	require.Equal(t, http.StatusBadRequest, w.Code)
	var body struct {
		Code     string             `json:"code"`
		Failures []password.Failure `json:"failures"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	require.Equal(t, "weak_password", body.Code)
	require.Equal(t, []password.Failure{{Code: "common", Message: "This password is too common. Choose one that is harder to guess."}}, body.Failures)
	require.NotContains(t, w.Body.String(), "password1")

	w = httptest.NewRecorder()
	password.WritePolicyError(w, password.Result{}, errors.Join(password.ErrBreachCheck, errors.New("timeout")))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
}

func TestNewTrackerRejectsInvalidOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    password.TrackerOptions
	}{
		{"more than 100 failures is rejected (NIST)", password.TrackerOptions{MaxFailures: 101}},
		{"a negative IP threshold is rejected", password.TrackerOptions{IPMaxFailures: -1}},
		{"a sub-second window is rejected", password.TrackerOptions{Window: time.Millisecond}},
		{"a max lockout below the lockout is rejected", password.TrackerOptions{Lockout: time.Hour, MaxLockout: time.Minute}},
		{"a negative pair bound is rejected", password.TrackerOptions{MaxPairsPerUser: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := password.NewTracker(tc.o)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "password: "))
		})
	}
	_, err := password.NewTracker(password.TrackerOptions{})
	require.NoError(t, err)
}

func TestNormalizeUsername(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"outer white space is trimmed", "  alice\t\n", "alice"},
		{"case is folded", "ALICE", "alice"},
		{"full-width letters are NFKC-folded", "ａｌｉｃｅ", "alice"},
		{"inner spaces are kept", "alice smith", "alice smith"},
		{"blank is empty", " \t ", ""},
		{"an ideographic space is trimmed after NFKC", "\u3000bob\u3000", "bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, password.NormalizeUsername(tc.in))
		})
	}
	long := password.NormalizeUsername(strings.Repeat("x", 10000))
	require.True(t, strings.HasPrefix(long, "sha256:"))
	require.Len(t, long, 7+64, "long usernames are bounded")
}
