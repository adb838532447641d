// Package ratelimit_test compares Gatehouse's rate limiter with the Go
// libraries our users would otherwise pick: sethvargo/go-limiter's
// memorystore, x/time/rate limiters in a sync.Map, go-chi/httprate,
// ulule/limiter's memory store and throttled's memstore; and, on Redis,
// go-redis/redis_rate.
//
// Every implementation gets the same limit (100 per second, burst 100) and
// the same requests: 100,000 client addresses, all seen once before timing,
// then asked for in one fixed pseudo-random order (real clients do not come
// back in the order they first came), and, in the "in-order" cases, in the
// order they were first seen, which favours designs with one heap object per
// key: the objects were allocated in that order and the hardware prefetches
// them. The peers run in their fastest
// configuration (unbounded maps, no response headers), Gatehouse with its
// default bounded store. The serial cases also report the heap each active
// key costs ("B/key"), measured with a limit slow enough (100 per hour) that
// all 100,000 keys stay active.
package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/ratelimit"
	"github.com/gatehouse-go/gatehouse/redisstore"
	"github.com/gatehouse-go/gatehouse/redisstore/redistest"
	"github.com/go-chi/httprate"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"github.com/sethvargo/go-limiter/memorystore"
	"github.com/throttled/throttled/v2"
	"github.com/throttled/throttled/v2/store/memstore"
	"github.com/ulule/limiter/v3"
	ulmemory "github.com/ulule/limiter/v3/drivers/store/memory"
	"golang.org/x/time/rate"
)

const (
	nKeys  = 100_000
	perSec = 100
)

// order is the sequence of key indexes the timed loops ask for: xorshift64,
// the same for every implementation and every run.
var order = func() []int32 {
	o := make([]int32, 1<<20)
	x := uint64(88172645463325252)
	for i := range o {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		o[i] = int32(x % nKeys)
	}
	return o
}()

func key(i int) string { return keys[order[i&(len(order)-1)]] }

func keyInOrder(i int) string { return keys[i%nKeys] }

// keys are the client addresses every implementation sees.
var keys = func() []string {
	k := make([]string, nKeys)
	for i := range k {
		k[i] = "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
	}
	return k
}()

// allowFunc takes one token for key and reports whether it was granted.
type allowFunc func(ctx context.Context, key string) bool

// impl builds a limiter of n requests per period (burst n) and returns its
// allow function and a cleanup.
type impl struct {
	name string
	new  func(tb testing.TB, n int, period time.Duration) (allowFunc, func())
}

var discard = httptest.NewRecorder()

