package apikey_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
)

func Example() {
	ctx := context.Background()
	pepper := []byte("load a 32-byte or longer secret from a file") // not from the database
	store, err := apikey.NewCache(apikey.NewMemoryStore(apikey.MemoryOptions{}), apikey.CacheOptions{})
	if err != nil {
		panic(err)
	}
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: store, Pepper: pepper, Prefix: "acme_live"})
	if err != nil {
		panic(err)
	}
	auth, err := apikey.New(apikey.Options{Store: store, Pepper: pepper, Prefixes: []string{"acme_live"}})
	if err != nil {
		panic(err)
	}
	defer auth.Close(ctx)

	secret, key, err := mgr.Create(ctx, apikey.CreateRequest{Owner: "user-42", Name: "CI", Scopes: []string{"orders:read"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("issued a key of kind", key.Prefix, "- shown once:", strings.HasPrefix(secret, "acme_live_"))

	mux := http.NewServeMux()
	mux.Handle("GET /orders", auth.RequireScopes("orders:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _ := apikey.FromContext(r.Context())
		fmt.Fprintf(w, "orders of %s", k.Owner)
	})))
	mux.Handle("POST /orders", auth.RequireScopes("orders:write")(http.NotFoundHandler()))
	h := auth.Handler(mux)

	send := func(method, key string) {
		r := httptest.NewRequest(method, "/orders", nil)
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if code := regexp.MustCompile(`"code":"(\w+)"`).FindStringSubmatch(w.Body.String()); code != nil {
			fmt.Println(method, w.Code, code[1])
			return
		}
		fmt.Println(method, w.Code, w.Body.String())
	}
	send("GET", secret)
	send("POST", secret)
	send("GET", "")
	mistyped := []byte(secret)
	mistyped[10] ^= 0x20          // a letter in the wrong case, or a digit that is not one
	send("GET", string(mistyped)) // a typo: refused by the checksum

	_ = mgr.Revoke(ctx, "user-42", key.ID)
	send("GET", secret)
	// Output:
	// issued a key of kind acme_live - shown once: true
	// GET 200 orders of user-42
	// POST 403 insufficient_scope
	// GET 401 invalid_api_key
	// GET 401 invalid_api_key
	// GET 401 invalid_api_key
}

func ExampleParse() {
	key, _ := apikey.Generate("gk_live")
	prefix, err := apikey.Parse(key)
	fmt.Println(prefix, err)
	_, err = apikey.Parse(strings.Replace(key, "gk_live", "gk_test", 1))
	fmt.Println(err)
	// Output:
	// gk_live <nil>
	// apikey: malformed api key
}

func ExamplePrefixPattern() {
	pattern, _ := apikey.PrefixPattern("acme_live", "acme_test")
	fmt.Println(pattern)
	key, _ := apikey.Generate("acme_live")
	fmt.Println(regexp.MustCompile(pattern).MatchString("export ACME_KEY=" + key))
	// Output:
	// \b(?:acme_live|acme_test)_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b
	// true
}

func ExampleManager_Rotate() {
	ctx := context.Background()
	store := apikey.NewMemoryStore(apikey.MemoryOptions{})
	mgr, _ := apikey.NewManager(apikey.ManagerOptions{Store: store})
	_, old, _ := mgr.Create(ctx, apikey.CreateRequest{Owner: "user-42", Name: "deploy"})

	// The new key replaces the old one, which keeps working for an hour so
	// that deployments can switch over.
	_, next, err := mgr.Rotate(ctx, "user-42", old.ID, time.Hour)
	fmt.Println(err, next.Name, next.ID != old.ID)

	// Someone else's key is "not found", exactly like a key that does not
	// exist: an HTTP API answers 404 for both.
	fmt.Println(mgr.Revoke(ctx, "user-7", next.ID))
	// Output:
	// <nil> deploy true
	// apikey: key not found
}
