package apikey_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func TestRequireScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, k := e.create(t, apikey.CreateRequest{Scopes: []string{"repo:read", "repo:write"}})
	for _, tc := range []struct {
		name  string
		need  []string
		want  int
		scope string // expected scope attribute, when refused
	}{
		{"a key with the one scope needed passes", []string{"repo:read"}, 200, ""},
		{"a key with all scopes needed passes", []string{"repo:read", "repo:write"}, 200, ""},
		{"no scope needed passes", nil, 200, ""},
		{"a missing scope is refused", []string{"admin"}, 403, "admin"},
		{"one missing scope among several is refused", []string{"repo:read", "admin"}, 403, "repo:read admin"},
		{"scopes are compared exactly, not by prefix", []string{"repo"}, 403, "repo"},
		{"scopes are compared case-sensitively", []string{"REPO:READ"}, 403, "REPO:READ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			h := e.auth.Handler(e.auth.RequireScopes(tc.need...)(okHandler))
			w := serve(h, withKey(secret))
			require.Equal(t, tc.want, w.Code)
			if tc.want == 403 {
				require.Contains(t, w.Body.String(), `"code":"insufficient_scope"`)
				require.Equal(t, `Bearer realm="api", error="insufficient_scope", scope="`+tc.scope+`"`, w.Header().Get("WWW-Authenticate"))
				ev := typesOf(e.rec.Events(), audit.AuthzFail)
				require.Len(t, ev, 1)
				require.Equal(t, "insufficient_scope", ev[0].Details["reason"])
				require.Equal(t, "apikey:"+k.ID, ev[0].Actor)
			}
		})
	}
}

func TestRequireScopesWithAnInvalidScopeRefusesEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, _ := e.create(t, apikey.CreateRequest{Scopes: []string{"read"}})
	w := serve(e.auth.Handler(e.auth.RequireScopes("read", `bad "scope"`)(okHandler)), withKey(secret))
	require.Equal(t, 403, w.Code)
	require.Equal(t, `Bearer realm="api", error="insufficient_scope"`, w.Header().Get("WWW-Authenticate"), "an invalid scope is not put in the header")
}

func TestRequireScopesWithoutTheMiddlewareFailsClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	w := serve(e.auth.RequireScopes("read")(okHandler), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, 401, w.Code)
	w = serve(apikey.RequireScopes("read")(okHandler), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, 401, w.Code)
	require.Contains(t, w.Body.String(), `"code":"invalid_api_key"`)
}

func TestPackageLevelRequireScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, _ := e.create(t, apikey.CreateRequest{Scopes: []string{"read"}})
	ok := serve(e.auth.Handler(apikey.RequireScopes("read")(okHandler)), withKey(secret))
	require.Equal(t, 200, ok.Code)
	no := serve(e.auth.Handler(apikey.RequireScopes("write")(okHandler)), withKey(secret))
	require.Equal(t, 403, no.Code)
	require.Contains(t, no.Body.String(), `"code":"insufficient_scope"`)
}

func TestHasScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, _ := e.create(t, apikey.CreateRequest{Scopes: []string{"read"}})
	var has, hasNot bool
	serve(e.auth.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		has, hasNot = apikey.HasScopes(r.Context(), "read"), apikey.HasScopes(r.Context(), "write")
	})), withKey(secret))
	require.True(t, has)
	require.False(t, hasNot)
	require.False(t, apikey.HasScopes(httptest.NewRequest(http.MethodGet, "/", nil).Context()))
}
