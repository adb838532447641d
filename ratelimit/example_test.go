package ratelimit_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gatehouse-go/gatehouse/ratelimit"
	"golang.org/x/time/rate"
)

// Per-IP login limiting, as slowapi's @limiter.limit("5/minute") on a login
// view: five attempts at once, then one every twelve seconds.
func Example_loginPerIP() {
	loginRate, err := ratelimit.ParseRate("5/minute")
	if err != nil {
		log.Fatal(err)
	}
	login, err := ratelimit.New(ratelimit.Options{
		Name: "login",
		Rate: loginRate, // Key defaults to ratelimit.ByIP (IPv6 grouped by /64)
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /login", login.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent) // check the password here
	})))

	for i := 1; i <= 6; i++ {
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.RemoteAddr = "203.0.113.7:52100"
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("RateLimit"), w.Header().Values("Retry-After"))
	}
	// Output:
	// 204 "login";r=4;t=12 []
	// 204 "login";r=3;t=24 []
	// 204 "login";r=2;t=36 []
	// 204 "login";r=1;t=48 []
	// 204 "login";r=0;t=60 []
	// 429 "login";r=0;t=12 [12]
}

// userKey and roleKey stand for what an authentication middleware (jwtauth,
// apikey) leaves in the request context.
type userKey struct{}
type roleKey struct{}

func authenticated(user, role string, r *http.Request) *http.Request {
	ctx := context.WithValue(r.Context(), userKey{}, user)
	return r.WithContext(context.WithValue(ctx, roleKey{}, role))
}

// Per-user API limiting with tiers by role: admin 1000/h, staff 500/h,
// everyone else 100/h. ratelimit does not import the authentication
// packages; the application passes accessors for what they stored.
func Example_perUserTiers() {
	userOf := func(ctx context.Context) (string, bool) {
		u, ok := ctx.Value(userKey{}).(string)
		return u, ok && u != ""
	}
	roleOf := func(ctx context.Context) (string, bool) {
		r, ok := ctx.Value(roleKey{}).(string)
		return r, ok
	}
	tiers, err := ratelimit.Tiers(roleOf, map[string]ratelimit.Rate{
		"admin": ratelimit.PerHour(1000),
		"staff": ratelimit.PerHour(500),
	})
	if err != nil {
		log.Fatal(err)
	}
	api, err := ratelimit.New(ratelimit.Options{
		Name:    "api",
		Rate:    ratelimit.PerHour(100), // users without a listed role
		RateFor: tiers,
		Key:     ratelimit.ByContext(userOf),
	})
	if err != nil {
		log.Fatal(err)
	}
	h := api.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))

	for _, who := range [][2]string{{"ann", "admin"}, {"sam", "staff"}, {"bob", "user"}} {
		r := authenticated(who[0], who[1], httptest.NewRequest(http.MethodGet, "/api/chat", nil))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(who[0], w.Code, w.Header().Get("RateLimit-Policy"), w.Header().Get("X-RateLimit-Remaining"))
	}
	// Output:
	// ann 200 "api";q=1000;w=3600 999
	// sam 200 "api";q=500;w=3600 499
	// bob 200 "api";q=100;w=3600 99
}

// Several limits on one route: a request must pass both, and one rejected
// by the per-user limit spends nothing from the per-IP one.
func ExampleAll() {
	perIP, _ := ratelimit.New(ratelimit.Options{Name: "ip", Rate: ratelimit.PerMinute(60)})
	perUser, _ := ratelimit.New(ratelimit.Options{
		Name: "user",
		Rate: ratelimit.PerMinute(2),
		Key: ratelimit.ByContext(func(ctx context.Context) (string, bool) {
			u, ok := ctx.Value(userKey{}).(string)
			return u, ok
		}),
	})
	both, err := ratelimit.All(perIP, perUser)
	if err != nil {
		log.Fatal(err)
	}
	h := both.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for range 3 {
		r := authenticated("alice", "user", httptest.NewRequest(http.MethodGet, "/", nil))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Values("RateLimit"))
	}
	// Output:
	// 200 ["ip";r=59;t=1 "user";r=1;t=30]
	// 200 ["ip";r=58;t=2 "user";r=0;t=60]
	// 429 ["user";r=0;t=30]
}

func ExampleParseRate() {
	for _, s := range []string{"5/minute", "100/h", "10/s burst 20", "3/hour", "5 a minute"} {
		r, err := ratelimit.ParseRate(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-13s one every %-8v burst %d\n", r, r.Interval(), r.Burst())
	}
	// Output:
	// 5/minute      one every 12s      burst 5
	// 100/hour      one every 36s      burst 100
	// 10/second burst 20 one every 100ms    burst 20
	// 3/hour        one every 20m0s    burst 3
	// ratelimit: invalid rate "5 a minute": expected "<count>/<unit>" or "<count> per <unit>", e.g. "5/minute"
}

func ExampleFromLimit() {
	// The values of an existing x/time/rate configuration.
	r := ratelimit.FromLimit(rate.Every(200*time.Millisecond), 10)
	fmt.Println(r, r.Limit())
	// Output: 1/200ms burst 10 5
}

// Limiting work that is not an HTTP request: a key per tenant, a cost per
// item.
func ExampleLimiter_Allow() {
	imports, err := ratelimit.New(ratelimit.Options{Name: "imports", Rate: ratelimit.PerHour(1000)})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, batch := range []int{600, 300, 200} {
		d, err := imports.Allow(ctx, "tenant-42", batch)
		if err != nil {
			log.Fatal(err) // only a store failure
		}
		fmt.Println(batch, d.Allowed, d.Remaining, d.RetryAfter.Round(time.Minute))
	}
	// Output:
	// 600 true 400 0s
	// 300 true 100 0s
	// 200 false 100 6m0s
}
