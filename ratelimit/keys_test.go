package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{ name string }

func withValue(r *http.Request, k, v string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxKey{k}, v))
}

func fromCtx(k string) ContextFunc {
	return func(ctx context.Context) (string, bool) {
		v, ok := ctx.Value(ctxKey{k}).(string)
		return v, ok && v != ""
	}
}

func TestByIP(t *testing.T) {
	t.Parallel()
	key := func(remote string) string {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		k, ok := ByIP(r)
		require.True(t, ok)
		return k
	}
	tests := []struct {
		name     string
		a, b     string
		sameKeys bool
	}{
		{"the port does not matter", "192.0.2.1:1", "192.0.2.1:2", true},
		{"two IPv4 addresses differ", "192.0.2.1:1", "192.0.2.2:1", false},
		{"an IPv4-mapped IPv6 address is the IPv4 address", "[::ffff:192.0.2.1]:1", "192.0.2.1:1", true},
		{"IPv6 addresses in one /64 share a key", "[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff::9]:1", true},
		{"IPv6 addresses in different /64s differ", "[2001:db8:1:2::1]:1", "[2001:db8:1:3::1]:1", false},
		{"an IPv4 address never equals an IPv6 key", "0.0.0.0:1", "[::]:1", false},
		{"requests without an address share one bucket", "@", "unix", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.sameKeys, key(tt.a) == key(tt.b))
		})
	}
}

func TestByIPUsesTheResolvedClientAddress(t *testing.T) {
	t.Parallel()
	res, err := clientip.New(clientip.Options{TrustedProxies: clientip.LoopbackRanges()})
	require.NoError(t, err)
	l := mustNew(t, Options{Rate: Every(time.Hour, 1)})
	h := res.Handler(l.Handler(okHandler))
	require.Equal(t, http.StatusOK, get(h, "127.0.0.1:1", "X-Forwarded-For", "198.51.100.7").Code)
	require.Equal(t, http.StatusTooManyRequests, get(h, "127.0.0.1:2", "X-Forwarded-For", "198.51.100.7").Code)
	require.Equal(t, http.StatusOK, get(h, "127.0.0.1:1", "X-Forwarded-For", "198.51.100.8").Code,
		"clients behind one trusted proxy are told apart")
	direct := l.Handler(okHandler)
	require.Equal(t, http.StatusOK, get(direct, "203.0.113.5:1", "X-Forwarded-For", "198.51.100.9").Code)
	require.Equal(t, http.StatusTooManyRequests, get(direct, "203.0.113.5:1", "X-Forwarded-For", "198.51.100.10").Code,
		"a spoofed X-Forwarded-For from an untrusted peer changes nothing")
}

func TestByHeader(t *testing.T) {
	t.Parallel()
	f := ByHeader("x-tenant")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, ok := f(r)
	require.False(t, ok, "no header, no key")
	r.Header.Set("X-Tenant", "")
	_, ok = f(r)
	require.False(t, ok, "an empty header, no key")
	r.Header.Set("X-Tenant", "acme")
	k, ok := f(r)
	require.True(t, ok)
	require.Equal(t, "acme", k)

	long := strings.Repeat("a", 10_000)
	r.Header.Set("X-Tenant", long)
	k, ok = f(r)
	require.True(t, ok)
	require.Len(t, k, len("\x00sha256:")+32, "long values are digested")
	r.Header.Set("X-Tenant", long+"b")
	k2, _ := f(r)
	require.NotEqual(t, k, k2)
}

func TestByRouteUsesTheMuxPattern(t *testing.T) {
	t.Parallel()
	l := mustNew(t, Options{Rate: Every(time.Hour, 1), Key: Composite(ByRoute, ByIP)})
	mux := http.NewServeMux()
	mux.Handle("GET /items/{id}", l.Handler(okHandler))
	mux.Handle("GET /other", l.Handler(okHandler))
	do := func(path string) int {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = "192.0.2.1:1"
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, do("/items/1"))
	require.Equal(t, http.StatusTooManyRequests, do("/items/2"), "one bucket per route, whatever the path value")
	require.Equal(t, http.StatusOK, do("/other"), "another route has its own bucket")
}

