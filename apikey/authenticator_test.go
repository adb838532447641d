package apikey_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/stretchr/testify/require"
)

func typesOf(events []audit.Event, t audit.Type) []audit.Event {
	var out []audit.Event
	for _, e := range events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// requireNoSecret fails when an event mentions the key or its secret part.
func requireNoSecret(t *testing.T, events []audit.Event, secret string) {
	t.Helper()
	b, err := json.Marshal(events)
	require.NoError(t, err)
	require.NotContains(t, string(b), secret)
	parts := strings.Split(secret, "_")
	require.NotContains(t, string(b), parts[len(parts)-2], "not even the random part")
}

func TestEveryRejectionIsTheSame401(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	now := time.Now()
	valid, _ := e.create(t, apikey.CreateRequest{})
	revoked, rk := e.create(t, apikey.CreateRequest{})
	require.NoError(t, e.mgr.Revoke(context.Background(), "alice", rk.ID))
	expiring, ek := e.create(t, apikey.CreateRequest{Expires: now.Add(time.Hour)})
	unknown, _ := apikey.Generate("gk_live")
	otherKind, _ := apikey.Generate("gk_other")
	e.auth.SetNow(func() time.Time { return now.Add(30 * time.Minute) })
	// The "expired" case moves the clock past the expiry of the key.
	expiredAuth := newEnv(t, e.store, apikey.Options{})
	expiredAuth.auth.SetNow(func() time.Time { return now.Add(2 * time.Hour) })

	bearer := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", v) }
	}
	header := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Add("X-API-Key", v) }
	}
	for _, tc := range []struct {
		name   string
		auth   *env
		set    []func(*http.Request)
		url    string
		reason string
		keyID  string
	}{
		{name: "a request without a key is refused", set: nil, reason: "missing"},
		{name: "a key in the URL query is never read", url: "/v1/things?api_key=" + valid, reason: "missing"},
		{name: "an empty X-API-Key header counts as no key", set: []func(*http.Request){header("")}, reason: "missing"},
		{name: "an Authorization header with another scheme is not a key", set: []func(*http.Request){bearer("Basic YWxpY2U6c2VjcmV0")}, reason: "missing"},
		{name: "a key with a bad checksum is malformed", set: []func(*http.Request){header(typo(valid))}, reason: "malformed"},
		{name: "a truncated key is malformed", set: []func(*http.Request){header(valid[:20])}, reason: "malformed"},
		{name: "a JWT in the bearer header is malformed", set: []func(*http.Request){bearer("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")}, reason: "malformed"},
		{name: "a well-formed key of a kind not accepted is malformed", set: []func(*http.Request){header(otherKind)}, reason: "malformed"},
		{name: "a well-formed key that was never issued is unknown", set: []func(*http.Request){header(unknown)}, reason: "unknown"},
		{name: "a revoked key is refused", set: []func(*http.Request){header(revoked)}, reason: "revoked", keyID: rk.ID},
		{name: "an expired key is refused", auth: expiredAuth, set: []func(*http.Request){header(expiring)}, reason: "expired", keyID: ek.ID},
		{name: "two different keys in two sources are refused", set: []func(*http.Request){header(valid), bearer("Bearer " + unknown)}, reason: "conflicting_keys"},
		{name: "two X-API-Key headers are refused even if one is valid", set: []func(*http.Request){header(valid), header(unknown)}, reason: "conflicting_keys"},
		{name: "two X-API-Key headers with the same key are refused", set: []func(*http.Request){header(valid), header(valid)}, reason: "conflicting_keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e
			if tc.auth != nil {
				a = tc.auth
			}
			a.rec.Reset()
			url := tc.url
			if url == "" {
				url = "/v1/things"
			}
			r := httptest.NewRequest(http.MethodGet, url, nil)
			for _, f := range tc.set {
				f(r)
			}
			w := serve(a.auth.Handler(okHandler), r)
			require.Equal(t, http.StatusUnauthorized, w.Code)
			require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			require.JSONEq(t, `{"type":"about:blank","title":"Unauthorized","status":401,"code":"invalid_api_key","detail":"A valid API key is required."}`, w.Body.String(),
				"the body never says why")
			ch := w.Header().Values("WWW-Authenticate")
			if tc.reason == "missing" {
				require.Equal(t, []string{`Bearer realm="api"`, `APIKey realm="api", header="X-API-Key"`}, ch)
			} else {
				require.Equal(t, []string{`Bearer realm="api", error="invalid_token"`, `APIKey realm="api", header="X-API-Key"`}, ch)
			}
			events := typesOf(a.rec.Events(), audit.AuthnAPIKeyRejected)
			require.Len(t, events, 1)
			ev := events[0]
			require.Equal(t, tc.reason, ev.Details["reason"])
			require.Equal(t, audit.OutcomeBlocked, ev.Outcome)
			require.Equal(t, "apikey", ev.Source)
			require.Equal(t, tc.keyID, ev.Details["key_id"])
			if tc.keyID != "" {
				require.Equal(t, "apikey:"+tc.keyID, ev.Actor)
			}
			for _, s := range []string{valid, revoked, expiring, unknown, otherKind} {
				requireNoSecret(t, a.rec.Events(), s)
			}
		})
	}
}

func TestValidKeysAreAcceptedFromEitherSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, k := e.create(t, apikey.CreateRequest{Scopes: []string{"read"}})
	h := e.auth.Handler(okHandler)
	for _, tc := range []struct {
		name string
		set  func(r *http.Request)
	}{
		{"X-API-Key", func(r *http.Request) { r.Header.Set("X-API-Key", secret) }},
		{"Authorization: Bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret) }},
		{"a lowercase bearer scheme", func(r *http.Request) { r.Header.Set("Authorization", "bearer "+secret) }},
		{"the same key in both sources", func(r *http.Request) {
			r.Header.Set("X-API-Key", secret)
			r.Header.Set("Authorization", "Bearer "+secret)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			tc.set(r)
			w := serve(h, r)
			require.Equal(t, http.StatusOK, w.Code)
			require.Equal(t, k.ID, w.Body.String())
		})
	}
	used := typesOf(e.rec.Events(), audit.AuthnAPIKeyUsed)
	require.Len(t, used, 4)
	require.Equal(t, "apikey:"+k.ID, used[0].Actor)
	require.Equal(t, map[string]string{"key_id": k.ID, "prefix": "gk_live"}, used[0].Details)
	requireNoSecret(t, e.rec.Events(), secret)
}

func TestFromContextReturnsTheKeysMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, created := e.create(t, apikey.CreateRequest{Name: "ci", Scopes: []string{"a", "b"}, Rate: "10/s burst 20"})
	var got apikey.Key
	h := e.auth.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got, _ = apikey.FromContext(r.Context())
	}))
	serve(h, withKey(secret))
	require.Equal(t, created.ID, got.ID)
	require.Equal(t, "alice", got.Owner)
	require.Equal(t, []string{"a", "b"}, got.Scopes)
	require.Equal(t, "10/s burst 20", got.Rate)
	_, ok := apikey.FromContext(context.Background())
	require.False(t, ok)
}

func TestRevocationTakesEffectOnTheNextRequest(t *testing.T) {
	t.Parallel()
	for _, cached := range []bool{false, true} {
		name := "without cache"
		if cached {
			name = "with a cache"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var store apikey.Store = apikey.NewMemoryStore(apikey.MemoryOptions{})
			if cached {
				c, err := apikey.NewCache(store, apikey.CacheOptions{TTL: time.Hour, NegativeTTL: time.Hour})
				require.NoError(t, err)
				store = c
			}
			e := newEnv(t, store, apikey.Options{})
			secret, k := e.create(t, apikey.CreateRequest{})
			h := e.auth.Handler(okHandler)
			require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
			require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
			require.NoError(t, e.mgr.Revoke(context.Background(), "alice", k.ID))
			require.Equal(t, http.StatusUnauthorized, serve(h, withKey(secret)).Code)
		})
	}
}

func TestExpiryIsEnforcedAtTheExactInstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	secret, _ := e.create(t, apikey.CreateRequest{Expires: exp})
	h := e.auth.Handler(okHandler)
	e.auth.SetNow(func() time.Time { return exp.Add(-time.Microsecond) })
	require.Equal(t, http.StatusOK, serve(h, withKey(secret)).Code)
	e.auth.SetNow(func() time.Time { return exp })
	require.Equal(t, http.StatusUnauthorized, serve(h, withKey(secret)).Code)
}

