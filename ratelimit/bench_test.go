package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// benchKeys returns n distinct keys shaped like IP addresses.
func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
	}
	return keys
}

// BenchmarkAllow measures decisions for 100,000 active keys in the default
// MemoryStore, and the heap each key costs (B/key).
func BenchmarkAllow(b *testing.B) {
	const nKeys = 100_000
	keys := benchKeys(nKeys)
	ctx := context.Background()
	newLimiter := func(b *testing.B) (*Limiter, float64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l, err := New(Options{Rate: PerSecond(100)})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			_, _ = l.Allow(ctx, k, 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		return l, float64(after.HeapAlloc-before.HeapAlloc) / nKeys
	}
	b.Run("serial", func(b *testing.B) {
		l, perKey := newLimiter(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, _ = l.Allow(ctx, keys[i%nKeys], 1)
		}
		b.StopTimer()
		b.ReportMetric(perKey, "B/key")
	})
	b.Run("parallel", func(b *testing.B) {
		l, _ := newLimiter(b)
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(nKeys / 7)) // each goroutine starts elsewhere
			for pb.Next() {
				_, _ = l.Allow(ctx, keys[i%nKeys], 1)
				i++
			}
		})
	})
}

// BenchmarkHandler measures the middleware on an admitted request, headers
// included.
func BenchmarkHandler(b *testing.B) {
	for _, mode := range []struct {
		name string
		mode HeaderMode
	}{{"all-headers", HeadersAll}, {"no-headers", HeadersNone}} {
		b.Run(mode.name, func(b *testing.B) {
			l, err := New(Options{Rate: PerSecond(1_000_000_000), Headers: mode.mode})
			if err != nil {
				b.Fatal(err)
			}
			h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clear(w.Header())
				h.ServeHTTP(w, r)
			}
		})
	}
}