func TestByContextAndGlobal(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	f := ByContext(fromCtx("user"))
	_, ok := f(r)
	require.False(t, ok)
	k, ok := f(withValue(r, "user", "alice"))
	require.True(t, ok)
	require.Equal(t, "alice", k)
	k, ok = Global(r)
	require.True(t, ok)
	require.Equal(t, "", k)
}

func TestCompositeKeysAreUnambiguous(t *testing.T) {
	t.Parallel()
	part := func(v string) KeyFunc { return func(*http.Request) (string, bool) { return v, true } }
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	a, ok := Composite(part("ab"), part("c"))(r)
	require.True(t, ok)
	b, _ := Composite(part("a"), part("bc"))(r)
	require.NotEqual(t, a, b)
	_, ok = Composite(part("a"), ByContext(fromCtx("none")))(r)
	require.False(t, ok, "a missing part means no key")
	many := make([]KeyFunc, 12)
	for i := range many {
		many[i] = part("x")
	}
	_, ok = Composite(many...)(r)
	require.True(t, ok)
}

func TestTiers(t *testing.T) {
	t.Parallel()
	tiers, err := Tiers(fromCtx("role"), map[string]Rate{
		"admin": PerHour(1000),
		"staff": PerHour(500),
	})
	require.NoError(t, err)
	l := mustNew(t, Options{Name: "api", Rate: PerHour(100), RateFor: tiers, Key: ByContext(fromCtx("user"))})
	h := l.Handler(okHandler)
	do := func(user, role string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r = withValue(withValue(r, "user", user), "role", role)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	tests := []struct {
		user, role, policy string
	}{
		{"ann", "admin", `"api";q=1000;w=3600`},
		{"sam", "staff", `"api";q=500;w=3600`},
		{"bob", "user", `"api";q=100;w=3600`},
		{"eve", "", `"api";q=100;w=3600`},
	}
	for _, tt := range tests {
		res := do(tt.user, tt.role)
		require.Equal(t, http.StatusOK, res.Code)
		require.Equal(t, tt.policy, res.Header().Get("RateLimit-Policy"), tt.role)
	}
	for range 99 {
		require.Equal(t, http.StatusOK, do("bob", "user").Code)
	}
	require.Equal(t, http.StatusTooManyRequests, do("bob", "user").Code)
	require.Equal(t, http.StatusOK, do("ann", "admin").Code)

	_, err = Tiers(nil, map[string]Rate{"a": PerHour(1)})
	require.Error(t, err)
	_, err = Tiers(fromCtx("role"), nil)
	require.Error(t, err)
	_, err = Tiers(fromCtx("role"), map[string]Rate{"": PerHour(1)})
	require.Error(t, err)
	_, err = Tiers(fromCtx("role"), map[string]Rate{"a": {}})
	require.ErrorContains(t, err, "ratelimit: tier a has a zero rate")
}

func TestHeaderCacheIsBounded(t *testing.T) {
	t.Parallel()
	l := mustNew(t, Options{Rate: PerHour(1)})
	for i := 1; i <= 3*maxHeaderCache; i++ {
		p := l.headersFor(PerHour(i + 1))
		require.Equal(t, `"default";q=`+strconv.Itoa(i+1)+`;w=3600`, p.policy[0])
	}
	require.Len(t, *l.hdrCache.Load(), maxHeaderCache)
}

func TestExemptPrefixes(t *testing.T) {
	t.Parallel()
	exempt := ExemptPrefixes(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::ffff:172.16.0.0/108"), netip.Prefix{})
	tests := []struct {
		remote string
		want   bool
	}{
		{"10.1.2.3:1", true},
		{"[::ffff:10.1.2.3]:1", true},
		{"172.16.0.9:1", true},
		{"192.0.2.1:1", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.remote
		require.Equal(t, tt.want, exempt(r), tt.remote)
	}
}

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
