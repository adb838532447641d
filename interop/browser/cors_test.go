// Package browser_test checks the cors package against a real browser:
// headless Chromium, driven over the DevTools protocol, enforces the CORS
// answers of a Gatehouse-protected API served on another loopback origin.
package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-go/gatehouse/cors"
	"github.com/stretchr/testify/require"
)

// chromium returns the path of a Chromium or Chrome binary, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary found in PATH (install Debian's chromium package, as .ci/run does); skipping the real-browser CORS test")
	return ""
}

// hit is one request the API received, as the server saw it.
type hit struct {
	Method    string
	Origin    string
	Preflight bool
	Cookie    string
	Status    int
}

// recorder logs every request that reaches an API server.
type recorder struct {
	mu   sync.Mutex
	hits []hit
}

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		h := hit{Method: r.Method, Origin: r.Header.Get("Origin"), Preflight: r.Header.Get("Access-Control-Request-Method") != "", Status: sw.status}
		if c, err := r.Cookie("session"); err == nil {
			h.Cookie = c.Value
		}
		rec.mu.Lock()
		rec.hits = append(rec.hits, h)
		rec.mu.Unlock()
	})
}

// from returns the requests that came from origin with one of the methods
// (any method when none is given).
func (rec *recorder) from(origin string, methods ...string) []hit {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []hit
	for _, h := range rec.hits {
		if h.Origin == origin && (len(methods) == 0 || slices.Contains(methods, h.Method)) {
			out = append(out, h)
		}
	}
	return out
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

// api is the protected application: /login sets a session cookie, /data
// reports what it received.
func api() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		fmt.Fprint(w, "logged in")
	})
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		cookie := ""
		if c, err := r.Cookie("session"); err == nil {
			cookie = c.Value
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"cookie": cookie, "custom": r.Header.Get("X-Custom")})
	})
	return mux
}

// page serves an empty HTML page: the origin that scripts run in.
func page() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>page</title><p>page</p>")
	}))
}

// logBuffer keeps chromedp's messages, shown only when the test fails.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) < 200 {
		l.lines = append(l.lines, fmt.Sprintf(format, args...))
	}
}

