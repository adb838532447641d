package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	preflightVary    = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	preflightVaryPNA = preflightVary + ", Access-Control-Request-Private-Network"
)

// corsHeaders are the response fields a spec case checks exactly.
var corsHeaders = []string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
	"Vary",
}

// nextHandler marks that it ran and writes 200.
var nextHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Next", "1")
	w.WriteHeader(http.StatusOK)
})

type specCase struct {
	name    string
	opts    Options
	method  string
	req     http.Header // request fields, each line added in order
	preset  http.Header // response fields set before the middleware runs
	status  int
	next    bool
	want    http.Header // expected values of corsHeaders; absent = must be absent
	allowed bool        // expected OriginAllowed
}

func runSpec(t *testing.T, tc specCase) {
	t.Helper()
	c, err := New(tc.opts)
	require.NoError(t, err)
	r := httptest.NewRequest(tc.method, "http://api.example.com/v1/things", nil)
	for k, vs := range tc.req {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	for k, vs := range tc.preset {
		w.Header()[k] = append([]string(nil), vs...)
	}
	c.Handler(nextHandler).ServeHTTP(w, r)
	require.Equal(t, tc.status, w.Code, "status")
	require.Equal(t, tc.next, w.Header().Get("X-Next") == "1", "next handler ran")
	for _, name := range corsHeaders {
		require.Equal(t, tc.want[name], w.Header()[name], name)
	}
	require.Equal(t, tc.allowed, c.OriginAllowed(r), "OriginAllowed")
}

func TestSpecActualRequests(t *testing.T) {
	t.Parallel()
	app := Options{AllowedOrigins: []string{"https://app.example.com"}}
	vary := http.Header{"Vary": {"Origin"}}
	allowApp := http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://app.example.com"}}
	get := func(origin ...string) http.Header { return http.Header{"Origin": origin} }
	pattern := Options{AllowedOrigins: []string{"https://*.example.com"}}
	cases := []specCase{
		{name: "request without origin is served with only Vary: Origin", opts: app, method: "GET", req: http.Header{}, status: 200, next: true, want: vary},
		{name: "request with an empty origin is not a CORS request", opts: app, method: "GET", req: get(""), status: 200, next: true, want: vary},
		{name: "zero options allow no origin", opts: Options{}, method: "GET", req: get("https://app.example.com"), status: 200, next: true, want: vary},
		{name: "allowed exact origin is echoed", opts: app, method: "GET", req: get("https://app.example.com"), status: 200, next: true, want: allowApp, allowed: true},
		{name: "allowed origin with credentials gets Allow-Credentials", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true}, method: "POST", req: get("https://app.example.com"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Allow-Credentials": {"true"}}, allowed: true},
		{name: "star origin answers with a literal star", opts: Options{AllowedOrigins: []string{"*"}}, method: "GET", req: get("https://anyone.example"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"*"}}, allowed: true},
		{name: "star among exact origins still answers with a star", opts: Options{AllowedOrigins: []string{"https://app.example.com", "*"}}, method: "GET", req: get("https://app.example.com"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"*"}}, allowed: true},
		{name: "disallowed origin is served without CORS headers", opts: app, method: "GET", req: get("https://evil.example"), status: 200, next: true, want: vary},
		{name: "scheme and host compare case-insensitively", opts: app, method: "GET", req: get("HTTPS://App.Example.COM"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"HTTPS://App.Example.COM"}}, allowed: true},
		{name: "configured default port matches the origin without it", opts: Options{AllowedOrigins: []string{"https://app.example.com:443"}}, method: "GET", req: get("https://app.example.com"), status: 200, next: true, want: allowApp, allowed: true},
		{name: "request default port matches the configured origin", opts: app, method: "GET", req: get("https://app.example.com:443"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://app.example.com:443"}}, allowed: true},
		{name: "http default port is 80", opts: Options{AllowedOrigins: []string{"http://localhost:80"}}, method: "GET", req: get("http://localhost"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"http://localhost"}}, allowed: true},
		{name: "another port is another origin", opts: app, method: "GET", req: get("https://app.example.com:8443"), status: 200, next: true, want: vary},
		{name: "another scheme is another origin", opts: app, method: "GET", req: get("http://app.example.com"), status: 200, next: true, want: vary},
		{name: "origin with a path is refused", opts: app, method: "GET", req: get("https://app.example.com/"), status: 200, next: true, want: vary},
		{name: "origin with userinfo is refused", opts: app, method: "GET", req: get("https://evil@app.example.com"), status: 200, next: true, want: vary},
		{name: "origin without scheme is refused", opts: app, method: "GET", req: get("app.example.com"), status: 200, next: true, want: vary},
		{name: "a megabyte-long origin is refused", opts: app, method: "GET", req: get("https://" + strings.Repeat("A", 1<<20)), status: 200, next: true, want: vary},
		{name: "two origin headers are refused", opts: app, method: "GET", req: get("https://app.example.com", "https://app.example.com"), status: 200, next: true, want: vary},
		{name: "malformed origin is refused even with star", opts: Options{AllowedOrigins: []string{"*"}}, method: "GET", req: get("https://a b"), status: 200, next: true, want: vary},
		{name: "pattern matches a subdomain", opts: pattern, method: "GET", req: get("https://a.example.com"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://a.example.com"}}, allowed: true},
		{name: "pattern matches a deeper subdomain", opts: pattern, method: "GET", req: get("https://a.b.example.com"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://a.b.example.com"}}, allowed: true},
		{name: "pattern does not match the bare domain", opts: pattern, method: "GET", req: get("https://example.com"), status: 200, next: true, want: vary},
		{name: "pattern does not match a domain that merely ends the same", opts: pattern, method: "GET", req: get("https://evilexample.com"), status: 200, next: true, want: vary},
		{name: "pattern does not match the domain as a prefix", opts: pattern, method: "GET", req: get("https://example.com.evil.net"), status: 200, next: true, want: vary},
		{name: "pattern does not match an empty leading label", opts: pattern, method: "GET", req: get("https://.example.com"), status: 200, next: true, want: vary},
		{name: "pattern does not match another scheme", opts: pattern, method: "GET", req: get("http://a.example.com"), status: 200, next: true, want: vary},
		{name: "pattern does not match another port", opts: pattern, method: "GET", req: get("https://a.example.com:8443"), status: 200, next: true, want: vary},
		{name: "pattern with a port matches only that port", opts: Options{AllowedOrigins: []string{"http://*.example.com:8080"}}, method: "GET", req: get("http://a.example.com:8080"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"http://a.example.com:8080"}}, allowed: true},
		{name: "null origin is refused by default", opts: app, method: "GET", req: get("null"), status: 200, next: true, want: vary},
		{name: "null origin is refused by a star", opts: Options{AllowedOrigins: []string{"*"}}, method: "GET", req: get("null"), status: 200, next: true, want: vary},
		{name: "null origin is allowed with AllowNullOrigin", opts: Options{AllowNullOrigin: true}, method: "GET", req: get("null"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"null"}}, allowed: true},
		{name: "AllowOriginFunc allows what the list does not", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowOriginFunc: func(_ *http.Request, o string) bool { return o == "https://partner.example" }},
			method: "GET", req: get("https://partner.example"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://partner.example"}}, allowed: true},
		{name: "AllowOriginFunc is not asked about malformed origins", opts: Options{AllowOriginFunc: func(*http.Request, string) bool { return true }}, method: "GET", req: get("https://x.example/path"), status: 200, next: true, want: vary},
		{name: "AllowOriginFunc is not asked about the null origin", opts: Options{AllowOriginFunc: func(*http.Request, string) bool { return true }}, method: "GET", req: get("null"), status: 200, next: true, want: vary},
		{name: "exposed headers are sent on actual responses", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, ExposedHeaders: []string{"x-request-id", "X-RateLimit-Remaining", "X-Request-ID"}},
			method: "GET", req: get("https://app.example.com"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Expose-Headers": {"X-Request-Id, X-Ratelimit-Remaining"}}, allowed: true},
		{name: "exposed headers are not sent to disallowed origins", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, ExposedHeaders: []string{"X-Request-Id"}}, method: "GET", req: get("https://evil.example"), status: 200, next: true, want: vary},
		{name: "method outside AllowedMethods gets no CORS headers", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"PUT"}}, method: "GET", req: get("https://app.example.com"), status: 200, next: true, want: vary, allowed: true},
		{name: "method in AllowedMethods gets CORS headers", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"put"}}, method: "PUT", req: get("https://app.example.com"), status: 200, next: true, want: allowApp, allowed: true},
		{name: "existing Vary is kept and Origin appended", opts: app, method: "GET", req: get("https://app.example.com"), preset: http.Header{"Vary": {"Accept-Encoding"}}, status: 200, next: true,
			want: http.Header{"Vary": {"Accept-Encoding", "Origin"}, "Access-Control-Allow-Origin": {"https://app.example.com"}}, allowed: true},
		{name: "existing Vary is kept when the origin is refused", opts: app, method: "GET", req: get("https://evil.example"), preset: http.Header{"Vary": {"Accept-Encoding"}}, status: 200, next: true,
			want: http.Header{"Vary": {"Accept-Encoding", "Origin"}}},
		{name: "OPTIONS without Access-Control-Request-Method is an actual request", opts: app, method: "OPTIONS", req: get("https://app.example.com"), status: 200, next: true, want: allowApp, allowed: true},
		{name: "OPTIONS with an empty Access-Control-Request-Method is an actual request", opts: app, method: "OPTIONS", req: http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {""}}, status: 200, next: true, want: allowApp, allowed: true},
		{name: "Access-Control-Request-Method on a GET is ignored", opts: app, method: "GET", req: http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}}, status: 200, next: true, want: allowApp, allowed: true},
		{name: "max age is not sent on actual responses", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, MaxAge: 600}, method: "GET", req: get("https://app.example.com"), status: 200, next: true, want: allowApp, allowed: true},
		{name: "IPv6 origins are compared in their shortest form", opts: Options{AllowedOrigins: []string{"http://[0:0::1]:8080"}}, method: "GET", req: get("http://[::1]:8080"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"http://[::1]:8080"}}, allowed: true},
		{name: "non-http schemes are origins too", opts: Options{AllowedOrigins: []string{"chrome-extension://abcdefghijklmnop"}}, method: "GET", req: get("chrome-extension://abcdefghijklmnop"), status: 200, next: true,
			want: http.Header{"Vary": {"Origin"}, "Access-Control-Allow-Origin": {"chrome-extension://abcdefghijklmnop"}}, allowed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runSpec(t, tc)
		})
	}
}

