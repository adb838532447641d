package scan_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

// everything has every weakness that does not hide another one (a path
// served without credentials would hide the token checks, an HTML target
// the HTML-error check).
var everything = fixture{
	noNosniff: true, noFraming: true, leakyReferrer: true, legacyXSS: true, versionHeaders: true, hsts: "max-age=3600",
	reflectOrigin: true, credentials: true, noVary: true, preflightAnyMethod: true, preflightAnyHeader: true,
	cookieNoHTTPOnly: true, cookieNoSecure: true, cookieNoSameSite: true,
	noChallenge: true, acceptAlgNone: true, acceptUnsigned: true, acceptQueryToken: true,
	noRateLimit:     true,
	crashOnBadQuery: true, htmlErrors: true, echoErrors: true, traceEcho: true, crashOnMalformed: true, crashOnOversized: true,
}

func TestMisconfiguredAPIShowsEveryWeakness(t *testing.T) {
	t.Parallel()
	tg := startTLS(t, everything, tlsSetup{minVersion: 0x0301, validFor: 10 * 24 * time.Hour, plainServes: true})
	r := runScan(t, tg.cfg)
	require.Subset(t, r.IDs(), []string{
		"GH-HDR-001", "GH-HDR-002", "GH-HDR-004", "GH-HDR-006", "GH-HDR-007", "GH-HDR-008",
		"GH-TLS-001", "GH-TLS-002", "GH-TLS-003",
		"GH-CORS-001", "GH-CORS-002", "GH-CORS-003", "GH-CORS-004", "GH-CORS-005", "GH-CORS-006", "GH-CORS-007", "GH-CORS-008", "GH-CORS-009",
		"GH-COOKIE-001", "GH-COOKIE-002", "GH-COOKIE-003",
		"GH-AUTH-002", "GH-AUTH-003", "GH-AUTH-004", "GH-AUTH-005",
		"GH-RATE-001",
		"GH-ERR-001", "GH-ERR-002", "GH-ERR-003", "GH-ERR-004", "GH-ERR-005", "GH-ERR-006",
	})
	w, ok := r.Worst()
	require.True(t, ok)
	require.Equal(t, scan.Critical, w)
	require.True(t, r.Fails(scan.High))
	for i := 1; i < len(r.Findings); i++ {
		require.GreaterOrEqual(t, r.Findings[i-1].Severity, r.Findings[i].Severity, "most severe first")
	}
}

func TestWellConfiguredAPIHasNoFindings(t *testing.T) {
	t.Parallel()
	for _, overTLS := range []bool{false, true} {
		tg := startHTTP(t, fixture{})
		if overTLS {
			tg = startTLS(t, fixture{}, tlsSetup{})
		}
		r := runScan(t, tg.cfg)
		require.Empty(t, r.Findings, "over TLS: %v; notes: %q", overTLS, r.Notes)
		require.Contains(t, strings.Join(r.Notes, "\n"), "429 after 6 requests")
	}
}

func TestScanStaysWithinTheBudget(t *testing.T) {
	t.Parallel()
	t.Run("a full scan of one protected path needs far fewer than 200 requests", func(t *testing.T) {
		t.Parallel()
		tg := startTLS(t, fixture{}, tlsSetup{})
		tg.cfg.Rate = 0
		r := runScan(t, tg.cfg)
		served := tg.srv.requests.Load() + tg.plain.requests.Load()
		require.LessOrEqual(t, served, int64(r.Requests), "handshakes count, so the report counts at least what was served")
		require.LessOrEqual(t, r.Requests, 100)
	})
	t.Run("many protected paths stop at the default budget of 200", func(t *testing.T) {
		t.Parallel()
		tg := startHTTP(t, fixture{})
		tg.cfg.Rate = 0
		for range 40 {
			tg.cfg.Protected = append(tg.cfg.Protected, "/api/me")
		}
		r := runScan(t, tg.cfg)
		require.Equal(t, scan.DefaultBudget, r.Requests)
		require.LessOrEqual(t, tg.srv.requests.Load(), int64(scan.DefaultBudget))
		require.Contains(t, strings.Join(r.Notes, "\n"), "budget of 200 requests ran out")
	})
	t.Run("a small budget is respected and -rate adds exactly its own requests", func(t *testing.T) {
		t.Parallel()
		tg := startHTTP(t, fixture{noRateLimit: true})
		tg.cfg.Budget = 7
		tg.cfg.Rate = 25
		r := runScan(t, tg.cfg)
		require.Equal(t, 7+25, r.Requests)
		require.Equal(t, int64(7+25), tg.srv.requests.Load())
		require.Equal(t, int64(25), tg.srv.limited.Load(), "all 25 rate requests went to /limited")
	})
}

