package password

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// MemoryStoreOptions bounds a MemoryStore.
type MemoryStoreOptions struct {
	// MaxUsers is how many users' counters are kept. Default 50,000.
	MaxUsers int
	// MaxIPs is how many client addresses' counters are kept. Default
	// 50,000.
	MaxIPs int
}

// MemoryStore is the in-memory Store: one process's counters, bounded.
// Entries are dropped once idle past their expiry (lazily, when met) and,
// when a map is full, the least recently updated entry is evicted to make
// room. Eviction forgets a counter: to flush a locked account out an
// attacker must fail against MaxUsers other usernames within a window,
// which the IP counters throttle (MaxUsers / IPFailures distinct
// addresses). It is safe for concurrent use.
type MemoryStore struct {
	mu       sync.Mutex
	users    map[string]*list.Element // of *memUser
	ips      map[string]*list.Element // of *memIP
	userLRU  list.List                // front: most recently updated
	ipLRU    list.List
	maxUsers int
	maxIPs   int
}

type memUser struct {
	key   string
	c     CounterState
	pairs map[string]CounterState
	known map[string]int64 // ip → expiry ms
}

type memIP struct {
	key string
	c   CounterState
}

// NewMemoryStore returns an empty store.
func NewMemoryStore(o MemoryStoreOptions) (*MemoryStore, error) {
	if o.MaxUsers == 0 {
		o.MaxUsers = 50_000
	}
	if o.MaxIPs == 0 {
		o.MaxIPs = 50_000
	}
	if o.MaxUsers < 0 || o.MaxIPs < 0 {
		return nil, errors.New("password: memory store bounds must be positive")
	}
	return &MemoryStore{
		users: make(map[string]*list.Element), ips: make(map[string]*list.Element),
		maxUsers: o.MaxUsers, maxIPs: o.MaxIPs,
	}, nil
}

// Len returns how many users and client addresses have entries.
func (s *MemoryStore) Len() (users, ips int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users), len(s.ips)
}

func (u *memUser) expiry(window time.Duration) int64 {
	e := u.c.Expiry(window)
	for _, p := range u.pairs {
		e = max(e, p.Expiry(window))
	}
	for _, k := range u.known {
		e = max(e, k)
	}
	return e
}

// user returns the live entry of key, or nil.
func (s *MemoryStore) user(key string, now int64, window time.Duration) *memUser {
	el, ok := s.users[key]
	if !ok {
		return nil
	}
	u := el.Value.(*memUser)
	if now >= u.expiry(window) {
		s.userLRU.Remove(el)
		delete(s.users, key)
		return nil
	}
	return u
}

func (s *MemoryStore) ip(key string, now int64, window time.Duration) *memIP {
	el, ok := s.ips[key]
	if !ok {
		return nil
	}
	e := el.Value.(*memIP)
	if now >= e.c.Expiry(window) {
		s.ipLRU.Remove(el)
		delete(s.ips, key)
		return nil
	}
	return e
}

// touchUser returns the entry of key, creating it (evicting the least
// recently updated when full), and marks it most recently updated.
func (s *MemoryStore) touchUser(key string, now int64, window time.Duration) *memUser {
	if u := s.user(key, now, window); u != nil {
		s.userLRU.MoveToFront(s.users[key])
		return u
	}
	if len(s.users) >= s.maxUsers {
		back := s.userLRU.Back()
		s.userLRU.Remove(back)
		delete(s.users, back.Value.(*memUser).key)
	}
	u := &memUser{key: key}
	s.users[key] = s.userLRU.PushFront(u)
	return u
}

func (s *MemoryStore) touchIP(key string, now int64, window time.Duration) *memIP {
	if e := s.ip(key, now, window); e != nil {
		s.ipLRU.MoveToFront(s.ips[key])
		return e
	}
	if len(s.ips) >= s.maxIPs {
		back := s.ipLRU.Back()
		s.ipLRU.Remove(back)
		delete(s.ips, back.Value.(*memIP).key)
	}
	e := &memIP{key: key}
	s.ips[key] = s.ipLRU.PushFront(e)
	return e
}

// Status implements Store.
func (s *MemoryStore) Status(_ context.Context, k Keys, now time.Time, lim Limits) (Status, error) {
	ms := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Status
	if k.User != "" {
		if u := s.user(k.User, ms, lim.Window); u != nil {
			st.User = u.c.Current(ms, lim.Window).Counter(false)
			if k.IP != "" {
				st.Pair = u.pairs[k.IP].Current(ms, lim.Window).Counter(false)
				st.Known = u.known[k.IP] > ms
			}
		}
	}
	if k.IP != "" {
		if e := s.ip(k.IP, ms, lim.Window); e != nil {
			st.IP = e.c.Current(ms, lim.Window).Counter(false)
		}
	}
	return st, nil
}

