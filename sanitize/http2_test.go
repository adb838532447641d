package sanitize

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBodilessHTTP2RequestsHaveNoBody covers the HTTP/2 server, which gives
// a request that ended with its headers an empty body of its own type
// rather than http.NoBody: a GET must not be taken for a body without a
// Content-Type (415), and a POST with a body is still checked.
func TestBodilessHTTP2RequestsHaveNoBody(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{})
	srv := httptest.NewUnstartedServer(s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		_, _ = io.WriteString(w, r.Proto+" "+string(b))
	})))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()

	resp, err := client.Get(srv.URL + "/items")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "HTTP/2.0 ", string(body))

	resp, err = client.Post(srv.URL+"/items", "application/json", strings.NewReader(`{"a":1,"a":2}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "an HTTP/2 body is still checked")

	resp, err = client.Post(srv.URL+"/items", "application/json", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, `HTTP/2.0 {"a":1}`, string(body))
}

func TestAZeroLengthBodyThatSendsDataIsStillChecked(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{})
	var got string
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"x":"\u0000"}`)), 0
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusBadRequest, rec.Code, "the bytes read ahead are part of the checked body")

	r = httptest.NewRequest(http.MethodPost, "/", nil)
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"x":1}`)), 0
	r.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, `{"x":1}`, got, "and reach the handler intact")
}
