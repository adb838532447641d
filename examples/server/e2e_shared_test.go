package main

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/sqlstore/sqltest"
	"github.com/stretchr/testify/require"
)

// TestInstancesShareState runs two instances on one Redis and one
// PostgreSQL: what one learns, the other knows, and what one counted in
// memory reaches the database when it shuts down.
func TestInstancesShareState(t *testing.T) {
	t.Parallel()
	if os.Getenv(redistest.EnvVar) == "" || os.Getenv(sqltest.EnvVar) == "" {
		t.Skip("needs " + redistest.EnvVar + " and " + sqltest.EnvVar)
	}
	a := startServer(t, sharedBackend, relaxed)
	b := startInstance(t, sharedBackend, relaxed, a)

	u, onA := a.user(t, "xena")
	onB := b.login(t, u.Username) // registered on A, logs in on B
	require.Equal(t, http.StatusOK, b.do(t, "GET", "/api/auth/profile", nil, onA.bearer()...).status, "A's token works on B")

	// a refresh token used on A and replayed on B revokes the family everywhere
	var next session
	a.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": onB.Refresh}).json(t, http.StatusOK, &next)
	b.do(t, "POST", "/api/auth/refresh", map[string]string{"refresh_token": onB.Refresh}).requireProblem(t, http.StatusUnauthorized, "refresh_token_reused")
	a.do(t, "GET", "/api/auth/profile", nil, next.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")

	// a logout on A is seen by B
	require.Equal(t, http.StatusNoContent, a.do(t, "POST", "/api/auth/logout", nil, onA.bearer()...).status)
	b.do(t, "GET", "/api/auth/profile", nil, onA.bearer()...).requireProblem(t, http.StatusUnauthorized, "invalid_token")

	// a key made on B works on A, and its use on A is counted in the database
	// once A shuts down
	fresh := b.login(t, u.Username)
	k := b.createKey(t, fresh, `{"name":"shared","scopes":["chat"]}`)
	for range 3 {
		require.Equal(t, http.StatusOK, a.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key).status)
	}
	a.stop()
	r := b.do(t, "GET", "/api/keys", nil, fresh.bearer()...)
	var list struct {
		Keys []struct {
			UsageCount int64      `json:"usage_count"`
			LastUsed   *time.Time `json:"last_used"`
		} `json:"keys"`
	}
	r.json(t, http.StatusOK, &list)
	require.Len(t, list.Keys, 1)
	require.EqualValues(t, 3, list.Keys[0].UsageCount, "A flushed its usage counts at shutdown")
	require.NotNil(t, list.Keys[0].LastUsed)

	// B revokes the key; the shared cache bound is 10 s, B itself refuses at once
	require.Equal(t, http.StatusNoContent, b.do(t, "DELETE", "/api/keys/"+k.ID, nil, fresh.bearer()...).status)
	b.do(t, "POST", "/api/agent/chat", chatBody, "X-API-Key", k.Key).requireProblem(t, http.StatusUnauthorized, "invalid_api_key")

	// A's security events, written to PostgreSQL, are in B's admin view
	require.NoError(t, b.users.SetRole(t.Context(), u.ID, "admin"))
	admin := b.login(t, u.Username)
	require.Eventually(t, func() bool { // the log is written in batches, within a second
		body := string(b.do(t, "GET", "/api/admin/security-events?limit=1000", nil, admin.bearer()...).body)
		return strings.Contains(body, `"authn_token_reuse"`) && // detected on B
			strings.Count(body, `"sys_startup"`) == 2 && strings.Count(body, `"sys_shutdown"`) == 1 // A's start and stop, B's start
	}, 10*time.Second, 100*time.Millisecond)
}