// Begin implements Store.
func (s *MemoryStore) Begin(_ context.Context, k Keys, now time.Time, lim Limits) (Status, error) {
	ms := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Status
	if k.IP != "" {
		if e := s.ip(k.IP, ms, lim.Window); e != nil {
			st.IP = e.c.Current(ms, lim.Window).Counter(false)
			if st.IP.Locked(now) {
				return st, nil
			}
		}
	}
	if k.User == "" {
		return st, nil
	}
	u := s.touchUser(k.User, ms, lim.Window)
	var just bool
	u.c, just = u.c.fail(ms, lim.UserFailures, &lim)
	st.User = u.c.Counter(just)
	if k.IP != "" {
		st.Known = u.known[k.IP] > ms
		if s.roomForPair(u, k.IP, ms, lim) {
			p, just := u.pairs[k.IP].fail(ms, lim.PairFailures, &lim)
			if u.pairs == nil {
				u.pairs = make(map[string]CounterState)
			}
			u.pairs[k.IP] = p
			st.Pair = p.Counter(just)
		}
	}
	return st, nil
}

// FailIP implements Store.
func (s *MemoryStore) FailIP(_ context.Context, ip string, now time.Time, lim Limits) (Counter, error) {
	if ip == "" {
		return Counter{}, nil
	}
	ms := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.touchIP(ip, ms, lim.Window)
	var just bool
	e.c, just = e.c.fail(ms, lim.IPFailures, &lim)
	return e.c.Counter(just), nil
}

// Release implements Store.
func (s *MemoryStore) Release(_ context.Context, k Keys, now time.Time, lim Limits) error {
	if k.User == "" {
		return nil
	}
	ms := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.user(k.User, ms, lim.Window)
	if u == nil {
		return nil
	}
	u.c = u.c.release(ms, lim.Window)
	if p, ok := u.pairs[k.IP]; ok && k.IP != "" {
		u.pairs[k.IP] = p.release(ms, lim.Window)
	}
	return nil
}

// roomForPair reports whether u may hold a counter for ip, dropping
// forgotten pair counters when it is full.
func (s *MemoryStore) roomForPair(u *memUser, ip string, now int64, lim Limits) bool {
	if _, ok := u.pairs[ip]; ok || len(u.pairs) < lim.MaxPairs {
		return true
	}
	for k, p := range u.pairs {
		if now >= p.Expiry(lim.Window) {
			delete(u.pairs, k)
		}
	}
	return len(u.pairs) < lim.MaxPairs
}

// Succeed implements Store.
func (s *MemoryStore) Succeed(_ context.Context, k Keys, now time.Time, lim Limits) (Status, error) {
	ms := now.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	var st Status
	if k.IP != "" {
		if e := s.ip(k.IP, ms, lim.Window); e != nil {
			st.IP = e.c.Current(ms, lim.Window).Counter(false)
		}
	}
	if k.User == "" {
		return st, nil
	}
	u := s.user(k.User, ms, lim.Window)
	if u != nil {
		st.User = u.c.Current(ms, lim.Window).Counter(false)
		u.c = CounterState{}
		if k.IP != "" {
			st.Pair = u.pairs[k.IP].Current(ms, lim.Window).Counter(false)
			st.Known = u.known[k.IP] > ms
			delete(u.pairs, k.IP)
		}
	}
	if k.IP == "" || lim.KnownFor <= 0 || lim.MaxKnown <= 0 {
		return st, nil
	}
	u = s.touchUser(k.User, ms, lim.Window)
	if u.known == nil {
		u.known = make(map[string]int64)
	}
	if _, ok := u.known[k.IP]; !ok && len(u.known) >= lim.MaxKnown {
		oldestIP, oldest := "", int64(0)
		for ip, exp := range u.known {
			if exp <= ms {
				delete(u.known, ip)
			} else if oldestIP == "" || exp < oldest {
				oldestIP, oldest = ip, exp
			}
		}
		if len(u.known) >= lim.MaxKnown {
			delete(u.known, oldestIP)
		}
	}
	u.known[k.IP] = ms + lim.KnownFor.Milliseconds()
	return st, nil
}

// Reset implements Store.
func (s *MemoryStore) Reset(_ context.Context, user string) error {
	if user == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.users[user]; ok {
		u := el.Value.(*memUser)
		u.c = CounterState{}
		u.pairs = nil
	}
	return nil
}