func TestAllowedNetworks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	nets, err := apikey.ParseNetworks("203.0.113.0/24", "2001:db8:1::/48", "::ffff:198.51.100.0/120", "fe80::/10")
	require.NoError(t, err)
	secret, k := e.create(t, apikey.CreateRequest{AllowedNetworks: nets})
	require.Equal(t, "198.51.100.0/24", k.AllowedNetworks[2].String(), "mapped networks are kept as IPv4")
	open, _ := e.create(t, apikey.CreateRequest{})
	proxies, err := clientip.New(clientip.Options{TrustedProxies: clientip.LoopbackRanges()})
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		remote string
		xff    string
		key    string
		want   int
	}{
		{"an IPv4 client inside the network is allowed", "203.0.113.9:4711", "", secret, 200},
		{"an IPv4 client outside is refused", "203.0.114.9:4711", "", secret, 403},
		{"an IPv6 client inside the network is allowed", "[2001:db8:1:ff::1]:443", "", secret, 200},
		{"an IPv6 client outside is refused", "[2001:db8:2::1]:443", "", secret, 403},
		{"an IPv4-mapped client counts as IPv4", "[::ffff:203.0.113.9]:4711", "", secret, 200},
		{"an IPv4 client matches a network given in mapped form", "198.51.100.77:1", "", secret, 200},
		{"a mapped client matches a network given in mapped form", "[::ffff:198.51.100.77]:1", "", secret, 200},
		{"a zoned link-local client matches without its zone", "[fe80::1%eth0]:1", "", secret, 200},
		{"an address that is not an IP is refused", "@unix-socket", "", secret, 403},
		{"the client behind a trusted proxy is checked, not the proxy", "127.0.0.1:9", "203.0.113.9", secret, 200},
		{"a spoofed X-Forwarded-For from an untrusted peer is ignored", "192.0.2.1:9", "203.0.113.9", secret, 403},
		{"a key without networks is allowed from anywhere", "192.0.2.1:9", "", open, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			r := withKey(tc.key)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			w := serve(proxies.Handler(e.auth.Handler(okHandler)), r)
			require.Equal(t, tc.want, w.Code)
			if tc.want == 403 {
				require.Contains(t, w.Body.String(), `"code":"ip_not_allowed"`)
				require.Empty(t, w.Header().Get("WWW-Authenticate"))
				ev := typesOf(e.rec.Events(), audit.AuthnAPIKeyRejected)
				require.Len(t, ev, 1)
				require.Equal(t, "ip_not_allowed", ev[0].Details["reason"])
				require.Equal(t, k.ID, ev[0].Details["key_id"])
			}
		})
	}
}

// lyingStore returns a stored key whatever hash it is asked for, as a
// broken index or a prefix-matching store might.
type lyingStore struct {
	apikey.Store
	key *apikey.Key
}

func (s lyingStore) ByHash(context.Context, apikey.Hash) (*apikey.Key, error) { return s.key, nil }

func TestAStoredKeyWhoseHashDiffersIsRefused(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	e := newEnv(t, mem, apikey.Options{})
	_, k := e.create(t, apikey.CreateRequest{})
	stored, err := mem.ByID(context.Background(), k.ID)
	require.NoError(t, err)
	liar := newEnv(t, lyingStore{Store: mem, key: stored}, apikey.Options{})
	other, _ := apikey.Generate("gk_live")
	w := serve(liar.auth.Handler(okHandler), withKey(other))
	require.Equal(t, http.StatusUnauthorized, w.Code, "the hash returned by the store is compared, not trusted")
	require.Equal(t, "unknown", typesOf(liar.rec.Events(), audit.AuthnAPIKeyRejected)[0].Details["reason"])
}

type failingStore struct{ apikey.Store }

func (failingStore) ByHash(context.Context, apikey.Hash) (*apikey.Key, error) {
	return nil, errors.New("dial tcp 10.0.0.5:5432: connection refused")
}

