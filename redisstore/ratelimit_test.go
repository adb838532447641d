package redisstore

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/ratelimit"
	"github.com/gatehouse-go/gatehouse/redisstore/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func rlStore(t testing.TB) (*RateLimitStore, *redis.Client, string) {
	t.Helper()
	client, prefix := testClient(t)
	s, err := NewRateLimitStore(client, RateLimitOptions{Prefix: prefix})
	require.NoError(t, err)
	return s, client, prefix
}

func TestRateLimitStoreDecisions(t *testing.T) {
	t.Parallel()
	s, _, _ := rlStore(t)
	ctx := context.Background()
	r := ratelimit.PerMinute(5)
	for i := range 5 {
		d, err := s.Take(ctx, "login", "192.0.2.1", r, 1)
		require.NoError(t, err)
		require.True(t, d.Allowed)
		require.Equal(t, 5, d.Limit)
		require.Equal(t, 4-i, d.Remaining)
		require.InDelta(t, float64(time.Duration(i+1)*12*time.Second), float64(d.ResetAfter), float64(time.Second))
	}
	d, err := s.Take(ctx, "login", "192.0.2.1", r, 1)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Equal(t, 0, d.Remaining)
	require.LessOrEqual(t, d.RetryAfter, 12*time.Second)
	require.Greater(t, d.RetryAfter, 11*time.Second)

	d, err = s.Take(ctx, "login", "192.0.2.2", r, 5)
	require.NoError(t, err)
	require.True(t, d.Allowed, "another key has its own bucket")
	d, err = s.Take(ctx, "signup", "192.0.2.1", r, 1)
	require.NoError(t, err)
	require.True(t, d.Allowed, "another policy has its own bucket")

	d, err = s.Take(ctx, "login", "192.0.2.3", r, 3)
	require.NoError(t, err)
	require.Equal(t, 2, d.Remaining)
	d, err = s.Take(ctx, "login", "192.0.2.3", r, 3)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Equal(t, 2, d.Remaining, "a rejected cost reports what is left")
	d, err = s.Take(ctx, "login", "192.0.2.3", r, 0)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	require.Equal(t, 2, d.Remaining, "cost 0 reads without spending")
}

func TestRateLimitStoreValidatesArguments(t *testing.T) {
	t.Parallel()
	_, err := NewRateLimitStore(nil, RateLimitOptions{})
	require.ErrorContains(t, err, "redisstore: ")
	s, err := NewRateLimitStore(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), RateLimitOptions{})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = s.Take(ctx, "p", "k", ratelimit.Rate{}, 1)
	require.ErrorIs(t, err, ratelimit.ErrZeroRate)
	_, err = s.Take(ctx, "p", "k", ratelimit.PerSecond(1), 2)
	require.ErrorIs(t, err, ratelimit.ErrCost)
	require.ErrorIs(t, s.Refund(ctx, "p", "k", ratelimit.PerSecond(1), -1), ratelimit.ErrCost)
	require.True(t, strings.HasPrefix(s.rlKey("p", "k"), DefaultPrefix+"rl:"))
}

func TestRateLimitRejectionWritesNothingAndKeysExpireWhenFull(t *testing.T) {
	t.Parallel()
	s, client, prefix := rlStore(t)
	ctx := context.Background()
	r := ratelimit.PerHour(2)
	key := s.rlKey("p", "user-1")
	require.True(t, strings.HasPrefix(key, prefix+"rl:"))
	require.NotContains(t, key, "user-1", "the client's key is digested")

	_, err := s.Take(ctx, "p", "user-1", r, 2)
	require.NoError(t, err)
	stored, err := client.Get(ctx, key).Result()
	require.NoError(t, err)
	ttl, err := client.PTTL(ctx, key).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute)
	require.LessOrEqual(t, ttl, r.Window()+time.Millisecond, "a key lives no longer than a full refill")

	for range 10 {
		d, err := s.Take(ctx, "p", "user-1", r, 1)
		require.NoError(t, err)
		require.False(t, d.Allowed)
	}
	again, err := client.Get(ctx, key).Result()
	require.NoError(t, err)
	require.Equal(t, stored, again, "rejections wrote nothing")

	n, err := client.Keys(ctx, prefix+"*").Result()
	require.NoError(t, err)
	require.Len(t, n, 1, "one key per bucket")
}

func TestRateLimitRefund(t *testing.T) {
	t.Parallel()
	s, client, _ := rlStore(t)
	ctx := context.Background()
	r := ratelimit.PerMinute(5)
	_, err := s.Take(ctx, "p", "k", r, 5)
	require.NoError(t, err)
	require.NoError(t, s.Refund(ctx, "p", "k", r, 2))
	d, err := s.Take(ctx, "p", "k", r, 0)
	require.NoError(t, err)
	require.Equal(t, 2, d.Remaining)
	require.NoError(t, s.Refund(ctx, "p", "k", r, 5))
	exists, err := client.Exists(ctx, s.rlKey("p", "k")).Result()
	require.NoError(t, err)
	require.Zero(t, exists, "a bucket refunded to full is deleted")
	require.NoError(t, s.Refund(ctx, "p", "missing", r, 1))
	require.NoError(t, s.Refund(ctx, "p", "k", r, 0))
}

