package apikey_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

// usageStore wraps a store to observe, block or fail RecordUsage.
type usageStore struct {
	apikey.Store
	calls   atomic.Int64
	entered chan struct{} // receives once per call, when not nil
	release chan struct{} // each call waits for it, when not nil
	failN   atomic.Int64  // fail this many calls
	mu      sync.Mutex
	batches [][]apikey.Usage
}

func (s *usageStore) RecordUsage(ctx context.Context, u []apikey.Usage) error {
	s.calls.Add(1)
	if s.entered != nil {
		select {
		case s.entered <- struct{}{}:
		default:
		}
	}
	if s.release != nil {
		<-s.release
	}
	if s.failN.Add(-1) >= 0 {
		return errors.New("database is down")
	}
	s.mu.Lock()
	s.batches = append(s.batches, append([]apikey.Usage(nil), u...))
	s.mu.Unlock()
	return s.Store.RecordUsage(ctx, u)
}

func usageOf(t *testing.T, s apikey.Store, id string) int64 {
	t.Helper()
	k, err := s.ByID(context.Background(), id)
	require.NoError(t, err)
	return k.UsageCount
}

func TestUsageIsCountedInBatchesUnderConcurrency(t *testing.T) {
	t.Parallel()
	store := &usageStore{Store: apikey.NewMemoryStore(apikey.MemoryOptions{})}
	store.failN.Store(-1 << 40)
	e := newEnv(t, store, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: 2 * time.Millisecond}, OmitUsedEvents: true})
	var secrets []string
	var ids []string
	for range 3 {
		s, k := e.create(t, apikey.CreateRequest{})
		secrets, ids = append(secrets, s), append(ids, k.ID)
	}
	h := e.auth.Handler(okHandler)
	const workers, each = 8, 300
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				resp := serve(h, withKey(secrets[(w+i)%3]))
				if resp.Code != http.StatusOK {
					t.Errorf("status %d", resp.Code)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, e.auth.Close(context.Background()))

	var total int64
	for _, id := range ids {
		total += usageOf(t, e.store, id)
	}
	require.EqualValues(t, workers*each, total, "no use lost or counted twice")
	require.Less(t, store.calls.Load(), int64(workers*each), "writes are batched, not one per request")
	store.mu.Lock()
	defer store.mu.Unlock()
	for _, b := range store.batches {
		seen := map[string]bool{}
		for _, u := range b {
			require.False(t, seen[u.ID], "a batch aggregates each key once")
			seen[u.ID] = true
		}
	}
	require.Zero(t, e.auth.UsageDropped())
}

func TestRequestsNeverWaitForAUsageWrite(t *testing.T) {
	t.Parallel()
	store := &usageStore{Store: apikey.NewMemoryStore(apikey.MemoryOptions{}), entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnv(t, store, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: time.Millisecond}})
	secret, k := e.create(t, apikey.CreateRequest{})
	h := e.auth.Handler(okHandler)
	require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
	<-store.entered // a flush is now stuck in the store
	done := make(chan struct{})
	go func() {
		for range 100 {
			serve(h, withKey(secret))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("requests waited for the blocked usage write")
	}
	close(store.release)
	require.NoError(t, e.auth.Close(context.Background()))
	require.EqualValues(t, 101, usageOf(t, e.store, k.ID))
}

func TestCloseFlushesPendingUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: time.Hour}})
	secret, k := e.create(t, apikey.CreateRequest{})
	h := e.auth.Handler(okHandler)
	start := time.Now()
	for range 5 {
		require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
	}
	require.Zero(t, usageOf(t, e.store, k.ID), "nothing written before the interval")
	require.NoError(t, e.auth.Close(context.Background()))
	got, err := e.store.ByID(context.Background(), k.ID)
	require.NoError(t, err)
	require.EqualValues(t, 5, got.UsageCount)
	require.False(t, got.LastUsed.Before(start))

	// After Close, requests still authenticate, but are not counted.
	require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
	require.EqualValues(t, 1, e.auth.UsageDropped())
	require.NoError(t, e.auth.Close(context.Background()), "Close twice is fine")
}

func TestUsageIsFlushedAtTheInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: 5 * time.Millisecond}})
	secret, k := e.create(t, apikey.CreateRequest{})
	require.Equal(t, http.StatusOK, serve(e.auth.Handler(okHandler), withKey(secret)).Code)
	require.Eventually(t, func() bool { return usageOf(t, e.store, k.ID) == 1 }, 5*time.Second, time.Millisecond)
}

func TestPendingUsageIsBounded(t *testing.T) {
	t.Parallel()
	store := &usageStore{Store: apikey.NewMemoryStore(apikey.MemoryOptions{}), entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnv(t, store, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: time.Hour, MaxPending: 2}})
	var secrets, ids []string
	for range 5 {
		s, k := e.create(t, apikey.CreateRequest{})
		secrets, ids = append(secrets, s), append(ids, k.ID)
	}
	h := e.auth.Handler(okHandler)
	serve(h, withKey(secrets[0]))
	serve(h, withKey(secrets[1])) // full: a flush starts at once
	<-store.entered               // and is held in the store
	serve(h, withKey(secrets[2]))
	serve(h, withKey(secrets[3])) // full again
	serve(h, withKey(secrets[4])) // no room: dropped and counted
	serve(h, withKey(secrets[2])) // known keys still count
	require.EqualValues(t, 1, e.auth.UsageDropped())
	close(store.release)
	require.NoError(t, e.auth.Close(context.Background()))
	for i, want := range []int64{1, 1, 2, 1, 0} {
		require.Equal(t, want, usageOf(t, e.store, ids[i]), "key %d", i)
	}
}

func TestFailedUsageWritesAreRetried(t *testing.T) {
	t.Parallel()
	store := &usageStore{Store: apikey.NewMemoryStore(apikey.MemoryOptions{})}
	store.failN.Store(1)
	e := newEnv(t, store, apikey.Options{Usage: apikey.UsageOptions{FlushInterval: time.Hour}})
	secret, k := e.create(t, apikey.CreateRequest{})
	h := e.auth.Handler(okHandler)
	for range 3 {
		serve(h, withKey(secret))
	}
	require.ErrorContains(t, e.auth.Flush(context.Background()), "database is down")
	require.Zero(t, usageOf(t, e.store, k.ID))
	serve(h, withKey(secret))
	require.NoError(t, e.auth.Flush(context.Background()))
	require.EqualValues(t, 4, usageOf(t, e.store, k.ID), "the failed batch was kept for the next flush")
	require.NotEmpty(t, typesOf(e.rec.Events(), "sys_store_error"))
}

func TestUsageAccountingCanBeDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{Usage: apikey.UsageOptions{Disabled: true}})
	secret, k := e.create(t, apikey.CreateRequest{})
	require.Equal(t, http.StatusOK, serve(e.auth.Handler(okHandler), withKey(secret)).Code)
	require.NoError(t, e.auth.Flush(context.Background()))
	require.NoError(t, e.auth.Close(context.Background()))
	require.Zero(t, usageOf(t, e.store, k.ID))
}

func TestNegativeUsageOptionsAreRejected(t *testing.T) {
	t.Parallel()
	_, err := apikey.New(apikey.Options{Store: apikey.NewMemoryStore(apikey.MemoryOptions{}), Usage: apikey.UsageOptions{FlushInterval: -1}})
	require.Error(t, err)
}