func TestAStoreFailureFailsClosedWith503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, failingStore{apikey.NewMemoryStore(apikey.MemoryOptions{})}, apikey.Options{})
	key, _ := apikey.Generate("gk_live")
	w := serve(e.auth.Handler(okHandler), withKey(key))
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Contains(t, w.Body.String(), `"code":"api_key_store_unavailable"`)
	require.NotContains(t, w.Body.String(), "10.0.0.5", "the store's error is not shown")
	ev := typesOf(e.rec.Events(), audit.SysStoreError)
	require.Len(t, ev, 1)
	require.Equal(t, audit.SeverityCritical, ev[0].Severity)
	require.Equal(t, "store_error", ev[0].Details["reason"])

	_, err := e.auth.Authenticate(withKey(key))
	require.ErrorIs(t, err, apikey.ErrUnavailable)
	require.ErrorContains(t, err, "connection refused")

	// A malformed key is refused before the store is asked.
	w = serve(e.auth.Handler(okHandler), withKey(typo(key)))
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestSourcesConfiguration(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	for _, tc := range []struct {
		name    string
		sources []apikey.Source
		err     string
	}{
		{"a query source is refused", []apikey.Source{"query:api_key"}, "URL or form"},
		{"a query source is refused whatever its case", []apikey.Source{"Query:key"}, "URL or form"},
		{"a form source is refused", []apikey.Source{"form:key"}, "URL or form"},
		{"a cookie source is refused", []apikey.Source{apikey.HeaderSource("Cookie")}, "cookies"},
		{"the Authorization header as a plain header is refused", []apikey.Source{apikey.HeaderSource("authorization")}, "SourceBearer"},
		{"an invalid header name is refused", []apikey.Source{apikey.HeaderSource("X Key")}, "invalid header name"},
		{"an unknown kind is refused", []apikey.Source{"env:KEY"}, "unknown source"},
		{"bearer with an argument is refused", []apikey.Source{"bearer:x"}, "no argument"},
		{"a custom header is fine", []apikey.Source{apikey.HeaderSource("X-Acme-Token")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := apikey.New(apikey.Options{Store: mem, Sources: tc.sources, Usage: apikey.UsageOptions{Disabled: true}})
			if tc.err == "" {
				require.NoError(t, err)
				require.NotNil(t, a)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.True(t, strings.HasPrefix(err.Error(), "apikey: "))
		})
	}
}

func TestOnlyConfiguredSourcesAreRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{Sources: []apikey.Source{apikey.SourceBearer}})
	secret, _ := e.create(t, apikey.CreateRequest{})
	h := e.auth.Handler(okHandler)
	w := serve(h, withKey(secret))
	require.Equal(t, http.StatusUnauthorized, w.Code, "X-API-Key is not configured")
	require.Equal(t, []string{`Bearer realm="api"`}, w.Header().Values("WWW-Authenticate"))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	r.Header.Set("X-API-Key", "ignored, not a configured source")
	require.Equal(t, http.StatusOK, serve(h, r).Code)

	custom := newEnv(t, e.store, apikey.Options{Sources: []apikey.Source{apikey.HeaderSource("x-acme-key")}, Realm: "acme"})
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Acme-Key", secret)
	require.Equal(t, http.StatusOK, serve(custom.auth.Handler(okHandler), r).Code)
	w = serve(custom.auth.Handler(okHandler), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, []string{`APIKey realm="acme", header="x-acme-key"`}, w.Header().Values("WWW-Authenticate"))
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	mem := apikey.NewMemoryStore(apikey.MemoryOptions{})
	for _, tc := range []struct {
		name string
		opts apikey.Options
	}{
		{"a missing store is an error", apikey.Options{}},
		{"a short pepper is an error", apikey.Options{Store: mem, Pepper: []byte("short")}},
		{"an invalid prefix is an error", apikey.Options{Store: mem, Prefixes: []string{"Live"}}},
		{"a realm with a quote is an error", apikey.Options{Store: mem, Realm: `a"b`}},
		{"a realm with a newline is an error", apikey.Options{Store: mem, Realm: "a\nb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apikey.New(tc.opts)
			require.Error(t, err)
		})
	}
}

func TestTheErrorHandlerReceivesTheReason(t *testing.T) {
	t.Parallel()
	var got error
	e := newEnv(t, nil, apikey.Options{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	w := serve(e.auth.Handler(okHandler), withKey("nope"))
	require.Equal(t, http.StatusTeapot, w.Code)
	require.ErrorIs(t, got, apikey.ErrMalformed)
	require.ErrorIs(t, got, apikey.ErrUnauthorized)
	require.Equal(t, "malformed", apikey.Reason(got))
}

func TestAuthenticateWithoutMiddleware(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, apikey.Options{})
	secret, k := e.create(t, apikey.CreateRequest{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	r := withKey(secret)
	r.RemoteAddr = "10.1.2.3:1"
	got, err := e.auth.Authenticate(r)
	require.NoError(t, err)
	require.Equal(t, k.ID, got.ID)
	r.RemoteAddr = "11.1.2.3:1"
	_, err = e.auth.Authenticate(r)
	require.ErrorIs(t, err, apikey.ErrIPNotAllowed)
	require.ErrorIs(t, err, apikey.ErrForbidden)
	require.Empty(t, typesOf(e.rec.Events(), audit.AuthnAPIKeyRejected), "Authenticate records no event")
	require.Empty(t, typesOf(e.rec.Events(), audit.AuthnAPIKeyUsed))
}

func TestReasons(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]string{
		apikey.ErrMissing:           "missing",
		apikey.ErrMalformed:         "malformed",
		apikey.ErrUnknown:           "unknown",
		apikey.ErrRevoked:           "revoked",
		apikey.ErrExpired:           "expired",
		apikey.ErrConflict:          "conflicting_keys",
		apikey.ErrIPNotAllowed:      "ip_not_allowed",
		apikey.ErrInsufficientScope: "insufficient_scope",
		apikey.ErrUnavailable:       "store_error",
		errors.New("other"):         "",
	} {
		require.Equal(t, want, apikey.Reason(err))
		require.Equal(t, want, apikey.Reason(errors.Join(errors.New("wrapped"), err)))
	}
}
