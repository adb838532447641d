package password_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/password"
)

func ExampleHasher() {
	ctx := context.Background()
	h, err := password.NewHasher(password.HasherOptions{}) // OWASP: argon2id m=19 MiB, t=2, p=1
	if err != nil {
		panic(err)
	}
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"))
	fmt.Println(h.Verify(ctx, "correct horse battery staple", hash))
	fmt.Println(errors.Is(h.Verify(ctx, "Correct horse battery staple", hash), password.ErrMismatch))
	fmt.Println(h.NeedsRehash(hash))
	// Output:
	// true
	// <nil>
	// true
	// false
}

// A user migrated from a bcrypt system logs in: the old hash verifies, and
// NeedsRehash says to store an Argon2id hash now that the password is known.
func ExampleHasher_NeedsRehash() {
	ctx := context.Background()
	h, _ := password.NewHasher(password.HasherOptions{})
	legacy := "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" // bcrypt of "U*U"
	if err := h.Verify(ctx, "U*U", legacy); err == nil && h.NeedsRehash(legacy) {
		upgraded, _ := h.Hash(ctx, "U*U")
		fmt.Println(upgraded[:10])
	}
	// Output: $argon2id$
}

func ExamplePolicy_Check() {
	p, _ := password.NewPolicy(password.PolicyOptions{})
	for _, pw := range []string{"correct horse battery staple", "P@ssw0rd", "1234abcd", "alice1990!"} {
		res, _ := p.Check(context.Background(), pw, "alice1990", "alice@example.com")
		if res.OK() {
			fmt.Printf("%q: ok\n", pw)
			continue
		}
		for _, f := range res.Failures {
			fmt.Printf("%q: %s: %s\n", pw, f.Code, f.Message)
		}
	}
	// Output:
	// "correct horse battery staple": ok
	// "P@ssw0rd": common: This password is too common. Choose one that is harder to guess.
	// "1234abcd": common: This password is too common. Choose one that is harder to guess.
	// "1234abcd": sequential: Avoid sequences like 1234, abcd or qwerty.
	// "alice1990!": similar_to_user: This password is too similar to your personal information.
}

func ExampleTracker_Login() {
	ctx := context.Background()
	hasher, _ := password.NewHasher(password.HasherOptions{})
	aliceHash, _ := hasher.Hash(ctx, "correct horse battery staple")
	users := map[string]string{"alice": aliceHash} // normalized username → hash
	tracker, _ := password.NewTracker(password.TrackerOptions{})

	login := func(username, pw string) error {
		a := password.Attempt{Username: username, IP: netip.MustParseAddr("198.51.100.7")}
		return tracker.Login(ctx, a, func(ctx context.Context) error {
			// An unknown user has no hash: Verify does the same work anyway.
			return hasher.Verify(ctx, pw, users[password.NormalizeUsername(username)])
		})
	}
	fmt.Println(login("Alice", "correct horse battery staple"))
	fmt.Println(login("mallory", "correct horse battery staple"))
	for i := 0; i < 5; i++ {
		_ = login("alice", "guess")
	}
	fmt.Println(login("alice", "correct horse battery staple")) // locked: same answer as a wrong password
	fmt.Println(tracker.Reset(ctx, "alice"))                    // an administrator unlocks
	fmt.Println(login("alice", "correct horse battery staple"))
	// Output:
	// <nil>
	// password: invalid credentials
	// password: invalid credentials
	// <nil>
	// <nil>
}

func ExampleWriteLoginError() {
	w := httptest.NewRecorder()
	password.WriteLoginError(w, &password.ThrottledError{RetryAfter: 14*time.Minute + 30*time.Second})
	fmt.Println(w.Code, w.Header().Get("Retry-After"))
	fmt.Print(w.Body.String())
	// Output:
	// 429 870
	// {"type":"about:blank","title":"Too Many Requests","status":429,"code":"too_many_attempts","detail":"Too many failed login attempts. Try again later."}
}
