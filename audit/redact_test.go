package audit

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"

func TestFingerprint(t *testing.T) {
	t.Parallel()
	fp := Fingerprint(jwt)
	require.Regexp(t, `^sha256:[0-9a-f]{12}$`, fp)
	require.Equal(t, fp, Fingerprint(jwt), "stable")
	require.NotEqual(t, fp, Fingerprint(jwt+"x"))
	require.NotContains(t, fp, jwt[:10])
	require.Equal(t, "", Fingerprint(""))
}

func TestRedactHeaderNeverShowsTheSecret(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, header, value, secret string
		want                        string // a regexp the result must match
	}{
		{"bearer token keeps the scheme", "Authorization", "Bearer " + jwt, jwt, `^Bearer sha256:[0-9a-f]{12}$`},
		{"basic credentials keep the scheme", "authorization", "Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg==", `^Basic sha256:[0-9a-f]{12}$`},
		{"a bare credential is fingerprinted", "Authorization", jwt, jwt, `^sha256:[0-9a-f]{12}$`},
		{"proxy authorization", "Proxy-Authorization", "Bearer " + jwt, jwt, `^Bearer sha256:`},
		{"cookie values, names kept", "Cookie", "session=" + jwt + "; theme=dark", jwt, `^session=sha256:[0-9a-f]{12}; theme=sha256:[0-9a-f]{12}$`},
		{"set-cookie keeps attributes", "Set-Cookie", "refresh=" + jwt + "; Path=/api/auth; HttpOnly", jwt, `^refresh=sha256:[0-9a-f]{12}; Path=/api/auth; HttpOnly$`},
		{"api key header", "x-api-key", "gh_live_abcdefghijklmnopqrstuvwxyz0123456789_x1y2z3", "abcdefghijklmnopqrstuvwxyz", `^sha256:[0-9a-f]{12}$`},
		{"csrf token header", "X-CSRF-Token", "tok3ntok3ntok3n", "tok3ntok3ntok3n", `^sha256:`},
		{"a malformed cookie pair is redacted", "Cookie", "garbage" + jwt, jwt, `^\[redacted\]$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := RedactHeader(tc.header, tc.value)
			require.NotContains(t, got, tc.secret)
			require.Regexp(t, tc.want, got)
			require.True(t, IsSensitiveHeader(tc.header))
		})
	}
}

func TestRedactHeaderCleansOrdinaryHeaders(t *testing.T) {
	t.Parallel()
	require.False(t, IsSensitiveHeader("User-Agent"))
	require.Equal(t, "curl/8", RedactHeader("User-Agent", "curl/8"))
	require.Equal(t, "a\uFFFDb", RedactHeader("Referer", "a\nb"))
	require.LessOrEqual(t, len(RedactHeader("Referer", strings.Repeat("x", 5000))), 256)
}

func TestRedactHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{"Authorization": {"Bearer " + jwt}, "Accept": {"application/json"}}
	got := RedactHeaders(h)
	require.Equal(t, "application/json", got.Get("Accept"))
	require.NotContains(t, got.Get("Authorization"), jwt)
	require.Equal(t, "Bearer "+jwt, h.Get("Authorization"), "the input is not modified")
}
