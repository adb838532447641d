package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCleanNeutralisesLogInjection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
		max            int
	}{
		{"plain ASCII is unchanged", "curl/8.5.0", "curl/8.5.0", 0},
		{"printable Unicode is unchanged", "Zoë 你好 🚀", "Zoë 你好 🚀", 0},
		{"CR LF cannot start a new line", "ok\r\n{\"type\":\"authn_login_success\"}", "ok\uFFFD\uFFFD{\"type\":\"authn_login_success\"}", 0},
		{"NUL and escape are replaced", "a\x00b\x1b[31mc", "a\uFFFDb\uFFFD[31mc", 0},
		{"DEL and C1 NEL are replaced", "a\x7fb\u0085c", "a\uFFFDb\uFFFDc", 0},
		{"line and paragraph separators are replaced", "a\u2028b\u2029c", "a\uFFFDb\uFFFDc", 0},
		{"bidi overrides are replaced", "user\u202Egnp.exe", "user\uFFFDgnp.exe", 0},
		{"invalid UTF-8 is replaced", "a\xffb\xc3", "a\uFFFDb\uFFFD", 0},
		{"long input is cut with a marker", strings.Repeat("a", 300), strings.Repeat("a", 253) + "…", 256},
		{"a cut never splits a rune", strings.Repeat("é", 10), "éé…", 7},
		{"a short max still marks the cut", "abcdef", "…", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Clean(tc.in, tc.max)
			require.Equal(t, tc.want, got)
			if tc.max > 0 {
				require.LessOrEqual(t, len(got), max(tc.max, len("…")))
			}
		})
	}
}

func TestCleanDoesNotAllocateForCleanInput(t *testing.T) {
	s := "Mozilla/5.0 (X11; Linux x86_64) Zoë"
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = Clean(s, 256) }))
}

func TestFromRequest(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/api/login?password=hunter2", nil)
	r.Header.Set("User-Agent", "evil\nagent")
	r = r.WithContext(WithRequestID(r.Context(), "req-1"))
	before := time.Now()
	e := FromRequest(r, AuthnLoginFail, SeverityWarn)
	require.False(t, e.Time.Before(before))
	require.Equal(t, AuthnLoginFail, e.Type)
	require.Equal(t, SeverityWarn, e.Severity)
	require.Equal(t, "req-1", e.RequestID)
	require.Equal(t, "POST", e.Method)
	require.Equal(t, "/api/login", e.Path, "the query string, which may hold secrets, is not recorded")
	require.Equal(t, "evil\uFFFDagent", e.UserAgent)
	require.False(t, e.ClientIP.IsValid(), "the client address is the caller's to set")
}

func TestSlogWritesOneJSONLinePerEventWhateverTheInput(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewSlog(slog.New(slog.NewJSONHandler(&buf, nil)))
	rec.Record(context.Background(), Event{
		Time:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Type:      AuthnLoginFail,
		Severity:  SeverityWarn,
		Outcome:   OutcomeFailure,
		Actor:     "alice\n{\"forged\":true}",
		ClientIP:  netip.MustParseAddr("198.51.100.7"),
		UserAgent: "ua\r\nx",
		Path:      "/login\u2028",
		Source:    "password",
		Details:   map[string]string{"reason": "bad\npassword", "b": "2"},
	})
	rec.Record(context.Background(), Event{Type: AuthzFail, Severity: SeverityCritical})
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	require.Equal(t, "WARN", got["level"])
	require.Equal(t, "security_event", got["msg"])
	require.Equal(t, "authn_login_fail", got["type"])
	require.Equal(t, "warn", got["severity"])
	require.Equal(t, "failure", got["outcome"])
	require.Equal(t, "alice\uFFFD{\"forged\":true}", got["actor"])
	require.Equal(t, "198.51.100.7", got["client_ip"])
	require.Equal(t, "ua\uFFFD\uFFFDx", got["user_agent"])
	require.Equal(t, "/login\uFFFD", got["path"])
	require.Equal(t, map[string]any{"reason": "bad\uFFFDpassword", "b": "2"}, got["details"])
	require.NotContains(t, got, "request_id", "empty fields are omitted")

	require.NoError(t, json.Unmarshal([]byte(lines[1]), &got))
	require.Equal(t, "ERROR", got["level"], "critical events log at error level")
}

func TestSlogRespectsTheLoggerLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	rec := NewSlog(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	rec.Record(context.Background(), Event{Type: AuthnLoginSuccess})
	require.Zero(t, buf.Len())
	rec.Record(context.Background(), Event{Type: AuthnLoginFail, Severity: SeverityWarn})
	require.NotZero(t, buf.Len())
}