func TestSpecPreflights(t *testing.T) {
	t.Parallel()
	app := Options{AllowedOrigins: []string{"https://app.example.com"}}
	onlyVary := http.Header{"Vary": {preflightVary}}
	pre := func(method string, acrh ...string) http.Header {
		h := http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {method}}
		if len(acrh) > 0 {
			h["Access-Control-Request-Headers"] = acrh
		}
		return h
	}
	ok := func(method string, kv ...string) http.Header {
		h := http.Header{"Vary": {preflightVary}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Allow-Methods": {method}}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = append(h[kv[i]], kv[i+1])
		}
		return h
	}
	headers := Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: []string{"X-Header-1", "x-header-2", "Content-Type"}}
	star := Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: []string{"*"}, AllowCredentials: true}
	cases := []specCase{
		{name: "preflight from an allowed origin is answered with 204 and echoes the method", opts: app, method: "OPTIONS", req: pre("POST"), status: 204, want: ok("POST"), allowed: true},
		{name: "preflight for a simple method is allowed by default", opts: app, method: "OPTIONS", req: pre("GET"), status: 204, want: ok("GET"), allowed: true},
		{name: "preflight from a disallowed origin is rejected with 403 and no CORS headers", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, status: 403, want: onlyVary},
		{name: "preflight without origin is rejected", opts: app, method: "OPTIONS", req: http.Header{"Access-Control-Request-Method": {"GET"}}, status: 403, want: onlyVary},
		{name: "preflight from a malformed origin is rejected", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"https://app.example.com:99999"}, "Access-Control-Request-Method": {"GET"}}, status: 403, want: onlyVary},
		{name: "preflight from the null origin is rejected by default", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"null"}, "Access-Control-Request-Method": {"GET"}}, status: 403, want: onlyVary},
		{name: "preflight for a method not allowed is rejected", opts: app, method: "OPTIONS", req: pre("DELETE"), status: 403, want: onlyVary, allowed: true},
		{name: "preflight method matching is case-sensitive", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"PATCH"}}, method: "OPTIONS", req: pre("patch"), status: 403, want: onlyVary, allowed: true},
		{name: "preflight for an allowed custom method echoes it", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"PATCH", "DELETE"}}, method: "OPTIONS", req: pre("PATCH"), status: 204, want: ok("PATCH"), allowed: true},
		{name: "preflight with a malformed method is rejected", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"*"}}, method: "OPTIONS", req: pre("GET, PUT"), status: 403, want: onlyVary, allowed: true},
		{name: "star in AllowedMethods echoes the method and never sends a star", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"*"}, AllowCredentials: true}, method: "OPTIONS", req: pre("PURGE"), status: 204,
			want: ok("PURGE", "Access-Control-Allow-Credentials", "true"), allowed: true},
		{name: "allowed headers are echoed", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1,x-header-2"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "x-header-1,x-header-2"), allowed: true},
		{name: "header names match case-insensitively and in any order", opts: headers, method: "OPTIONS", req: pre("GET", "X-HEADER-2,Content-Type,x-Header-1"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "X-HEADER-2,Content-Type,x-Header-1"), allowed: true},
		{name: "duplicate header names are accepted", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1,x-header-1,X-Header-1"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "x-header-1,x-header-1,X-Header-1"), allowed: true},
		{name: "header names split over several lines are accepted", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-2", "content-type"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "x-header-2", "Access-Control-Allow-Headers", "content-type"), allowed: true},
		{name: "optional whitespace and a few empty elements are accepted", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1 ,\t x-header-2,, ", " "), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "x-header-1 ,\t x-header-2,, ", "Access-Control-Allow-Headers", " "), allowed: true},
		{name: "an empty header list is not echoed", opts: headers, method: "OPTIONS", req: pre("GET", ""), status: 204, want: ok("GET"), allowed: true},
		{name: "a header not allowed rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1,x-header-3"), status: 403, want: onlyVary, allowed: true},
		{name: "a header not allowed on a second line rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1", "x-header-3"), status: 403, want: onlyVary, allowed: true},
		{name: "a malformed header name rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1;x-header-2"), status: 403, want: onlyVary, allowed: true},
		{name: "a name with inner whitespace rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", "x-header 1"), status: 403, want: onlyVary, allowed: true},
		{name: "a name longer than any allowed name rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", "x-header-1"+strings.Repeat("x", 100)), status: 403, want: onlyVary, allowed: true},
		{name: "a thousand commas reject the preflight", opts: headers, method: "OPTIONS", req: pre("GET", strings.Repeat(",", 1000)), status: 403, want: onlyVary, allowed: true},
		{name: "a thousand header lines of commas reject the preflight", opts: headers, method: "OPTIONS", req: pre("GET", strings.Split(strings.Repeat(strings.Repeat(",", 1000)+"\n", 1000), "\n")...), status: 403, want: onlyVary, allowed: true},
		{name: "a megabyte of repeated allowed names rejects the preflight", opts: headers, method: "OPTIONS", req: pre("GET", strings.Repeat("x-header-1,", 100000)), status: 403, want: onlyVary, allowed: true},
		{name: "default allowed headers cover Content-Type", opts: app, method: "OPTIONS", req: pre("POST", "content-type"), status: 204,
			want: ok("POST", "Access-Control-Allow-Headers", "content-type"), allowed: true},
		{name: "safelisted names are allowed without being listed", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: []string{"X-Custom"}}, method: "OPTIONS",
			req: pre("POST", "accept,accept-language,content-language,content-type,x-custom"), status: 204,
			want: ok("POST", "Access-Control-Allow-Headers", "accept,accept-language,content-language,content-type,x-custom"), allowed: true},
		{name: "default allowed headers cover X-Requested-With", opts: app, method: "OPTIONS", req: pre("GET", "x-requested-with"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "x-requested-with"), allowed: true},
		{name: "a custom header must be listed", opts: app, method: "OPTIONS", req: pre("GET", "x-custom"), status: 403, want: onlyVary, allowed: true},
		{name: "default allowed headers do not cover Authorization", opts: app, method: "OPTIONS", req: pre("GET", "authorization"), status: 403, want: onlyVary, allowed: true},
		{name: "star in AllowedHeaders echoes the requested names with credentials", opts: star, method: "OPTIONS", req: pre("GET", "x-anything,x-other"), status: 204,
			want: ok("GET", "Access-Control-Allow-Credentials", "true", "Access-Control-Allow-Headers", "x-anything,x-other"), allowed: true},
		{name: "star in AllowedHeaders does not cover Authorization", opts: star, method: "OPTIONS", req: pre("GET", "authorization,x-anything"), status: 403, want: onlyVary, allowed: true},
		{name: "Authorization listed next to a star is allowed", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: []string{"*", "Authorization"}}, method: "OPTIONS", req: pre("GET", "authorization,x-anything"), status: 204,
			want: ok("GET", "Access-Control-Allow-Headers", "authorization,x-anything"), allowed: true},
		{name: "star in AllowedHeaders still refuses malformed names", opts: star, method: "OPTIONS", req: pre("GET", "x-a\x01"), status: 403, want: onlyVary, allowed: true},
		{name: "preflight with credentials sends Allow-Credentials", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowCredentials: true}, method: "OPTIONS", req: pre("GET"), status: 204,
			want: ok("GET", "Access-Control-Allow-Credentials", "true"), allowed: true},
		{name: "preflight to a star origin answers with a star", opts: Options{AllowedOrigins: []string{"*"}}, method: "OPTIONS", req: pre("GET"), status: 204,
			want: http.Header{"Vary": {preflightVary}, "Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"GET"}}, allowed: true},
		{name: "max age is sent on preflights", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, MaxAge: 600}, method: "OPTIONS", req: pre("GET"), status: 204,
			want: ok("GET", "Access-Control-Max-Age", "600"), allowed: true},
		{name: "negative max age disables preflight caching", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, MaxAge: -1}, method: "OPTIONS", req: pre("GET"), status: 204,
			want: ok("GET", "Access-Control-Max-Age", "0"), allowed: true},
		{name: "exposed headers are not sent on preflights", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, ExposedHeaders: []string{"X-Request-Id"}}, method: "OPTIONS", req: pre("GET"), status: 204, want: ok("GET"), allowed: true},
		{name: "private network preflight is allowed when enabled", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowPrivateNetwork: true}, method: "OPTIONS",
			req:    http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Private-Network": {"true"}},
			status: 204,
			want:   http.Header{"Vary": {preflightVaryPNA}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Allow-Methods": {"GET"}, "Access-Control-Allow-Private-Network": {"true"}}, allowed: true},
		{name: "private network Vary is sent on every preflight when enabled", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowPrivateNetwork: true}, method: "OPTIONS", req: pre("GET"), status: 204,
			want: http.Header{"Vary": {preflightVaryPNA}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Allow-Methods": {"GET"}}, allowed: true},
		{name: "private network preflight gets no allow header when disabled", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Private-Network": {"true"}}, status: 204, want: ok("GET"), allowed: true},
		{name: "OptionsPassthrough hands successful preflights to next", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, OptionsPassthrough: true}, method: "OPTIONS", req: pre("GET"), status: 200, next: true, want: ok("GET"), allowed: true},
		{name: "OptionsPassthrough does not pass rejected preflights", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, OptionsPassthrough: true}, method: "OPTIONS", req: pre("DELETE"), status: 403, want: onlyVary, allowed: true},
		{name: "OptionsSuccessStatus replaces 204", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, OptionsSuccessStatus: 200}, method: "OPTIONS", req: pre("GET"), status: 200, want: ok("GET"), allowed: true},
		{name: "existing Vary is kept on preflights", opts: app, method: "OPTIONS", req: pre("GET"), preset: http.Header{"Vary": {"Accept-Encoding"}}, status: 204,
			want: http.Header{"Vary": {"Accept-Encoding", preflightVary}, "Access-Control-Allow-Origin": {"https://app.example.com"}, "Access-Control-Allow-Methods": {"GET"}}, allowed: true},
		{name: "pattern origins pass preflights", opts: Options{AllowedOrigins: []string{"https://*.example.com"}}, method: "OPTIONS", req: pre("GET"), status: 204, want: ok("GET"), allowed: true},
		{name: "a megabyte-long method rejects the preflight", opts: Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"*"}}, method: "OPTIONS", req: pre(strings.Repeat("X", 1<<20)), status: 403, want: onlyVary, allowed: true},
		{name: "a megabyte-long origin rejects the preflight", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"https://" + strings.Repeat("A", 1<<20)}, "Access-Control-Request-Method": {"GET"}}, status: 403, want: onlyVary},
		{name: "two Access-Control-Request-Method lines reject the preflight", opts: app, method: "OPTIONS",
			req: http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET", "POST"}}, status: 403, want: onlyVary, allowed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runSpec(t, tc)
		})
	}
}
