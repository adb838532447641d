package sanitize

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPathRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
		rule   Rule
	}{
		{"an ordinary path passes", "/api/v1/users/42", ""},
		{"a percent-encoded space passes", "/files/my%20report.pdf", ""},
		{"encoded UTF-8 passes", "/wiki/Z%C3%BCrich", ""},
		{"a literal percent encoded as %25 passes", "/files/100%25.txt", ""},
		{"an encoded slash passes", "/repos/a%2Fb", ""},
		{"a dot-dot segment is traversal", "/static/../secret", RulePathTraversal},
		{"a trailing dot-dot segment is traversal", "/static/..", RulePathTraversal},
		{"a single dot segment is traversal", "/static/./x", RulePathTraversal},
		{"an encoded dot-dot is traversal", "/static/%2e%2e/secret", RulePathTraversal},
		{"a mixed-case encoded dot-dot is traversal", "/static/%2E%2e/secret", RulePathTraversal},
		{"a half-encoded dot-dot is traversal", "/static/.%2e/secret", RulePathTraversal},
		{"a double-encoded dot-dot is traversal", "/static/%252e%252e/secret", RulePathTraversal},
		{"a triple-encoded dot-dot is traversal", "/static/%25252e%25252e/secret", RulePathTraversal},
		{"an encoded slash that forms a dot-dot segment is traversal", "/static/..%2fsecret", RulePathTraversal},
		{"a backslash is traversal", `/static/..\secret`, RulePathTraversal},
		{"an encoded backslash is traversal", "/static/..%5csecret", RulePathTraversal},
		{"a lone backslash is refused", `/a\b`, RulePathTraversal},
		{"an overlong dot is traversal", "/static/%c0%ae%c0%ae/secret", RulePathTraversal},
		{"an overlong slash is traversal", "/static/..%c0%afsecret", RulePathTraversal},
		{"a three-byte overlong dot is traversal", "/x/%e0%80%ae%e0%80%ae/y", RulePathTraversal},
		{"Tomcat's ..;/ is traversal", "/app/..;/manager/html", RulePathTraversal},
		{"an encoded NUL is refused", "/files/a.php%00.png", RuleControlCharacter},
		{"an encoded newline is refused", "/a%0d%0aSet-Cookie:x", RuleControlCharacter},
		{"a raw control character is refused", "/a\x01b", RuleControlCharacter},
		{"a truncated escape is refused", "/a%2", RuleInvalidEncoding},
		{"a non-hex escape is refused", "/a%zzb", RuleInvalidEncoding},
		{"invalid UTF-8 is refused", "/a%ffb", RuleInvalidUTF8},
		{"a URL of absolute form is checked too", "http://example.com/a/../b", RulePathTraversal},
		{"dots inside a name pass", "/files/archive.tar.gz/..hidden...x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RequestURI = tt.target
			rec, _, events := serve(t, Options{Detection: DetectOff}, r)
			if tt.rule == "" {
				require.Equal(t, http.StatusNoContent, rec.Code)
				return
			}
			requireRejected(t, rec, events, http.StatusBadRequest, tt.rule, "secret")
		})
	}
}

func TestPathOfHandMadeRequestsIsChecked(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{})
	r, err := http.NewRequest(http.MethodGet, "http://example.com/a/%2e%2e/b", nil)
	require.NoError(t, err)
	require.Empty(t, r.RequestURI)
	require.ErrorIs(t, s.Check(r), ErrPathTraversal)
}

func TestQueryRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		opts  Options
		rule  Rule
	}{
		{"an ordinary query passes", "page=2&sort=-created&q=select+the+best+option", Options{}, ""},
		{"O'Brien passes unchanged", "name=O%27Brien", Options{}, ""},
		{"empty parameters pass", "a=&&b", Options{}, ""},
		{"a newline in a value passes (text)", "msg=line1%0Aline2", Options{}, ""},
		{"Chinese text passes", "q=%E4%BD%A0%E5%A5%BD", Options{}, ""},
		{"too many parameters are refused", strings.Repeat("a=1&", 5) + "b=2", Options{MaxParams: 5}, RuleTooManyParams},
		{"a long value is refused", "q=" + strings.Repeat("x", 101), Options{MaxValueBytes: 100}, RuleValueTooLong},
		{"a long name is refused", strings.Repeat("k", 101) + "=1", Options{MaxValueBytes: 100}, RuleValueTooLong},
		{"the limit applies to the decoded value", "q=" + strings.Repeat("%41", 40), Options{MaxValueBytes: 40}, ""},
		{"a truncated escape is refused", "q=%4", Options{}, RuleInvalidEncoding},
		{"a non-hex escape is refused", "q=100%", Options{}, RuleInvalidEncoding},
		{"an encoded NUL is refused", "q=a%00b", Options{}, RuleControlCharacter},
		{"an encoded escape character is refused", "q=%1b[31m", Options{}, RuleControlCharacter},
		{"a newline in a name is refused", "a%0Ab=1", Options{}, RuleControlCharacter},
		{"invalid UTF-8 is refused", "q=%C3%28", Options{}, RuleInvalidUTF8},
		{"an overlong encoding is invalid UTF-8", "q=%C0%AE", Options{}, RuleInvalidUTF8},
		{"a long URL is refused", "q=" + strings.Repeat("x", 9000), Options{MaxValueBytes: 10000}, RuleURITooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, _, events := serve(t, tt.opts, httptest.NewRequest(http.MethodGet, "/search?"+tt.query, nil))
			if tt.rule == "" {
				require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
				return
			}
			status := http.StatusBadRequest
			if tt.rule == RuleURITooLong {
				status = http.StatusRequestURITooLong
			}
			requireRejected(t, rec, events, status, tt.rule, "")
		})
	}
}

func TestHeaderRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		set    func(h http.Header)
		opts   Options
		status int
		rule   Rule
	}{
		{"ordinary headers pass", func(h http.Header) { h.Set("Accept", "application/json"); h.Set("X-Note", "a\tb") }, Options{}, 204, ""},
		{"too many header lines are refused", func(h http.Header) {
			for i := 0; i < 11; i++ {
				h.Add("X-Many", "v")
			}
		}, Options{MaxHeaders: 10}, 431, RuleTooManyHeaders},
		{"a long header value is refused", func(h http.Header) { h.Set("Cookie", strings.Repeat("c", 101)) }, Options{MaxHeaderValueBytes: 100}, 431, RuleHeaderTooLarge},
		{"large headers together are refused", func(h http.Header) {
			for i := 0; i < 5; i++ {
				h.Add("X-Big", strings.Repeat("v", 90))
			}
		}, Options{MaxHeaderBytes: 400}, 431, RuleHeaderTooLarge},
		{"a NUL in a value is refused", func(h http.Header) { h.Set("X-Name", "ad\x00min") }, Options{}, 400, RuleControlCharacter},
		{"a CR in a value is refused", func(h http.Header) { h.Set("X-Name", "a\rb") }, Options{}, 400, RuleControlCharacter},
		{"DEL in a value is refused", func(h http.Header) { h.Set("X-Name", "a\x7fb") }, Options{}, 400, RuleControlCharacter},
		{"invalid UTF-8 in a value is refused", func(h http.Header) { h.Set("X-Name", "caf\xe9") }, Options{}, 400, RuleInvalidUTF8},
		{"UTF-8 in a value passes", func(h http.Header) { h.Set("X-Name", "Zoë") }, Options{}, 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			tt.set(r.Header)
			rec, _, events := serve(t, tt.opts, r)
			if tt.rule == "" {
				require.Equal(t, tt.status, rec.Code)
				return
			}
			requireRejected(t, rec, events, tt.status, tt.rule, "admin")
		})
	}
}

func TestURLAndHeaderChecksAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	s := mustNew(t, Options{})
	r := httptest.NewRequest(http.MethodGet, "/api/v1/users/42/posts?page=2&sort=-created&q=select+the+best+option&lang=zh-CN&name=O%27Brien", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
	r.Header.Set("Authorization", "Bearer abc.def.ghi")
	require.NoError(t, s.Check(r))
	allocs := testing.AllocsPerRun(200, func() {
		if s.Check(r) != nil {
			t.Fatal("rejected")
		}
	})
	require.Zero(t, allocs)
}

func TestDetectorSeesDecodedQueryValues(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", nil)
	rec, _, events := serve(t, Options{Detection: DetectBlock}, r)
	requireRejected(t, rec, events, http.StatusBadRequest, RuleMaliciousInput, "script")
	require.Equal(t, "malicious_xss", string(events[0].Type))
	require.Equal(t, "query", events[0].Details["location"])
}