func TestEventJSON(t *testing.T) {
	t.Parallel()
	e := Event{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Type: AuthzFail, Severity: SeverityCritical, ClientIP: netip.MustParseAddr("::1")}
	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.JSONEq(t, `{"time":"2026-01-02T03:04:05Z","type":"authz_fail","severity":"critical","client_ip":"::1"}`, string(b))
	var back Event
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, e, back)

	b, err = json.Marshal(Event{Type: AuthnLoginSuccess})
	require.NoError(t, err)
	require.NotContains(t, string(b), "client_ip", "an unknown client address is omitted")
}

func TestSeverityNames(t *testing.T) {
	t.Parallel()
	for _, s := range []Severity{SeverityInfo, SeverityWarn, SeverityCritical} {
		require.Equal(t, s, ParseSeverity(s.String()))
	}
	require.Equal(t, SeverityCritical, ParseSeverity("bogus"), "unknown severities are never under-ranked")
	require.Equal(t, "critical", Severity(99).String())
}

func TestMultiFansOutAndSkipsNil(t *testing.T) {
	t.Parallel()
	a, b := NewMemory(4), NewMemory(4)
	m := Multi(a, nil, b)
	m.Record(context.Background(), Event{Type: AuthzFail})
	require.Equal(t, 1, a.Len())
	require.Equal(t, 1, b.Len())
	Multi().Record(context.Background(), Event{}) // no recorders: no panic
	Nop{}.Record(context.Background(), Event{})
}

func TestMemoryRingAndQuery(t *testing.T) {
	t.Parallel()
	m := NewMemory(3)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		m.Record(context.Background(), Event{
			Time: base.Add(time.Duration(i) * time.Minute), Type: []Type{AuthnLoginFail, AuthzFail}[i%2],
			Severity: Severity(i % 3), Actor: []string{"alice", "bob"}[i%2],
		})
	}
	require.Equal(t, 3, m.Len())
	evs := m.Events()
	require.Len(t, evs, 3)
	require.Equal(t, base.Add(2*time.Minute), evs[0].Time, "oldest kept first")
	require.Equal(t, base.Add(4*time.Minute), evs[2].Time)

	q := func(f Filter) []time.Time {
		got, err := m.Query(context.Background(), f)
		require.NoError(t, err)
		var ts []time.Time
		for _, e := range got {
			ts = append(ts, e.Time)
		}
		return ts
	}
	at := func(mins ...int) []time.Time {
		var ts []time.Time
		for _, n := range mins {
			ts = append(ts, base.Add(time.Duration(n)*time.Minute))
		}
		return ts
	}
	require.Equal(t, at(4, 3, 2), q(Filter{}), "newest first")
	require.Equal(t, at(4, 2), q(Filter{Types: []Type{AuthnLoginFail}}))
	require.Equal(t, at(3), q(Filter{Actor: "bob"}))
	require.Equal(t, at(4, 3), q(Filter{Since: base.Add(3 * time.Minute)}))
	require.Equal(t, at(2), q(Filter{MinSeverity: SeverityCritical}))
	require.Equal(t, at(4), q(Filter{Limit: 1}))
	m.Reset()
	require.Zero(t, m.Len())
	require.Empty(t, q(Filter{}))
}

func TestFilterLimits(t *testing.T) {
	t.Parallel()
	require.Equal(t, DefaultLimit, Filter{}.EffectiveLimit())
	require.Equal(t, MaxLimit, Filter{Limit: 1 << 30}.EffectiveLimit())
	require.Equal(t, 7, Filter{Limit: 7}.EffectiveLimit())
}

func TestAsyncDeliversInOrderAndDrainsOnClose(t *testing.T) {
	t.Parallel()
	mem := NewMemory(100)
	a := NewAsync(mem, AsyncOptions{QueueSize: 100})
	for i := range 50 {
		a.Record(context.Background(), Event{Actor: string(rune('a' + i%26))})
	}
	require.NoError(t, a.Close(context.Background()))
	require.Equal(t, 50, mem.Len())
	require.Zero(t, a.Dropped())
	require.Zero(t, a.Pending())
	require.Equal(t, "a", mem.Events()[0].Actor)

	a.Record(context.Background(), Event{})
	require.EqualValues(t, 1, a.Dropped(), "events after Close are dropped and counted")
	require.NoError(t, a.Close(context.Background()), "Close is idempotent")
}