func TestChromiumEnforcesCORS(t *testing.T) {
	path := chromium(t)

	allowedPage, deniedPage := page(), page()
	defer allowedPage.Close()
	defer deniedPage.Close()

	// Two APIs on further loopback ports: one allows credentials, one not.
	// Cookies ignore ports, so the session cookie reaches both, and all the
	// origins are same-site (127.0.0.1): only CORS decides.
	newAPI := func(credentials bool) (*httptest.Server, *recorder) {
		c, err := cors.New(cors.Options{
			AllowedOrigins:   []string{allowedPage.URL},
			AllowedMethods:   []string{http.MethodGet, http.MethodPut},
			AllowedHeaders:   []string{"X-Custom"},
			AllowCredentials: credentials,
		})
		require.NoError(t, err)
		rec := &recorder{}
		return httptest.NewServer(rec.wrap(c.Handler(api()))), rec
	}
	credAPI, credLog := newAPI(true)
	defer credAPI.Close()
	plainAPI, plainLog := newAPI(false)
	defer plainAPI.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	logs := &logBuffer{}
	browser, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logs.printf), chromedp.WithLogf(logs.printf))
	defer cancelBrowser()
	defer func() {
		if t.Failed() {
			logs.mu.Lock()
			t.Logf("chromedp:\n%s", strings.Join(logs.lines, "\n"))
			logs.mu.Unlock()
		}
	}()

	// Start the browser and log in: the API sets its session cookie. The
	// first Run starts Chromium, bounded by ctx as a whole.
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(credAPI.URL+"/login")), "start Chromium")

	// run loads pageURL and evaluates the script js there, which must
	// settle to a string; each step is bounded on its own too.
	run := func(pageURL, js string) string {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(stepCtx, chromedp.Navigate(pageURL)))
		out, err := chromedp.Run(stepCtx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		return out
	}
	// fetchFrom runs fetch(target) with a custom header, which forces a
	// preflight, and returns "ok:<body>" or "error:<message>".
	fetchFrom := func(pageURL, target, method, credentials string) string {
		t.Helper()
		return run(pageURL, fmt.Sprintf(`fetch(%q, {method: %q, credentials: %q, headers: {"X-Custom": "hello"}})
			.then(r => r.text()).then(body => "ok:" + body, err => "error:" + err.message)`, target, method, credentials))
	}
	allowedOrigin, deniedOrigin := allowedPage.URL, deniedPage.URL

	t.Run("an allowed origin reads a credentialed response after a preflight", func(t *testing.T) {
		out := fetchFrom(allowedPage.URL+"/", credAPI.URL+"/data", http.MethodPut, "include")
		require.True(t, strings.HasPrefix(out, "ok:"), out)
		var body map[string]string
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(out, "ok:")), &body))
		require.Equal(t, map[string]string{"cookie": "s3cr3t", "custom": "hello"}, body)

		hits := credLog.from(allowedOrigin, "OPTIONS", "PUT")
		require.Len(t, hits, 2, "%+v", hits)
		require.Equal(t, hit{Method: "OPTIONS", Origin: allowedOrigin, Preflight: true, Status: http.StatusNoContent}, hits[0], "the preflight carries no cookie")
		require.Equal(t, hit{Method: "PUT", Origin: allowedOrigin, Cookie: "s3cr3t", Status: http.StatusOK}, hits[1])
	})

	t.Run("a disallowed origin fails at the preflight and the request is never sent", func(t *testing.T) {
		out := fetchFrom(deniedPage.URL+"/", credAPI.URL+"/data", http.MethodPut, "include")
		require.True(t, strings.HasPrefix(out, "error:"), out)
		hits := credLog.from(deniedOrigin, "OPTIONS", "PUT")
		require.Equal(t, []hit{{Method: "OPTIONS", Origin: deniedOrigin, Preflight: true, Status: http.StatusForbidden}}, hits)
	})

	t.Run("a disallowed origin cannot read a simple request's response", func(t *testing.T) {
		out := run(deniedPage.URL+"/", fmt.Sprintf(
			`fetch(%q, {credentials: "include"}).then(r => r.text()).then(b => "ok:" + b, e => "error:" + e.message)`, credAPI.URL+"/data"))
		require.True(t, strings.HasPrefix(out, "error:"), out)
		// The server did answer it (CORS guards reads, not requests), with
		// no CORS header for the browser to accept.
		hits := credLog.from(deniedOrigin, "GET")
		require.Len(t, hits, 1, "%+v", hits)
		require.Equal(t, http.StatusOK, hits[0].Status)
	})

	t.Run("without AllowCredentials a credentialed fetch fails before any cookie is sent", func(t *testing.T) {
		out := fetchFrom(allowedPage.URL+"/", plainAPI.URL+"/data", http.MethodPut, "include")
		require.True(t, strings.HasPrefix(out, "error:"), out)
		hits := plainLog.from(allowedOrigin)
		require.Equal(t, []hit{{Method: "OPTIONS", Origin: allowedOrigin, Preflight: true, Status: http.StatusNoContent}}, hits,
			"the preflight succeeds without Access-Control-Allow-Credentials, so the browser never sends the PUT")
	})

	t.Run("without AllowCredentials an uncredentialed fetch succeeds without the cookie", func(t *testing.T) {
		out := fetchFrom(allowedPage.URL+"/", plainAPI.URL+"/data", http.MethodPut, "omit")
		require.True(t, strings.HasPrefix(out, "ok:"), out)
		require.Contains(t, out, `"cookie":""`)
		for _, h := range plainLog.from(allowedOrigin) {
			require.Empty(t, h.Cookie, "%+v", h)
		}
	})
}
