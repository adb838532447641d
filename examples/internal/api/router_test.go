package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRouter(t *testing.T) {
	t.Parallel()
	rt := NewRouter()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Pattern) })
	rt.Handle("GET /items", ok)
	rt.Handle("POST /items", ok)
	rt.Handle("DELETE /items/{id}", ok)
	mux := rt.Mux()
	for _, c := range []struct {
		name, method, path string
		status             int
		allow, body        string
	}{
		{"a route is served", "GET", "/items", 200, "", "GET /items"},
		{"HEAD is served by the GET route", "HEAD", "/items", 200, "", ""},
		{"another method on a known path is 405 with Allow", "PUT", "/items", 405, "GET, HEAD, POST", `"code":"method_not_allowed"`},
		{"a wildcard path answers 405 too", "GET", "/items/42", 405, "DELETE", `"code":"method_not_allowed"`},
		{"an unknown path is 404", "GET", "/nope", 404, "", `"code":"not_found"`},
		{"a trailing slash is another path", "GET", "/items/", 404, "", `"code":"not_found"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			require.Equal(t, c.status, rec.Code)
			require.Equal(t, c.allow, rec.Header().Get("Allow"))
			require.Contains(t, rec.Body.String(), c.body)
		})
	}
}

func TestRouterRefusesPatternsWithoutMethod(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { NewRouter().Handle("/items", http.NotFoundHandler()) })
}

// A Router answers every error with a problem document.
func ExampleRouter() {
	rt := NewRouter()
	rt.Handle("POST /api/agent/chat", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	mux := rt.Mux()

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/agent/chat", nil))
	fmt.Println(rec.Code, rec.Header().Get("Allow"), rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 405 POST application/problem+json
	// {"code":"method_not_allowed","detail":"This path does not accept this method; see the Allow header.","status":405,"title":"Method Not Allowed","type":"about:blank"}
}
