package csrf_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/csrf"
)

func Example() {
	p, err := csrf.New(csrf.Options{TrustedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		panic(err)
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "ok")
	}))

	send := func(fetchSite, origin string) {
		r := httptest.NewRequest(http.MethodPost, "https://api.example.com/orders", nil)
		r.Header.Set("Sec-Fetch-Site", fetchSite)
		r.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Println(fetchSite, origin, rec.Code)
	}
	send("same-origin", "https://api.example.com")
	send("same-site", "https://app.example.com")
	send("cross-site", "https://evil.example")
	// Output:
	// same-origin https://api.example.com 200
	// same-site https://app.example.com 200
	// cross-site https://evil.example 403
}

func ExampleProtection_Check() {
	p, err := csrf.New(csrf.Options{Strict: true})
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "https://api.example.com/orders", nil)
	r.Header.Set("Origin", "https://evil@api.example.com")
	err = p.Check(r)
	fmt.Println(err)
	fmt.Println(csrf.Reason(err))

	r.Header.Del("Origin")
	fmt.Println(p.Check(r)) // strict: neither Sec-Fetch-Site nor Origin
	// Output:
	// csrf: malformed origin
	// origin_invalid
	// csrf: request has neither Sec-Fetch-Site nor Origin
}

func ExampleTokens() {
	key := []byte("an example key of 32 bytes or more!!") // use crypto/rand in production
	tokens, err := csrf.NewTokens(csrf.TokenOptions{
		Key:       key,
		SessionID: func(r *http.Request) string { return r.Header.Get("X-Session") }, // your session lookup
	})
	if err != nil {
		panic(err)
	}

	// At login: issue a token bound to the session; it is set as a cookie and
	// returned so that it can also go into the response body.
	login := httptest.NewRecorder()
	tok, err := tokens.Issue(login, "session-42")
	if err != nil {
		panic(err)
	}
	cookie := login.Result().Cookies()[0]
	fmt.Println(cookie.Name, cookie.HttpOnly, cookie.Secure)

	api := tokens.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	send := func(header string) int {
		r := httptest.NewRequest(http.MethodPost, "https://api.example.com/orders", nil)
		r.Header.Set("X-Session", "session-42")
		r.AddCookie(cookie)
		if header != "" {
			r.Header.Set(tokens.HeaderName(), header)
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		return rec.Code
	}
	fmt.Println(send(tok))
	fmt.Println(send(""))
	// Output:
	// __Host-csrf false true
	// 204
	// 403
}
