package cors_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/cors"
)

func Example() {
	c, err := cors.New(cors.Options{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.preview.example.com"},
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowedHeaders:   []string{"Content-Type", "Authorization"},
		AllowCredentials: true,
		MaxAge:           600,
	})
	if err != nil {
		panic(err)
	}
	api := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))

	// The browser's preflight for a DELETE with an Authorization header.
	r := httptest.NewRequest(http.MethodOptions, "https://api.example.com/items/7", nil)
	r.Header.Set("Origin", "https://pr-42.preview.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	r.Header.Set("Access-Control-Request-Headers", "authorization")
	w := httptest.NewRecorder()
	api.ServeHTTP(w, r)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("Access-Control-Allow-Origin"))
	fmt.Println(w.Header().Get("Access-Control-Allow-Methods"))
	fmt.Println(w.Header().Get("Access-Control-Allow-Headers"))
	fmt.Println(w.Header().Get("Access-Control-Allow-Credentials"))

	// An actual request from a site that is not allowed is served, without
	// CORS headers: the browser hides the response from that site's script.
	r = httptest.NewRequest(http.MethodGet, "https://api.example.com/items", nil)
	r.Header.Set("Origin", "https://preview.example.com.evil.net")
	w = httptest.NewRecorder()
	api.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Access-Control-Allow-Origin") == "", w.Header().Get("Vary"))
	// Output:
	// 204
	// https://pr-42.preview.example.com
	// DELETE
	// authorization
	// true
	// 200 true Origin
}

func ExampleNew_insecure() {
	_, err := cors.New(cors.Options{AllowedOrigins: []string{"*"}, AllowCredentials: true})
	fmt.Println(err)
	fmt.Println(errors.Is(err, cors.ErrInsecureOptions))

	_, err = cors.New(cors.Options{AllowedOrigins: []string{"https://app.example.com/"}})
	fmt.Println(errors.Is(err, cors.ErrInvalidOrigin))
	// Output:
	// cors: AllowedOrigins "*" cannot be combined with AllowCredentials: list the trusted origins
	// true
	// true
}

func ExampleDefaultErrorHandler() {
	c, err := cors.New(cors.Options{AllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodOptions, "https://api.example.com/items", nil)
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Access-Control-Request-Method", "GET")
	w := httptest.NewRecorder()
	c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())
	// Output:
	// 403 application/problem+json
	// {"type":"about:blank","title":"Forbidden","status":403,"code":"cors_preflight_rejected","detail":"The cross-origin request is not allowed by this server's CORS policy."}
}

func ExampleCORS_OriginAllowed() {
	c, err := cors.New(cors.Options{AllowedOrigins: []string{"https://*.example.com"}})
	if err != nil {
		panic(err)
	}
	for _, origin := range []string{"https://a.example.com", "https://example.com", "https://evilexample.com"} {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/ws", nil)
		r.Header.Set("Origin", origin)
		fmt.Println(origin, c.OriginAllowed(r))
	}
	// Output:
	// https://a.example.com true
	// https://example.com false
	// https://evilexample.com false
}
