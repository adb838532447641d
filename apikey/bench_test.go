package apikey_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

// nopWriter is a ResponseWriter that keeps nothing, so that benchmarks
// measure the middleware and not httptest.ResponseRecorder.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// benchEnv builds an Authenticator over store (the memory store when nil),
// with a pepper, usage accounting on, no audit recorder.
func benchEnv(b testing.TB, store apikey.Store) (http.Handler, string) {
	b.Helper()
	if store == nil {
		store = apikey.NewMemoryStore(apikey.MemoryOptions{})
	}
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: store, Pepper: testPepper, Prefix: "gk_live"})
	require.NoError(b, err)
	auth, err := apikey.New(apikey.Options{Store: store, Pepper: testPepper, Prefixes: []string{"gk_live"}})
	require.NoError(b, err)
	b.Cleanup(func() { _ = auth.Close(context.Background()) })
	secret, _, err := mgr.Create(context.Background(), apikey.CreateRequest{Owner: "bench", Scopes: []string{"read"}})
	require.NoError(b, err)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := apikey.FromContext(r.Context()); !ok {
			panic("no key")
		}
	})
	return auth.Handler(next), secret
}

func benchRequests(b *testing.B, h http.Handler, key string, want int) {
	r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
	r.Header.Set("X-API-Key", key)
	w := &nopWriter{h: http.Header{}}
	check := httptest.NewRecorder()
	h.ServeHTTP(check, r)
	require.Equal(b, want, check.Code)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddleware measures whole requests through Handler.
func BenchmarkMiddleware(b *testing.B) {
	b.Run("valid_key/memory", func(b *testing.B) {
		h, key := benchEnv(b, nil)
		benchRequests(b, h, key, http.StatusOK)
	})
	b.Run("valid_key/memory_cached", func(b *testing.B) {
		c, err := apikey.NewCache(apikey.NewMemoryStore(apikey.MemoryOptions{}), apikey.CacheOptions{})
		require.NoError(b, err)
		h, key := benchEnv(b, c)
		benchRequests(b, h, key, http.StatusOK)
	})
	b.Run("bad_checksum", func(b *testing.B) {
		h, key := benchEnv(b, failingStore{apikey.NewMemoryStore(apikey.MemoryOptions{})})
		benchRequests(b, h, typo(key), http.StatusUnauthorized)
	})
	b.Run("unknown_key/memory", func(b *testing.B) {
		h, _ := benchEnv(b, nil)
		unknown, _ := apikey.Generate("gk_live")
		benchRequests(b, h, unknown, http.StatusUnauthorized)
	})
	b.Run("valid_key/memory/parallel", func(b *testing.B) {
		h, key := benchEnv(b, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
			r.Header.Set("X-API-Key", key)
			w := &nopWriter{h: http.Header{}}
			for pb.Next() {
				h.ServeHTTP(w, r)
			}
		})
	})
}

// BenchmarkParse measures the checks a malformed key fails without a store.
func BenchmarkParse(b *testing.B) {
	key, _ := apikey.Generate("gk_live")
	for _, c := range []struct{ name, key string }{
		{"valid", key},
		{"bad_checksum", typo(key)},
		{"wrong_length", key[:30]},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = apikey.Parse(c.key)
			}
		})
	}
}

// BenchmarkHash compares the two hash modes.
func BenchmarkHash(b *testing.B) {
	key, _ := apikey.Generate("gk_live")
	for _, c := range []struct {
		name   string
		pepper []byte
	}{{"sha256", nil}, {"hmac_sha256", testPepper}} {
		h, err := apikey.NewHasher(c.pepper)
		require.NoError(b, err)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Hash(key)
			}
		})
	}
}

func TestMiddlewareAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	allocs := func(h http.Handler, key string) float64 {
		r := httptest.NewRequest(http.MethodGet, "/v1/things", nil)
		r.Header.Set("X-API-Key", key)
		w := &nopWriter{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		})
	}
	h, key := benchEnv(t, nil)
	require.LessOrEqual(t, allocs(h, key), 2.0, "a valid key costs at most two allocations")
	h, key = benchEnv(t, failingStore{apikey.NewMemoryStore(apikey.MemoryOptions{})})
	require.Zero(t, allocs(h, typo(key)), "a malformed key costs nothing but the response")
}
