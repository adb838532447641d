package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHTTPHygiene checks what every response carries and how malformed
// requests are refused, whatever the route.
func TestHTTPHygiene(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := startServer(t, b, relaxed)
		_, sess := s.user(t, "hygiene")

		t.Run("every response carries the security headers", func(t *testing.T) {
			t.Parallel()
			for _, r := range []response{
				s.do(t, "GET", "/healthz", nil),
				s.do(t, "GET", "/no/such/path", nil),
				s.do(t, "GET", "/api/auth/profile", nil),
				s.do(t, "POST", "/api/agent/chat", `{"message":"hi"}`, sess.bearer()...),
			} {
				h := r.header
				require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
				require.Equal(t, "DENY", h.Get("X-Frame-Options"))
				require.Equal(t, "default-src 'none'; frame-ancestors 'none'", h.Get("Content-Security-Policy"))
				require.Equal(t, "no-referrer", h.Get("Referrer-Policy"))
				require.Equal(t, "same-origin", h.Get("Cross-Origin-Opener-Policy"))
				require.Equal(t, "same-origin", h.Get("Cross-Origin-Resource-Policy"))
				require.Equal(t, "no-store", h.Get("Cache-Control"))
				require.Equal(t, "0", h.Get("X-Xss-Protection"))
				require.Empty(t, h.Get("Strict-Transport-Security"), "HSTS is only sent over HTTPS")
				require.Empty(t, h.Get("Server"))
				require.Regexp(t, `^[0-9a-f]{32}$`, h.Get("X-Request-Id"))
			}
		})

		t.Run("a well-formed request id is kept and a forged one replaced", func(t *testing.T) {
			t.Parallel()
			r := s.do(t, "GET", "/healthz", nil, "X-Request-Id", "lb-1234.abc")
			require.Equal(t, "lb-1234.abc", r.header.Get("X-Request-Id"))
			r = s.do(t, "GET", "/healthz", nil, "X-Request-Id", "forged id with spaces; and more")
			require.Regexp(t, `^[0-9a-f]{32}$`, r.header.Get("X-Request-Id"))
		})

		t.Run("a foreign Host is refused", func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest("GET", s.url+"/healthz", nil)
			require.NoError(t, err)
			req.Host = "attacker.example"
			res, err := client.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusBadRequest, res.StatusCode)
		})

		t.Run("CORS preflight from the allowed origin is answered", func(t *testing.T) {
			t.Parallel()
			r := s.do(t, "OPTIONS", "/api/agent/chat", nil, "Origin", "https://app.example.com",
				"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type, x-csrf-token")
			require.Equal(t, http.StatusNoContent, r.status)
			require.Equal(t, "https://app.example.com", r.header.Get("Access-Control-Allow-Origin"))
			require.Equal(t, "true", r.header.Get("Access-Control-Allow-Credentials"))
			require.Contains(t, strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "authorization")
			require.Equal(t, "600", r.header.Get("Access-Control-Max-Age"))
			require.Contains(t, r.header.Values("Vary"), "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
		})

		t.Run("CORS preflight from another origin is refused", func(t *testing.T) {
			t.Parallel()
			for _, origin := range []string{"https://evil.example", "https://app.example.com.evil.net", "null", "http://app.example.com"} {
				r := s.do(t, "OPTIONS", "/api/agent/chat", nil, "Origin", origin, "Access-Control-Request-Method", "POST")
				r.requireProblem(t, http.StatusForbidden, "cors_preflight_rejected")
				require.Empty(t, r.header.Get("Access-Control-Allow-Origin"), origin)
			}
			r := s.do(t, "OPTIONS", "/api/agent/chat", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT")
			r.requireProblem(t, http.StatusForbidden, "cors_preflight_rejected")
		})

		t.Run("CORS headers go to the allowed origin only", func(t *testing.T) {
			t.Parallel()
			r := s.do(t, "GET", "/api/auth/profile", nil, append(sess.bearer(), "Origin", "https://app.example.com")...)
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, "https://app.example.com", r.header.Get("Access-Control-Allow-Origin"))
			require.Contains(t, r.header.Get("Access-Control-Expose-Headers"), "Retry-After")
			r = s.do(t, "GET", "/api/auth/profile", nil, append(sess.bearer(), "Origin", "https://evil.example")...)
			require.Equal(t, http.StatusOK, r.status, "served, but the browser withholds it")
			require.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
			require.Contains(t, r.header.Values("Vary"), "Origin")
		})

		t.Run("an unknown path is a 404 problem and a wrong method a 405 with Allow", func(t *testing.T) {
			t.Parallel()
			s.do(t, "GET", "/admin.php", nil).requireProblem(t, http.StatusNotFound, "not_found")
			r := s.do(t, "GET", "/api/auth/login", nil)
			r.requireProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
			require.Equal(t, "POST", r.header.Get("Allow"))
			r = s.do(t, "PUT", "/api/keys", `{}`, sess.bearer()...)
			r.requireProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
			require.Equal(t, "GET, HEAD, POST", r.header.Get("Allow"))
		})

		t.Run("encoded path traversal is refused", func(t *testing.T) {
			t.Parallel()
			for _, p := range []string{"/api/%2e%2e/%2e%2e/etc/passwd", "/api/keys/..%2f..%2fadmin", "/api/keys/%252e%252e%252f"} {
				s.do(t, "GET", p, nil, sess.bearer()...).requireProblem(t, http.StatusBadRequest, "path_traversal")
			}
		})

		t.Run("malformed and oversized bodies are refused with the rule's code", func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct {
				name, contentType, body string
				status                  int
				code                    string
			}{
				{"a body over max_body_bytes", "application/json", `{"message":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "body_too_large"},
				{"a 2 MiB body", "application/json", strings.Repeat("[", 2<<20), 413, "body_too_large"},
				{"truncated JSON", "application/json", `{"message":"hi"`, 400, "invalid_json"},
				{"two JSON values", "application/json", `{"message":"hi"}{"message":"again"}`, 400, "invalid_json"},
				{"a duplicate member", "application/json", `{"message":"hi","message":"again"}`, 400, "json_duplicate_key"},
				{"a case-variant duplicate member", "application/json", `{"message":"hi","MESSAGE":"again"}`, 400, "json_duplicate_key"},
				{"deep nesting", "application/json", `{"message":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, 400, "json_too_deep"},
				{"a NUL escaped in a string", "application/json", `{"message":"a\u0000b"}`, 400, "control_character"},
				{"invalid UTF-8", "application/json", "{\"message\":\"\xff\xfe\"}", 400, "invalid_utf8"},
				{"a form body", "application/x-www-form-urlencoded", "message=hi", 415, "unsupported_media_type"},
				{"text/plain, as cross-site forms send", "text/plain", `{"message":"hi"}`, 415, "unsupported_media_type"},
				{"JSON in another charset", "application/json; charset=utf-16", `{"message":"hi"}`, 415, "unsupported_media_type"},
				{"a wrong member type", "application/json", `{"message":5}`, 400, "invalid_body"},
				{"an array instead of an object", "application/json", `["hi"]`, 400, "invalid_body"},
				{"an unknown member", "application/json", `{"message":"hi","model":"gpt-9"}`, 400, "unknown_field"},
				{"an empty message", "application/json", `{"message":"  "}`, 400, "invalid_message"},
				{"a message over 4000 characters", "application/json", `{"message":"` + strings.Repeat("é", 4001) + `"}`, 400, "invalid_message"},
			} {
				r := s.do(t, "POST", "/api/agent/chat", c.body, append(sess.bearer(), "Content-Type", c.contentType)...)
				r.requireProblem(t, c.status, c.code)
				require.NotContains(t, string(r.body), "again", c.name+": input is never echoed")
			}
			r := s.do(t, "POST", "/api/agent/chat", nil, sess.bearer()...)
			r.requireProblem(t, http.StatusBadRequest, "invalid_body")
		})

		t.Run("health and JWKS answer, without secrets", func(t *testing.T) {
			t.Parallel()
			var health struct {
				Status string            `json:"status"`
				Checks map[string]string `json:"checks"`
			}
			s.do(t, "GET", "/healthz", nil).json(t, http.StatusOK, &health)
			require.Equal(t, "ok", health.Status)
			require.NotEmpty(t, health.Checks)
			for name, v := range health.Checks {
				require.Equal(t, "ok", v, name)
			}
			r := s.do(t, "GET", "/.well-known/jwks.json", nil)
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, "application/jwk-set+json", r.header.Get("Content-Type"))
			require.JSONEq(t, `{"keys":[]}`, string(r.body), "an HMAC secret is never published")
		})
	})
}