func TestOnlyTheTargetIsContacted(t *testing.T) {
	t.Parallel()
	elsewhere := newServer(fixture{})
	other := httptest.NewServer(elsewhere)
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer redirecting.Close()

	r := runScan(t, baseConfig(redirecting.URL+"/"))
	require.NotNil(t, r)
	require.Zero(t, elsewhere.requests.Load(), "a redirect to another host is never followed")
	require.Contains(t, strings.Join(r.Notes, "\n"), "which the scan does not follow")

	cfg := baseConfig(redirecting.URL + "/")
	cfg.Protected = []string{other.URL + "/api/me"}
	_, err := scan.Run(context.Background(), cfg)
	require.ErrorIs(t, err, scan.ErrConfig)
	require.Zero(t, elsewhere.requests.Load())
}

func TestSameOriginRedirectsOfTheTargetAreFollowed(t *testing.T) {
	t.Parallel()
	srv := newServer(fixture{})
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusFound)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	cfg := baseConfig(ts.URL + "/start")
	cfg.Protected = nil
	r := runScan(t, cfg)
	require.Empty(t, r.Findings)
}

func TestOnlySafeMethodsWithoutAllowUnsafe(t *testing.T) {
	t.Parallel()
	for _, unsafe := range []bool{false, true} {
		tg := startHTTP(t, fixture{crashOnMalformed: true})
		tg.cfg.AllowUnsafe = unsafe
		r := runScan(t, tg.cfg)
		tg.srv.mu.Lock()
		methods := tg.srv.methods
		tg.srv.mu.Unlock()
		for m := range methods {
			if !unsafe {
				require.Contains(t, []string{"GET", "OPTIONS", "TRACE"}, m)
			}
		}
		require.Equal(t, unsafe, methods["POST"] > 0)
		require.Equal(t, unsafe, find(r, "GH-ERR-001") != nil, "malformed JSON needs a POST")
	}
}

