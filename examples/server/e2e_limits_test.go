package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// limited trusts the test client as a proxy, so that each scenario can
// come from addresses of its own (X-Forwarded-For), and sets small limits.
const limited = `{
	"trusted_proxies": ["127.0.0.1/32"],
	"rate_limits": {"ip": "30/minute", "login": "5/minute", "register": "1000/minute",
		"chat_user": "3/hour", "chat_ip": "5/hour"}
}`

func from(ip string, hdr ...string) []string { return append([]string{"X-Forwarded-For", ip}, hdr...) }

func requireRateLimited(t *testing.T, r response, policy string) {
	t.Helper()
	r.requireProblem(t, http.StatusTooManyRequests, "rate_limited")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After in whole seconds")
	require.Positive(t, secs)
	if policy == "ip" { // the per-IP safety net announces nothing but its 429
		require.Empty(t, r.header.Get("RateLimit-Policy"))
		return
	}
	require.Contains(t, r.header.Get("RateLimit-Policy"), `"`+policy+`"`)
}

// TestRateLimits drives each limit to its 429.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, limited)

		t.Run("login allows 5 attempts a minute per client address", func(t *testing.T) {
			t.Parallel()
			u := s.register(t, newName("rita"))
			body := map[string]string{"username": u.Username, "password": "wrong password, try again"}
			for range 5 {
				s.do(t, "POST", "/api/auth/login", body, from("198.51.100.1")...).requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
			}
			requireRateLimited(t, s.do(t, "POST", "/api/auth/login", body, from("198.51.100.1")...), "login")
			// even with the right password, until the window passes
			requireRateLimited(t, s.do(t, "POST", "/api/auth/login", map[string]string{"username": u.Username, "password": strong}, from("198.51.100.1")...), "login")
			s.do(t, "POST", "/api/auth/login", body, from("198.51.100.2")...).requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
		})

		t.Run("chat allows 3 requests an hour per user, API keys included", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "sam")
			k := s.createKey(t, sess, `{"name":"k","scopes":["chat"]}`)
			for range 3 {
				require.Equal(t, http.StatusOK, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.10", sess.bearer()...)...).status)
			}
			requireRateLimited(t, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.10", sess.bearer()...)...), "chat")
			requireRateLimited(t, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.11", "X-API-Key", k.Key)...), "chat")
			// another user is not affected
			_, other := s.user(t, "tom")
			require.Equal(t, http.StatusOK, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.12", other.bearer()...)...).status)
		})

		t.Run("chat allows 5 requests an hour per client address", func(t *testing.T) {
			t.Parallel()
			_, a := s.user(t, "uma")
			_, b := s.user(t, "vic")
			for i := range 5 {
				sess := a
				if i >= 3 {
					sess = b
				}
				require.Equal(t, http.StatusOK, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.20", sess.bearer()...)...).status)
			}
			requireRateLimited(t, s.do(t, "POST", "/api/agent/chat", chatBody, from("198.51.100.20", b.bearer()...)...), "chat-ip")
		})

		t.Run("every route allows 30 requests a minute per client address", func(t *testing.T) {
			t.Parallel()
			for range 30 {
				require.Equal(t, http.StatusOK, s.do(t, "GET", "/healthz", nil, from("2001:db8:1:2::1")...).status)
			}
			// an IPv6 client is one /64: another address in it shares the limit
			requireRateLimited(t, s.do(t, "GET", "/healthz", nil, from("2001:db8:1:2:ffff::9")...), "ip")
			requireRateLimited(t, s.do(t, "GET", "/no/such/path", nil, from("2001:db8:1:2::1")...), "ip")
			require.Equal(t, http.StatusOK, s.do(t, "GET", "/healthz", nil, from("2001:db8:1:3::1")...).status)
			// an address prepended to X-Forwarded-For changes nothing: the
			// rightmost entry not from a trusted proxy is the client
			requireRateLimited(t, s.do(t, "GET", "/healthz", nil, "X-Forwarded-For", "203.0.113.99, 2001:db8:1:2::1"), "ip")
		})
	})
}

// TestLoginLockout checks the attempt tracker behind the login limit.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, `{"trusted_proxies": ["127.0.0.1/32"], "rate_limits": {"login": "1000/minute", "register": "1000/minute"}}`)
		login := func(name, pw, ip string) response {
			return s.do(t, "POST", "/api/auth/login", map[string]string{"username": name, "password": pw}, from(ip)...)
		}

		t.Run("an account locked by failures answers as a wrong password", func(t *testing.T) {
			t.Parallel()
			u := s.register(t, newName("wendy"))
			for i := range 5 {
				login(u.Username, "guess number "+strconv.Itoa(i), fmt.Sprintf("198.51.100.%d", 100+i)).requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
			}
			locked := login(u.Username, strong, "198.51.100.200")
			locked.requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
			require.Empty(t, locked.header.Get("Retry-After"), "an account lock is not revealed")
		})

		t.Run("a client spraying passwords is throttled with 429 and Retry-After", func(t *testing.T) {
			t.Parallel()
			ip := "192.0.2.77"
			for range 20 {
				login(newName("spray"), "Winter2024!", ip).requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
			}
			r := login(newName("spray"), "Winter2024!", ip)
			r.requireProblem(t, http.StatusTooManyRequests, "too_many_attempts")
			secs, err := strconv.Atoi(r.header.Get("Retry-After"))
			require.NoError(t, err)
			require.Greater(t, secs, 60)
			login(newName("spray"), "Winter2024!", "192.0.2.78").requireProblem(t, http.StatusUnauthorized, "invalid_credentials")
		})
	})
}
