package ratelimit

import (
	"context"
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

func BenchmarkAllow(b *testing.B) {
	const nKeys = 100_000
	keys := benchKeys(nKeys)
	ctx := context.Background()
	newLimiter := func(b *testing.B) *Limiter {
		l, err := New(Options{Rate: PerSecond(100)})
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range keys {
			_, _ = l.Allow(ctx, k, 1)
		}
		return l
	}
	b.Run("serial", func(b *testing.B) {
		l := newLimiter(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			_, _ = l.Allow(ctx, keys[i%nKeys], 1)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		l := newLimiter(b)
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(7919)) // each goroutine starts elsewhere
			for pb.Next() {
				_, _ = l.Allow(ctx, keys[i%nKeys], 1)
				i++
			}
		})
	})
}