func TestResponsesAreReadBounded(t *testing.T) {
	t.Parallel()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		chunk := bytes.Repeat([]byte("a"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	cfg := baseConfig(endless.URL + "/")
	cfg.MaxBody = 4 << 10
	cfg.Timeout = 2 * time.Second
	start := time.Now()
	r := runScan(t, cfg)
	require.Less(t, time.Since(start), 20*time.Second)
	require.NotEmpty(t, r.Findings)
}

func TestSlowEndpointsTimeOutAndTheScanGoesOn(t *testing.T) {
	t.Parallel()
	srv := newServer(fixture{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/me" {
			select {
			case <-r.Context().Done():
			case <-time.After(1500 * time.Millisecond):
			}
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer slow.Close()
	cfg := baseConfig(slow.URL + "/")
	cfg.Timeout = 100 * time.Millisecond
	r := runScan(t, cfg)
	notes := strings.Join(r.Notes, "\n")
	require.Contains(t, notes, "/api/me")
	require.Regexp(t, "timeout|deadline exceeded", notes)
	require.Empty(t, r.Findings)
}

func TestTheTokenIsNeverPrinted(t *testing.T) {
	t.Parallel()
	tg := startHTTP(t, fixture{acceptAlgNone: true, acceptUnsigned: true, acceptQueryToken: true, crashOnMalformed: true})
	r := runScan(t, tg.cfg)
	require.NotEmpty(t, r.Findings)
	var out bytes.Buffer
	require.NoError(t, r.WriteText(&out, scan.TextOptions{}))
	require.NoError(t, r.WriteJSON(&out))
	require.NoError(t, r.WriteSARIF(&out))
	parts := strings.Split(tg.cfg.Token, ".")
	for _, secret := range []string{tg.cfg.Token, parts[1], parts[2]} {
		require.NotContains(t, out.String(), secret)
	}
}

func TestCertificateThatDoesNotVerifyStopsTheScan(t *testing.T) {
	t.Parallel()
	tg := startTLS(t, fixture{}, tlsSetup{})
	tg.cfg.RootCAs = nil
	r, err := scan.Run(context.Background(), tg.cfg)
	require.ErrorIs(t, err, scan.ErrCertificate)
	require.Nil(t, r)
	require.Contains(t, err.Error(), "-insecure")
}

func TestUnreachableTargetIsAnError(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	u := ts.URL
	ts.Close()
	_, err := scan.Run(context.Background(), scan.Config{Target: u, Timeout: time.Second})
	require.ErrorContains(t, err, "unreachable")
}

func TestCancelledScanReturnsAPartialReport(t *testing.T) {
	t.Parallel()
	tg := startHTTP(t, fixture{noNosniff: true})
	ctx, cancel := context.WithCancel(context.Background())
	tg.cfg.Progress = func(p scan.Progress) {
		if p.Check == "cors" {
			cancel()
		}
	}
	r, err := scan.Run(ctx, tg.cfg)
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, r)
	require.NotNil(t, find(r, "GH-HDR-001"), "findings made before the cancel are kept")
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  scan.Config
	}{
		{"an empty target is refused", scan.Config{}},
		{"a target without http or https is refused", scan.Config{Target: "ftp://example.com/"}},
		{"a target without a host is refused", scan.Config{Target: "https:///x"}},
		{"user information in the target is refused", scan.Config{Target: "https://u:p@example.com/"}},
		{"a port out of range is refused", scan.Config{Target: "https://example.com:70000/"}},
		{"an origin with a path is refused", scan.Config{Target: "https://example.com/", Origin: "https://app.example.com/x"}},
		{"an origin with userinfo is refused", scan.Config{Target: "https://example.com/", Origin: "https://a@app.example.com"}},
		{"a protected path on another host is refused", scan.Config{Target: "https://example.com/", Protected: []string{"https://evil.example/x"}}},
		{"a relative protected path is refused", scan.Config{Target: "https://example.com/", Protected: []string{"api/me"}}},
		{"a protected path on another scheme is refused", scan.Config{Target: "https://example.com/", Protected: []string{"http://example.com/x"}}},
		{"a negative budget is refused", scan.Config{Target: "https://example.com/", Budget: -1}},
		{"a huge rate is refused", scan.Config{Target: "https://example.com/", Rate: scan.MaxRate + 1}},
		{"a negative timeout is refused", scan.Config{Target: "https://example.com/", Timeout: -time.Second}},
		{"a token with a newline is refused", scan.Config{Target: "https://example.com/", Token: "a\nb"}},
		{"an http port out of range is refused", scan.Config{Target: "https://example.com/", HTTPPort: 65536}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := scan.Run(context.Background(), c.cfg)
			require.ErrorIs(t, err, scan.ErrConfig)
			require.True(t, strings.HasPrefix(err.Error(), "scan: "))
		})
	}
}

func TestServerChosenBytesCannotEscapeTheTerminal(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "evil/1.0 \u202e")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no route for "+r.URL.Path+" \x1b]0;pwned\x07\r\nforged line")
	}))
	defer ts.Close()
	r := runScan(t, scan.Config{Target: ts.URL})
	require.NotNil(t, find(r, "GH-ERR-005"))
	var out bytes.Buffer
	require.NoError(t, r.WriteText(&out, scan.TextOptions{}))
	require.NotContains(t, out.String(), "\x1b")
	require.NotContains(t, out.String(), "\x07")
	require.NotContains(t, out.String(), "\u202e")
	require.NotContains(t, out.String(), "\nforged line")
	require.Contains(t, out.String(), `Server: evil/1.0 \u202e`)
	require.Contains(t, out.String(), `\x1b]0;pwned\x07\x0d\x0aforged line`)
}

func TestTraceWithoutEchoIsOnlyInfo(t *testing.T) {
	t.Parallel()
	r := runScan(t, startHTTP(t, fixture{traceNoEcho: true}).cfg)
	f := find(r, "GH-ERR-006")
	require.NotNil(t, f)
	require.Equal(t, scan.Info, f.Severity)
	require.Empty(t, above(r))
	require.False(t, r.Fails(scan.Low))
}
