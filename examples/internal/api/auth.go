package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/sanitize"

	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// userJSON is how a user is shown: never the password hash or the
// comparison key.
type userJSON struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	Created  time.Time `json:"created"`
}

func showUser(u users.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, Role: string(u.Role), Created: u.Created.UTC()}
}

// maxEmailBytes is the longest address RFC 5321 lets a path carry.
const maxEmailBytes = 254

// validEmail accepts a bare address (no display name, no comments) that
// net/mail parses back to itself.
func validEmail(s string) bool {
	if s == "" || len(s) > maxEmailBytes || !utf8.ValidString(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// Register handles POST /api/auth/register {username, email, password}:
// 201 with the new user, whose role is always "user". The username must
// pass sanitize's username rules and is stored under its confusable-safe
// identifier key, so that "Alice", "ＡＬＩＣＥ" and "alice" are one account;
// the password must pass the policy (400 weak_password lists every broken
// rule). A body with any other member, such as "role", is refused.
func (a *App) Register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if !decode(w, r, &req) {
		return
	}
	var uerr *sanitize.UsernameError
	if err := sanitize.ValidUsername(req.Username); err != nil {
		reason := "invalid"
		if errors.As(err, &uerr) {
			reason = uerr.Reason
		}
		ErrInvalidUsername.WriteWith(w, map[string]any{"reason": reason})
		return
	}
	key, err := sanitize.IdentifierKey(req.Username)
	if err != nil {
		ErrInvalidUsername.WriteWith(w, map[string]any{"reason": "invalid"})
		return
	}
	if !validEmail(req.Email) {
		ErrInvalidEmail.Write(w)
		return
	}
	res, err := a.Policy.Check(r.Context(), req.Password, req.Username, req.Email)
	if err != nil || !res.OK() {
		password.WritePolicyError(w, res, err)
		return
	}
	// A cheap look-up first spares an Argon2id hash on a taken name;
	// Create's unique key still decides between concurrent registrations.
	if _, err := a.Users.ByKey(r.Context(), key); err == nil {
		ErrUsernameTaken.Write(w)
		return
	} else if !errors.Is(err, users.ErrNotFound) {
		a.fail(w, r, ErrUnavailable, "user store failed", err)
		return
	}
	hash, err := a.Hasher.Hash(r.Context(), req.Password)
	if err != nil {
		a.hashFailed(w, r, err)
		return
	}
	u, err := a.Users.Create(r.Context(), users.User{
		Username: req.Username, Key: key, Email: req.Email, PasswordHash: hash, Role: users.RoleUser,
	})
	switch {
	case errors.Is(err, users.ErrExists):
		ErrUsernameTaken.Write(w)
		return
	case err != nil:
		a.fail(w, r, ErrUnavailable, "user store failed", err)
		return
	}
	a.record(r, audit.UserCreated, audit.SeverityInfo, audit.OutcomeSuccess, u.ID, "user registered")
	writeJSON(w, http.StatusCreated, showUser(u))
}

// hashFailed answers a failed Hash or Verify: the hasher is busy (503 with
// Retry-After) or something unexpected happened.
func (a *App) hashFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, password.ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		w.Header().Set("Retry-After", "1")
		ErrUnavailable.Write(w)
		return
	}
	a.fail(w, r, ErrInternal, "password hashing failed", err)
}

// tokenResponse is the login answer: the OAuth 2.0 token response (RFC
// 6749, section 5.1) with the double-submit CSRF token of cookie mode.
// Browsers use the HttpOnly cookies set alongside it and the CSRF token;
// API clients use access_token as a Bearer token and refresh_token at the
// refresh endpoint.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	CSRFToken        string `json:"csrf_token"`
}

// Login handles POST /api/auth/login {username, password}. Wrong password,
// unknown user and locked account all get the same 401 after the same
// amount of work; a client address locked out by the attempt tracker gets
// 429 with Retry-After. On success it answers 200 with the token response
// and sets the HttpOnly access and refresh cookies and the CSRF cookie.
func (a *App) Login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !decode(w, r, &req) {
		return
	}
	// Attempts are counted under the identifier key, so that "ALICE" and
	// "ａｌｉｃｅ" count against the same account.
	key, keyErr := sanitize.IdentifierKey(req.Username)
	name := key
	if keyErr != nil {
		name = req.Username
	}
	var u users.User
	found := false
	err := a.Tracker.Login(r.Context(), password.AttemptFrom(r, name), func(ctx context.Context) error {
		if keyErr == nil {
			var err error
			switch u, err = a.Users.ByKey(ctx, key); {
			case err == nil:
				found = true
			case !errors.Is(err, users.ErrNotFound):
				return fmt.Errorf("%w: %w", errUserStore, err) // not compared: not counted
			}
		}
		if !found {
			return a.Hasher.VerifyNoUser(ctx, req.Password) // the same work as a real check
		}
		return a.Hasher.Verify(ctx, req.Password, u.PasswordHash)
	})
	if err == nil && u.Locked {
		err = password.ErrInvalidCredentials
	}
	if err != nil {
		a.loginFailed(w, r, err)
		return
	}
	if a.Hasher.NeedsRehash(u.PasswordHash) {
		if hash, herr := a.Hasher.Hash(r.Context(), req.Password); herr == nil {
			if serr := a.Users.SetPasswordHash(r.Context(), u.ID, hash); serr != nil && a.Logger != nil {
				a.Logger.Warn("storing a rehashed password failed", "error", serr)
			}
		}
	}
	var c Claims
	c.Subject, c.Role = u.ID, string(u.Role)
	pair, err := a.Auth.Issue(r.Context(), c)
	if err != nil {
		a.fail(w, r, ErrUnavailable, "issuing tokens failed", err)
		return
	}
	if _, err := a.Auth.SetCookies(w, pair); err != nil {
		a.fail(w, r, ErrInternal, "setting token cookies failed", err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // RFC 6749, section 5.1
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: pair.AccessToken, TokenType: pair.TokenType, ExpiresIn: pair.ExpiresIn,
		RefreshToken: pair.RefreshToken, RefreshExpiresIn: pair.RefreshExpiresIn, CSRFToken: pair.CSRFToken,
	})
}

func (a *App) loginFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, password.ErrInvalidCredentials):
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`) // RFC 9110: a 401 carries a challenge
		password.WriteLoginError(w, err)
	case errors.Is(err, password.ErrThrottled), errors.Is(err, password.ErrBusy), errors.Is(err, password.ErrStoreUnavailable):
		password.WriteLoginError(w, err)
	case errors.Is(err, errUserStore):
		a.fail(w, r, ErrUnavailable, "user store failed", err)
	default:
		a.hashFailed(w, r, err)
	}
}

// errUserStore marks a user-store failure during a login.
var errUserStore = errors.New("api: user store")

// Profile handles GET /api/auth/profile: the authenticated user.
func (a *App) Profile(w http.ResponseWriter, r *http.Request) {
	c, ok := jwtauth.ClaimsFrom[Claims](r.Context())
	if !ok {
		a.Auth.WriteError(w, r, jwtauth.ErrMissingToken)
		return
	}
	u, err := a.Users.ByID(r.Context(), c.Subject)
	switch {
	case errors.Is(err, users.ErrNotFound):
		ErrNotFound.Write(w)
	case err != nil:
		a.fail(w, r, ErrUnavailable, "user store failed", err)
	default:
		writeJSON(w, http.StatusOK, showUser(u))
	}
}
