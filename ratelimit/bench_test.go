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

// benchOrder is a fixed pseudo-random sequence of key indexes (xorshift64).
func benchOrder(n int) []int32 {
	o := make([]int32, 1<<20)
	x := uint64(88172645463325252)
	for i := range o {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		o[i] = int32(x % uint64(n))
	}
	return o
}

// BenchmarkAllow measures decisions for 100,000 keys in the default
// MemoryStore, asked for in a pseudo-random order, and the heap each active
// key costs (B/key).
func BenchmarkAllow(b *testing.B) {
	const nKeys = 100_000
	keys := benchKeys(nKeys)
	order := benchOrder(nKeys)
	ctx := context.Background()
	newLimiter := func(b *testing.B, r Rate) (*Limiter, float64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l, err := New(Options{Rate: r})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			_, _ = l.Allow(ctx, k, 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		return l, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / nKeys
	}
	b.Run("serial", func(b *testing.B) {
		_, perKey := newLimiter(b, PerHour(100)) // every key stays active
		l, _ := newLimiter(b, PerSecond(100))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, _ = l.Allow(ctx, keys[order[i&(1<<20-1)]], 1)
		}
		b.StopTimer()
		b.ReportMetric(perKey, "B/key")
	})
	b.Run("parallel", func(b *testing.B) {
		l, _ := newLimiter(b, PerSecond(100))
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(1 << 17)) // each goroutine starts elsewhere
			for pb.Next() {
				_, _ = l.Allow(ctx, keys[order[i&(1<<20-1)]], 1)
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