// commandLog records the commands a client sends.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func (c *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.names = append(c.names, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (c *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func TestRateLimitIsOneRoundTripPerDecision(t *testing.T) {
	t.Parallel()
	s, client, _ := rlStore(t)
	ctx := context.Background()
	_, err := s.Take(ctx, "p", "warm-up", ratelimit.PerSecond(10), 1) // loads the script if needed
	require.NoError(t, err)
	log := &commandLog{}
	client.AddHook(log)
	for i := range 20 {
		_, err := s.Take(ctx, "p", "k"+strconv.Itoa(i%3), ratelimit.PerSecond(10), 1)
		require.NoError(t, err)
	}
	require.Len(t, log.names, 20)
	for _, n := range log.names {
		require.Equal(t, "evalsha", n)
	}
}

// TestRateLimitInstancesShareOneRedis runs several limiter instances, each
// with its own client, against one key at once.
func TestRateLimitInstancesShareOneRedis(t *testing.T) {
	t.Parallel()
	url := redistest.URL(t)
	for _, instances := range []int{2, 8, 20} {
		t.Run(strconv.Itoa(instances)+" instances admit exactly the burst with no errors", func(t *testing.T) {
			t.Parallel()
			opts, err := redis.ParseURL(url)
			require.NoError(t, err)
			first := redis.NewClient(opts)
			t.Cleanup(func() { _ = first.Close() })
			prefix := redistest.Prefix(t, first)
			r := ratelimit.PerDay(50) // nothing refills during the test
			limiters := make([]*ratelimit.Limiter, instances)
			for i := range limiters {
				client := redis.NewClient(opts)
				t.Cleanup(func() { _ = client.Close() })
				store, err := NewRateLimitStore(client, RateLimitOptions{Prefix: prefix})
				require.NoError(t, err)
				limiters[i], err = ratelimit.New(ratelimit.Options{Name: "burst", Rate: r, Store: store})
				require.NoError(t, err)
			}
			const goroutines, requests = 8, 5
			var admitted, rejected, failed atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, l := range limiters {
				for range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						for range requests {
							d, err := l.Allow(context.Background(), "hot-key", 1)
							switch {
							case err != nil:
								failed.Add(1)
							case d.Allowed:
								admitted.Add(1)
							default:
								rejected.Add(1)
							}
						}
					}()
				}
			}
			close(start)
			wg.Wait()
			require.Zero(t, failed.Load())
			require.Equal(t, int64(50), admitted.Load())
			require.Equal(t, int64(instances*goroutines*requests-50), rejected.Load())
		})
	}
}

func TestRateLimitRequestAfterRetryAfterIsAdmitted(t *testing.T) {
	t.Parallel()
	s, _, _ := rlStore(t)
	l, err := ratelimit.New(ratelimit.Options{Rate: ratelimit.Every(700*time.Millisecond, 1), Store: s})
	require.NoError(t, err)
	h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	do := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.9:1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	require.Equal(t, http.StatusOK, do().Code)
	res := do()
	require.Equal(t, http.StatusTooManyRequests, res.Code)
	require.Equal(t, "1", res.Header().Get("Retry-After"))
	time.Sleep(time.Second)
	require.Equal(t, http.StatusOK, do().Code)
}

func TestRateLimitStoreFailurePolicy(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	s, err := NewRateLimitStore(client, RateLimitOptions{})
	require.NoError(t, err)
	_, err = s.Take(context.Background(), "p", "k", ratelimit.PerSecond(1), 1)
	require.ErrorContains(t, err, "redisstore: rate limit")

	for _, failOpen := range []bool{false, true} {
		rec := audit.NewMemory(4)
		l, err := ratelimit.New(ratelimit.Options{Rate: ratelimit.PerSecond(1), Store: s, FailOpen: failOpen, Audit: rec})
		require.NoError(t, err)
		w := httptest.NewRecorder()
		l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		events, err := rec.Query(context.Background(), audit.Filter{})
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, audit.SysStoreError, events[0].Type)
		if failOpen {
			require.Equal(t, http.StatusOK, w.Code)
			require.Equal(t, audit.OutcomeAllowed, events[0].Outcome)
		} else {
			require.Equal(t, http.StatusServiceUnavailable, w.Code)
			require.Contains(t, w.Body.String(), `"code":"rate_limit_unavailable"`)
			require.Equal(t, audit.OutcomeBlocked, events[0].Outcome)
		}
	}
}

// TestRateLimitTimeoutIsBounded talks to a server that accepts connections
// and never answers.
func TestRateLimitTimeoutIsBounded(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	client := redis.NewClient(&redis.Options{
		Addr: ln.Addr().String(), ContextTimeoutEnabled: true, MaxRetries: -1, Protocol: 2, DisableIdentity: true,
	})
	t.Cleanup(func() { _ = client.Close() })
	s, err := NewRateLimitStore(client, RateLimitOptions{})
	require.NoError(t, err)
	l, err := ratelimit.New(ratelimit.Options{Rate: ratelimit.PerSecond(1), Store: s, Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	w := httptest.NewRecorder()
	l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Less(t, time.Since(start), time.Second)
}
