package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	type body struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	for _, c := range []struct {
		name, in string
		ok       bool
		code     string
	}{
		{"a matching object decodes", `{"name":"x","n":1}`, true, ""},
		{"members may be missing", `{}`, true, ""},
		{"an unknown member is refused, not ignored", `{"name":"x","role":"admin"}`, false, "unknown_field"},
		{"a member in another letter case still binds", `{"NAME":"x"}`, true, ""},
		{"a second value is refused", `{"name":"x"} {"name":"y"}`, false, "invalid_body"},
		{"a wrong type is refused", `{"n":"1"}`, false, "invalid_body"},
		{"an array is refused", `[1]`, false, "invalid_body"},
		{"an empty body is refused", ``, false, "invalid_body"},
		{"truncated JSON is refused", `{"name":`, false, "invalid_body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			var v body
			ok := decode(rec, httptest.NewRequest("POST", "/", strings.NewReader(c.in)), &v)
			require.Equal(t, c.ok, ok)
			if !c.ok {
				require.Equal(t, http.StatusBadRequest, rec.Code)
				require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
				require.Contains(t, rec.Body.String(), `"code":"`+c.code+`"`)
				require.NotContains(t, rec.Body.String(), "admin", "input is never echoed")
			}
		})
	}
}

func TestJWTOrAPIKey(t *testing.T) {
	t.Parallel()
	h := JWTOrAPIKey(
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("jwt")) }),
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("key")) }),
	)
	for _, c := range []struct {
		name string
		hdr  []string
		want string
	}{
		{"no credential goes to the JWT check (which answers 401)", nil, "jwt"},
		{"a JWT goes to the JWT check", []string{"Authorization", "Bearer a.b.c"}, "jwt"},
		{"a Bearer credential without dots is an API key", []string{"Authorization", "Bearer gk_live_abc"}, "key"},
		{"the scheme is case-insensitive", []string{"Authorization", "bearer gk_live_abc"}, "key"},
		{"X-API-Key goes to the key check", []string{"X-API-Key", "gk_live_abc"}, "key"},
		{"an empty X-API-Key still goes to the key check", []string{"X-API-Key", ""}, "key"},
		{"a key and a JWT together go to the key check, which refuses the pair", []string{"X-API-Key", "k", "Authorization", "Bearer a.b.c"}, "key"},
		{"a second Authorization header without dots goes to the key check", []string{"Authorization", "Bearer a.b.c", "Authorization", "Bearer k"}, "key"},
		{"Basic credentials go to the JWT check", []string{"Authorization", "Basic dXNlcjpwYXNz"}, "jwt"},
		{"a cookie goes to the JWT check", []string{"Cookie", "__Host-access_token=a.b.c"}, "jwt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("POST", "/", nil)
			for i := 0; i+1 < len(c.hdr); i += 2 {
				req.Header.Add(c.hdr[i], c.hdr[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, c.want, rec.Body.String())
		})
	}
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"alice@example.com":             true,
		"a.b+tag@sub.example.org":       true,
		"":                              false,
		"alice":                         false,
		"Alice <alice@example.com>":     false,
		"alice@example.com (work)":      false,
		" alice@example.com":            false,
		"alice@example.com\r\nBcc: x@y": false,
		"\xff@example.com":              false,
		strings.Repeat("a", 250) + "@example.com": false,
	} {
		require.Equal(t, want, validEmail(in), "%q", in)
	}
}

func TestClaimsValidate(t *testing.T) {
	t.Parallel()
	for _, role := range []string{"user", "staff", "admin"} {
		require.NoError(t, (&Claims{Role: role}).Validate())
	}
	for _, role := range []string{"", "root", "Admin", "admin "} {
		require.Error(t, (&Claims{Role: role}).Validate(), role)
	}
}

func TestSubjectAndRoleWithoutCredentials(t *testing.T) {
	t.Parallel()
	_, ok := SubjectOf(context.Background())
	require.False(t, ok)
	_, ok = RoleOf(context.Background())
	require.False(t, ok)
}

func TestProblemBodies(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rec.Header().Set("Retry-After", "1")
	ErrUnavailable.WriteWith(rec, map[string]any{"checks": map[string]string{"redis": "unavailable"}, "code": "overridden?"})
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "1", rec.Header().Get("Retry-After"), "headers set before are kept")
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.JSONEq(t, `{"type":"about:blank","title":"Service Unavailable","status":503,"code":"unavailable",
		"detail":"The service is temporarily unavailable; try again later.","checks":{"redis":"unavailable"}}`, rec.Body.String())
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"username":"a","email":"b","password":"c"}`, `{"role":"admin"}`, `[]`, `{"a":{"b":[1,2]}}`, `"x"`, `{"username":1}`, "{\"username\":\"\\ud800\"}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var v struct {
			Username string `json:"username"`
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		rec := httptest.NewRecorder()
		if !decode(rec, httptest.NewRequest("POST", "/", strings.NewReader(in)), &v) {
			require.Equal(t, http.StatusBadRequest, rec.Code)
		}
	})
}

func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"a@b.c", "A <a@b.c>", "\"q\"@b.c", "a@[127.0.0.1]", "a@b.c\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validEmail(s) {
			require.LessOrEqual(t, len(s), maxEmailBytes)
			require.NotContains(t, s, "\n")
			require.NotContains(t, s, "<")
		}
	})
}