func TestAsyncNeverBlocksAndCountsDrops(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var got sync.WaitGroup
	got.Add(1)
	var once sync.Once
	slow := RecorderFunc(func(context.Context, Event) {
		once.Do(got.Done)
		<-release
	})
	a := NewAsync(slow, AsyncOptions{QueueSize: 2})
	a.Record(context.Background(), Event{}) // taken by the goroutine, which blocks
	got.Wait()
	start := time.Now()
	for range 10 {
		a.Record(context.Background(), Event{}) // 2 queue, 8 drop
	}
	require.Less(t, time.Since(start), 5*time.Second, "Record returned although the sink is stuck")
	require.EqualValues(t, 8, a.Dropped())
	require.Equal(t, 3, a.Pending())
	close(release)
	require.NoError(t, a.Close(context.Background()))
	require.Zero(t, a.Pending())
}

func TestAsyncCloseHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	a := NewAsync(RecorderFunc(func(context.Context, Event) { <-release }), AsyncOptions{})
	a.Record(context.Background(), Event{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, a.Close(ctx), context.Canceled)
	close(release)
	require.NoError(t, a.Close(context.Background()))
}

func TestAsyncSurvivesAPanickingSink(t *testing.T) {
	t.Parallel()
	mem := NewMemory(10)
	a := NewAsync(RecorderFunc(func(ctx context.Context, e Event) {
		if e.Actor == "boom" {
			panic("sink bug")
		}
		mem.Record(ctx, e)
	}), AsyncOptions{})
	a.Record(context.Background(), Event{Actor: "boom"})
	a.Record(context.Background(), Event{Actor: "ok"})
	require.NoError(t, a.Close(context.Background()))
	require.EqualValues(t, 1, a.Dropped())
	require.Equal(t, 1, mem.Len())
}

func TestAsyncConcurrentRecordAndClose(t *testing.T) {
	t.Parallel()
	mem := NewMemory(100000)
	a := NewAsync(mem, AsyncOptions{QueueSize: 64})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				a.Record(context.Background(), Event{})
			}
		}()
	}
	time.Sleep(time.Millisecond)
	require.NoError(t, a.Close(context.Background()))
	wg.Wait()
	require.EqualValues(t, 8000, uint64(mem.Len())+a.Dropped(), "every event is either recorded or counted as dropped")
}

func TestAsyncRecordAllocatesNothing(t *testing.T) {
	a := NewAsync(Nop{}, AsyncOptions{})
	defer a.Close(context.Background())
	e := Event{Type: ExcessRateLimitExceeded, Severity: SeverityWarn, Details: map[string]string{"limit": "5/m"}}
	ctx := context.Background()
	require.Zero(t, testing.AllocsPerRun(1000, func() { a.Record(ctx, e) }))
}

func BenchmarkAsyncRecord(b *testing.B) {
	a := NewAsync(Nop{}, AsyncOptions{QueueSize: 1 << 16})
	defer a.Close(context.Background())
	e := Event{
		Time: time.Now(), Type: ExcessRateLimitExceeded, Severity: SeverityWarn, Outcome: OutcomeBlocked,
		ClientIP: netip.MustParseAddr("198.51.100.7"), Path: "/api/agent/chat", Method: "POST",
		Details: map[string]string{"limit": "100/h"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.Record(ctx, e)
		}
	})
	b.ReportMetric(float64(a.Dropped())/float64(b.N), "dropped/op")
}

func BenchmarkFromRequest(b *testing.B) {
	r := httptest.NewRequest(http.MethodPost, "/api/agent/chat", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
	b.ReportAllocs()
	for b.Loop() {
		_ = FromRequest(r, AuthzFail, SeverityWarn)
	}
}

func TestKnownTypesAreDistinctAndWellFormed(t *testing.T) {
	t.Parallel()
	seen := map[Type]bool{}
	for _, ty := range KnownTypes() {
		require.False(t, seen[ty], "duplicate %s", ty)
		seen[ty] = true
		require.Regexp(t, `^[a-z]+(_[a-z0-9]+)+$`, string(ty))
	}
	require.Len(t, KnownOutcomes(), 4)
}

func TestKnownTypesListsEveryDeclaredType(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "audit.go", nil, 0)
	require.NoError(t, err)
	known := map[string]bool{}
	for _, ty := range KnownTypes() {
		known[string(ty)] = true
	}
	declared := 0
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Type" {
				continue
			}
			lit := vs.Values[0].(*ast.BasicLit)
			v, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			require.True(t, known[v], "%s is declared but missing from KnownTypes", v)
			declared++
		}
	}
	require.Equal(t, declared, len(known))
}
