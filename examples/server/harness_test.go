package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/redisstore/redistest"
	"github.com/gatehouse-go/gatehouse/sqlstore/sqltest"
	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// backend names the stores a test server runs on.
type backend string

const (
	memoryBackend backend = "memory"
	sharedBackend backend = "redis+postgres"
)

// backends returns the in-memory backend, and Redis with PostgreSQL when
// both GATEHOUSE_REDIS_URL and GATEHOUSE_POSTGRES_URL are set (as in CI).
func backends() []backend {
	if os.Getenv(redistest.EnvVar) != "" && os.Getenv(sqltest.EnvVar) != "" {
		return []backend{memoryBackend, sharedBackend}
	}
	return []backend{memoryBackend}
}

// forEachBackend runs f as a subtest per backend.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

// testServer is a server started in process on a free loopback port.
type testServer struct {
	url       string
	jwtSecret []byte
	users     users.Store // the server's user directory, to make admins
	stdout    *lockedBuffer
	stop      func() // shuts the server down (once) and checks it went cleanly

	env                map[string]string // its secrets
	pgURL, redisPrefix string            // its shared stores
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// relaxed is a configuration whose limits no functional test reaches.
const relaxed = `{
	"cors_origins": ["https://app.example.com"],
	"rate_limits": {"ip": "100000/minute", "register": "100000/minute", "login": "100000/minute",
		"chat_user": "100000/hour", "chat_ip": "100000/hour"}
}`

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startServer runs the server on b with the JSON configuration cfgJSON
// and stops it, checking a clean shutdown, when the test ends.
func startServer(t *testing.T, b backend, cfgJSON string) *testServer {
	t.Helper()
	return startInstance(t, b, cfgJSON, nil)
}

// startInstance is startServer; with peer set, the new server is another
// instance of peer's service: the same secrets, Redis prefix and database.
func startInstance(t *testing.T, b backend, cfgJSON string, peer *testServer) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, []byte(cfgJSON), 0o600))
	s := &testServer{stdout: &lockedBuffer{}, env: map[string]string{
		"GATEHOUSE_JWT_SECRET": randomSecret(), "GATEHOUSE_CSRF_KEY": randomSecret(),
		"GATEHOUSE_APIKEY_PEPPER": randomSecret(), "GATEHOUSE_AUDIT_KEY": randomSecret(),
	}}
	if peer != nil {
		s.env, s.pgURL, s.redisPrefix = peer.env, peer.pgURL, peer.redisPrefix
	}
	s.jwtSecret = []byte(s.env["GATEHOUSE_JWT_SECRET"])
	args := []string{"-addr", "127.0.0.1:0", "-config", path}
	if b == sharedBackend {
		if peer == nil {
			_, s.redisPrefix = redistest.Client(t) // its keys are deleted when the test ends
			s.pgURL = sqltest.URL(t)
		}
		args = append(args, "-redis", redistest.URL(t), "-postgres", s.pgURL)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg, err := loadConfig(args, func(k string) string { return s.env[k] }, io.Discard, logger)
	require.NoError(t, err)
	if s.redisPrefix != "" {
		cfg.RedisPrefix = s.redisPrefix
	}
	switch {
	case b == memoryBackend:
		s.users = users.NewMemory(0)
		cfg.users = s.users
	case peer != nil:
		s.users = peer.users
	default:
		db, err := sql.Open("pgx", s.pgURL)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		s.users, err = users.NewPostgres(context.Background(), db)
		require.NoError(t, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serveConfig(ctx, cfg, logger, s.stdout, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("server did not start within 30s\n%s", logs.String())
	}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err, "shutdown")
			case <-time.After(30 * time.Second):
				t.Error("server did not shut down within 30s")
			}
		})
	}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return s
}

// response is what a test request got back.
type response struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    []byte
}

// problem decodes a problem body, checking its media type.
func (r response) problem(t *testing.T) map[string]any {
	t.Helper()
	require.Equal(t, "application/problem+json", r.header.Get("Content-Type"), "body: %s", r.body)
	var p map[string]any
	require.NoError(t, json.Unmarshal(r.body, &p))
	return p
}

// requireProblem checks the status and the problem code.
func (r response) requireProblem(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	p := r.problem(t)
	require.Equal(t, code, p["code"], "body: %s", r.body)
	require.EqualValues(t, status, p["status"])
	return p
}

// json decodes a JSON body after checking the status.
func (r response) json(t *testing.T, status int, v any) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.NoError(t, json.Unmarshal(r.body, v))
}

var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request. body is sent as is when it is a string or []byte,
// as JSON otherwise (nil: no body); hdr holds header name/value pairs,
// and a name of "Cookie" adds a cookie line.
func (s *testServer) do(t *testing.T, method, path string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		b, err := json.Marshal(v)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Content-Type" {
			req.Header.Set(hdr[i], hdr[i+1])
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, cookies: res.Cookies(), body: b}
}

// strong is a password the policy accepts.
const strong = "correct horse battery staple"

// newName returns a fresh, valid username.
func newName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

type registered struct {
	ID, Username string
}

func (s *testServer) register(t *testing.T, name string) registered {
	t.Helper()
	var u struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Role     string `json:"role"`
	}
	s.do(t, "POST", "/api/auth/register", map[string]string{"username": name, "email": name + "@example.com", "password": strong}).
		json(t, http.StatusCreated, &u)
	require.Equal(t, "user", u.Role)
	return registered{ID: u.ID, Username: u.Username}
}

// session is a logged-in user: the tokens of the body and the cookies.
type session struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	CSRF    string `json:"csrf_token"`
	cookies []*http.Cookie
}

func (s *testServer) login(t *testing.T, name string) session {
	t.Helper()
	r := s.do(t, "POST", "/api/auth/login", map[string]string{"username": name, "password": strong})
	var sess session
	r.json(t, http.StatusOK, &sess)
	sess.cookies = r.cookies
	return sess
}

// user registers and logs in a new user.
func (s *testServer) user(t *testing.T, prefix string) (registered, session) {
	t.Helper()
	u := s.register(t, newName(prefix))
	return u, s.login(t, u.Username)
}

func (ss session) bearer() []string { return []string{"Authorization", "Bearer " + ss.Access} }

// cookieHeader is the Cookie line a browser would send to path.
func (ss session) cookieHeader(path string) string {
	var parts []string
	for _, c := range ss.cookies {
		if c.MaxAge >= 0 && strings.HasPrefix(path, c.Path) {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}