var memoryImpls = []impl{
	{"gatehouse", func(tb testing.TB, n int, period time.Duration) (allowFunc, func()) {
		r, err := ratelimit.ParseRate(strconv.Itoa(n) + "/" + period.String())
		if err != nil {
			tb.Fatal(err)
		}
		l, err := ratelimit.New(ratelimit.Options{Rate: r})
		if err != nil {
			tb.Fatal(err)
		}
		return func(ctx context.Context, key string) bool {
			d, err := l.Allow(ctx, key, 1)
			return err == nil && d.Allowed
		}, func() {}
	}},
	{"sethvargo-go-limiter", func(tb testing.TB, n int, period time.Duration) (allowFunc, func()) {
		s, err := memorystore.New(&memorystore.Config{Tokens: uint64(n), Interval: period})
		if err != nil {
			tb.Fatal(err)
		}
		return func(ctx context.Context, key string) bool {
			_, _, _, ok, err := s.Take(ctx, key)
			return err == nil && ok
		}, func() { _ = s.Close(context.Background()) }
	}},
	{"x-time-rate", func(_ testing.TB, n int, period time.Duration) (allowFunc, func()) {
		var m sync.Map
		limit := rate.Every(period / time.Duration(n))
		return func(_ context.Context, key string) bool {
			v, ok := m.Load(key)
			if !ok {
				v, _ = m.LoadOrStore(key, rate.NewLimiter(limit, n))
			}
			return v.(*rate.Limiter).Allow()
		}, func() {}
	}},
	{"go-chi-httprate", func(_ testing.TB, n int, period time.Duration) (allowFunc, func()) {
		rl := httprate.NewRateLimiter(n, period, httprate.WithResponseHeaders(httprate.ResponseHeaders{}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		return func(_ context.Context, key string) bool {
			return !rl.OnLimit(discard, r, key)
		}, func() {}
	}},
	{"ulule-limiter", func(_ testing.TB, n int, period time.Duration) (allowFunc, func()) {
		l := limiter.New(ulmemory.NewStore(), limiter.Rate{Period: period, Limit: int64(n)})
		return func(ctx context.Context, key string) bool {
			c, err := l.Get(ctx, key)
			return err == nil && !c.Reached
		}, func() {}
	}},
	{"throttled", func(tb testing.TB, n int, period time.Duration) (allowFunc, func()) {
		st, err := memstore.NewCtx(0)
		if err != nil {
			tb.Fatal(err)
		}
		rl, err := throttled.NewGCRARateLimiterCtx(st, throttled.RateQuota{MaxRate: throttled.PerDuration(n, period), MaxBurst: n - 1})
		if err != nil {
			tb.Fatal(err)
		}
		return func(ctx context.Context, key string) bool {
			limited, _, err := rl.RateLimitCtx(ctx, key, 1)
			return err == nil && !limited
		}, func() {}
	}},
}

// warm builds an implementation at 100 per second and shows it every key
// once.
func warm(b *testing.B, im impl) (allowFunc, func()) {
	allow, done := im.new(b, perSec, time.Second)
	ctx := context.Background()
	for _, k := range keys {
		allow(ctx, k)
	}
	return allow, done
}

// bytesPerKey returns the heap an implementation grows by per active key,
// with a limit slow enough that no bucket is full again (and released)
// while it is measured.
func bytesPerKey(b *testing.B, im impl) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	allow, done := im.new(b, perSec, time.Hour)
	defer done()
	ctx := context.Background()
	for _, k := range keys {
		allow(ctx, k)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(allow)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / nKeys
}

func BenchmarkRateLimit(b *testing.B) {
	for _, c := range []struct {
		name string
		key  func(int) string
	}{{"memory-100k-keys", key}, {"memory-100k-keys-in-order", keyInOrder}} {
		for _, im := range memoryImpls {
			b.Run(c.name+"/"+im.name, func(b *testing.B) {
				perKey := bytesPerKey(b, im)
				allow, done := warm(b, im)
				defer done()
				ctx := context.Background()
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					allow(ctx, c.key(i))
				}
				b.StopTimer()
				b.ReportMetric(perKey, "B/key")
			})
		}
		for _, im := range memoryImpls {
			b.Run(c.name+"-parallel/"+im.name, func(b *testing.B) {
				allow, done := warm(b, im)
				defer done()
				ctx := context.Background()
				var seq atomic.Int64
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := int(seq.Add(1 << 17)) // goroutines start at different places
					for pb.Next() {
						allow(ctx, c.key(i))
						i++
					}
				})
			})
		}
	}
	if os.Getenv(redistest.EnvVar) == "" {
		b.Log(redistest.EnvVar + " is not set: Redis benchmarks skipped")
		return
	}
	for _, im := range redisImpls {
		b.Run("redis/"+im.name, func(b *testing.B) {
			allow, done := im.new(b, perSec, time.Second)
			defer done()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				allow(ctx, key(i))
			}
		})
	}
	for _, im := range redisImpls {
		b.Run("redis-parallel/"+im.name, func(b *testing.B) {
			allow, done := im.new(b, perSec, time.Second)
			defer done()
			ctx := context.Background()
			var seq atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8) // network-bound: more goroutines than cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1 << 17))
				for pb.Next() {
					allow(ctx, key(i))
					i++
				}
			})
		})
	}
}

// redisClient connects to GATEHOUSE_REDIS_URL with a pool large enough for
// the parallel cases, and a prefix whose keys are deleted afterwards.
func redisClient(tb testing.TB) (*redis.Client, string) {
	opts, err := redis.ParseURL(redistest.URL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	opts.PoolSize = 64
	c := redis.NewClient(opts)
	tb.Cleanup(func() { _ = c.Close() })
	return c, redistest.Prefix(tb, c)
}

var redisImpls = []impl{
	{"gatehouse", func(tb testing.TB, n int, period time.Duration) (allowFunc, func()) {
		c, prefix := redisClient(tb)
		s, err := redisstore.NewRateLimitStore(c, redisstore.RateLimitOptions{Prefix: prefix})
		if err != nil {
			tb.Fatal(err)
		}
		r, err := ratelimit.ParseRate(strconv.Itoa(n) + "/" + period.String())
		if err != nil {
			tb.Fatal(err)
		}
		l, err := ratelimit.New(ratelimit.Options{Rate: r, Store: s})
		if err != nil {
			tb.Fatal(err)
		}
		return func(ctx context.Context, key string) bool {
			d, err := l.Allow(ctx, key, 1)
			return err == nil && d.Allowed
		}, func() {}
	}},
	{"go-redis-redis_rate", func(tb testing.TB, n int, period time.Duration) (allowFunc, func()) {
		c, prefix := redisClient(tb)
		l := redis_rate.NewLimiter(c)
		limit := redis_rate.Limit{Rate: n, Burst: n, Period: period}
		return func(ctx context.Context, key string) bool {
			res, err := l.Allow(ctx, prefix+key, limit)
			return err == nil && res.Allowed > 0
		}, func() {}
	}},
}
