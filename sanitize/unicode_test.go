package sanitize

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnicodeChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check UnicodeCheck
		body  string
		rule  Rule
	}{
		{"NFC text passes the NFC check", UnicodeNFC, `{"n":"José 张伟"}`, ""},
		{"decomposed text fails the NFC check", UnicodeNFC, `{"n":"Jose\u0301"}`, RuleUnicodeNotNFC},
		{"a decomposed member name fails the NFC check", UnicodeNFC, `{"Jose\u0301":1}`, RuleUnicodeNotNFC},
		{"decomposed text passes without the check", 0, `{"n":"Jose\u0301"}`, ""},
		{"fullwidth markup is smuggling", UnicodeSmuggling, `{"n":"＜script＞"}`, RuleUnicodeSmuggling},
		{"fullwidth dots and slashes are smuggling", UnicodeSmuggling, `{"p":"．．／etc"}`, RuleUnicodeSmuggling},
		{"a two-dot leader is smuggling", UnicodeSmuggling, `{"p":"‥/etc"}`, RuleUnicodeSmuggling},
		{"a fullwidth apostrophe is smuggling", UnicodeSmuggling, `{"n":"x＇ or 1=1"}`, RuleUnicodeSmuggling},
		{"CJK punctuation is not smuggling", UnicodeSmuggling, `{"n":"你好，世界！（测试）：５０％；好吗？"}`, ""},
		{"fullwidth letters are not smuggling", UnicodeSmuggling, `{"n":"ＡＬＩＣＥ"}`, ""},
		{"ligatures are not smuggling", UnicodeSmuggling, `{"n":"ﬁnance"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, _, events := serve(t, Options{Unicode: tt.check, Detection: DetectOff}, jsonRequest(tt.body))
			if tt.rule == "" {
				require.Equal(t, http.StatusNoContent, rec.Code)
				return
			}
			requireRejected(t, rec, events, http.StatusBadRequest, tt.rule, "")
		})
	}
}

func TestUnicodeChecksApplyToTheURL(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/search?q="+url.QueryEscape("＜img＞"), nil)
	rec, _, events := serve(t, Options{Unicode: UnicodeSmuggling}, r)
	requireRejected(t, rec, events, http.StatusBadRequest, RuleUnicodeSmuggling, "")
	r = httptest.NewRequest(http.MethodGet, "/files/"+url.PathEscape("．．")+"/x", nil)
	rec, _, events = serve(t, Options{Unicode: UnicodeSmuggling}, r)
	requireRejected(t, rec, events, http.StatusBadRequest, RuleUnicodeSmuggling, "")
}

func TestEscapeHTML(t *testing.T) {
	t.Parallel()
	require.Equal(t, "O&#39;Brien &lt;b&gt; &amp; &#34;x&#34;", EscapeHTML(`O'Brien <b> & "x"`))
	require.Equal(t, "please update my plan", EscapeHTML("please update my plan"))
	require.Equal(t, "a\uFFFDb", EscapeHTML("a\x00b"))
}
