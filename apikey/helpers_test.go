package apikey_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

// env is a Manager and an Authenticator sharing one store.
type env struct {
	store apikey.Store
	mgr   *apikey.Manager
	auth  *apikey.Authenticator
	rec   *audit.Memory
}

func newEnv(t testing.TB, store apikey.Store, opts apikey.Options) *env {
	t.Helper()
	if store == nil {
		store = apikey.NewMemoryStore(apikey.MemoryOptions{})
	}
	rec := audit.NewMemory(1000)
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: store, Pepper: testPepper, Prefix: "gk_live", Prefixes: []string{"gk_test"}, Audit: rec})
	require.NoError(t, err)
	opts.Store = store
	if opts.Pepper == nil {
		opts.Pepper = testPepper
	}
	if opts.Prefixes == nil {
		opts.Prefixes = []string{"gk_live", "gk_test"}
	}
	if opts.Audit == nil {
		opts.Audit = rec
	}
	auth, err := apikey.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = auth.Close(context.Background()) })
	return &env{store: store, mgr: mgr, auth: auth, rec: rec}
}

func (e *env) create(t testing.TB, req apikey.CreateRequest) (string, apikey.Key) {
	t.Helper()
	if req.Owner == "" {
		req.Owner = "alice"
	}
	secret, k, err := e.mgr.Create(context.Background(), req)
	require.NoError(t, err)
	return secret, k
}

// okHandler answers 200 with the authenticated key's id.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	k, ok := apikey.FromContext(r.Context())
	if !ok {
		http.Error(w, "no key in context", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write([]byte(k.ID))
})

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func withKey(key string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
	r.Header.Set("X-API-Key", key)
	return r
}

// typo changes the last character of key to another one.
func typo(key string) string {
	if key[len(key)-1] == 'x' {
		return key[:len(key)-1] + "y"
	}
	return key[:len(key)-1] + "x"
}
