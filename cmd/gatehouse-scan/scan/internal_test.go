package scan

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHSTSMaxAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, value string
		age         int64
		ok          bool
	}{
		{"a plain max-age is read", "max-age=31536000", 31536000, true},
		{"directives in any order and case are read", "includeSubDomains; MAX-AGE=600; preload", 600, true},
		{"a quoted value is read", `max-age="86400"`, 86400, true},
		{"zero is read as zero", "max-age=0", 0, true},
		{"an empty header is absent", "", 0, false},
		{"no max-age is invalid", "includeSubDomains", 0, false},
		{"two max-age directives are invalid", "max-age=1; max-age=2", 0, false},
		{"a negative value is invalid", "max-age=-1", 0, false},
		{"a non-number is invalid", "max-age=year", 0, false},
		{"max-age without a value is invalid", "max-age", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			age, ok := hstsMaxAge(c.value)
			require.Equal(t, c.ok, ok)
			require.Equal(t, c.age, age)
		})
	}
}

func TestReferrerPolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		values []string
		policy string
		ok     bool
	}{
		{"no-referrer is safe", []string{"no-referrer"}, "no-referrer", true},
		{"strict-origin-when-cross-origin is safe", []string{"strict-origin-when-cross-origin"}, "strict-origin-when-cross-origin", true},
		{"unsafe-url leaks", []string{"unsafe-url"}, "unsafe-url", false},
		{"no-referrer-when-downgrade leaks", []string{"no-referrer-when-downgrade"}, "no-referrer-when-downgrade", false},
		{"the last known token wins, as in browsers", []string{"no-referrer, unsafe-url"}, "unsafe-url", false},
		{"unknown tokens are skipped", []string{"no-referrer, made-up"}, "no-referrer", true},
		{"only unknown tokens count as missing", []string{"made-up"}, "", false},
		{"no header is missing", nil, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range c.values {
				h.Add("Referrer-Policy", v)
			}
			p, ok := referrerPolicy(h)
			require.Equal(t, c.policy, p)
			require.Equal(t, c.ok, ok)
		})
	}
}

func TestFramingProtected(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		xfo, csp  string
		protected bool
	}{
		{"X-Frame-Options DENY protects", "DENY", "", true},
		{"X-Frame-Options sameorigin in any case protects", "sameorigin", "", true},
		{"ALLOW-FROM is ignored by browsers", "ALLOW-FROM https://a.example", "", false},
		{"frame-ancestors 'none' protects", "", "default-src 'none'; frame-ancestors 'none'", true},
		{"frame-ancestors * does not protect", "", "frame-ancestors *", false},
		{"a CSP without frame-ancestors does not protect", "", "default-src 'self'", false},
		{"nothing does not protect", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			if c.xfo != "" {
				h.Set("X-Frame-Options", c.xfo)
			}
			if c.csp != "" {
				h.Set("Content-Security-Policy", c.csp)
			}
			require.Equal(t, c.protected, framingProtected(h))
		})
	}
}

func TestHeaderLists(t *testing.T) {
	t.Parallel()
	require.True(t, listAllows([]string{"GET, POST", "GATEHOUSE-SCAN"}, probeMethod, false), "a value on a second line counts")
	require.True(t, listAllows([]string{"*"}, probeHeader, false), "* without credentials admits everything")
	require.False(t, listAllows([]string{"*"}, probeHeader, true), "* with credentials is a literal name")
	require.False(t, listAllows([]string{"GET, POST"}, probeMethod, false))
	require.True(t, varies(http.Header{"Vary": {"Accept-Encoding, origin"}}, "Origin"))
	require.True(t, varies(http.Header{"Vary": {"*"}}, "Origin"))
	require.False(t, varies(http.Header{"Vary": {"Originator"}}, "Origin"))
}

func TestRegistrable(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"app.example.com":   "example.com",
		"example.com":       "example.com",
		"a.b.example.co.uk": "example.co.uk",
		"127.0.0.1":         "127.0.0.1",
		"localhost":         "localhost",
		"APP.Example.COM.":  "example.com",
	} {
		require.Equal(t, want, registrable(host), host)
	}
}

func TestForgeries(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"k1","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`))
	sig := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	token := head + "." + payload + "." + sig

	t.Run("a valid JWT yields alg none variants with its claims and stripped signatures", func(t *testing.T) {
		fs := forgeries(token, true, now)
		var nones, sigs int
		for _, f := range fs {
			require.NotContains(t, f.label, sig, "evidence never shows the signature")
			require.NotContains(t, f.label, payload, "evidence never shows the claims")
			switch f.rule {
			case idAuthAlgNone:
				nones++
				parts := strings.Split(f.token, ".")
				require.Len(t, parts, 3)
				require.Equal(t, payload, parts[1])
				require.Empty(t, parts[2])
				var h map[string]any
				hb, err := base64.RawURLEncoding.DecodeString(parts[0])
				require.NoError(t, err)
				require.NoError(t, json.Unmarshal(hb, &h))
				require.Contains(t, noneAlgs, h["alg"])
				require.Equal(t, "k1", h["kid"], "the rest of the header is kept")
			case idAuthSignature:
				sigs++
				require.NotEqual(t, token, f.token)
			}
		}
		require.Equal(t, len(noneAlgs), nones)
		require.Equal(t, 4, sigs, "garbage, removed, no third part, altered")
	})
	t.Run("without a usable token the alg none claims are invented", func(t *testing.T) {
		for _, tok := range []string{"", "opaque-token", token} {
			fs := forgeries(tok, tok == "x", now)
			require.Len(t, fs, 1+len(noneAlgs))
			for _, f := range fs[1:] {
				require.Equal(t, "Bearer "+f.token, f.label, "an invented token is shown whole")
				_, rest, _ := strings.Cut(f.token, ".")
				p, _, _ := strings.Cut(rest, ".")
				pb, err := base64.RawURLEncoding.DecodeString(p)
				require.NoError(t, err)
				require.Contains(t, string(pb), `"sub":"gatehouse-scan"`)
			}
		}
	})
	t.Run("an altered signature differs and a bad one is replaced", func(t *testing.T) {
		require.NotEqual(t, sig, alterSignature(sig))
		require.Equal(t, base64.RawURLEncoding.EncodeToString(make([]byte, 32)), alterSignature("!!"))
	})
	t.Run("shapes that are not JWTs are refused", func(t *testing.T) {
		for _, tok := range []string{"a.b", "a.b.c.d", "!!.e30.", head + ".!!." + sig, base64.RawURLEncoding.EncodeToString([]byte(`{"alg":1}`)) + "." + payload + ".", strings.Repeat("a", maxTokenLen+1)} {
			_, ok := parseJWT(tok)
			require.False(t, ok, tok)
		}
	})
}

func TestClean(t *testing.T) {
	t.Parallel()
	require.Equal(t, `a\x1b[31mb\x0d\x0ac\u202ed`, clean("a\x1b[31mb\r\nc\u202ed"))
	require.Equal(t, "\ufffd", clean("\xff"))
	long := clean(strings.Repeat("é", 1000))
	require.Equal(t, maxLine+1, len([]rune(long)))
	require.True(t, strings.HasSuffix(long, "…"))
}

func TestSessionLikeCookies(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"session": true, "PHPSESSID": true, "JSESSIONID": true, "connect.sid": true, "sid": true,
		"__Host-access_token": true, "__Secure-refresh_token": true, "auth": true, "remember_me": true,
		"__Host-csrf": false, "XSRF-TOKEN": false, "theme": false, "sidebar": false, "accessibility": false, "_ga": false,
	} {
		require.Equal(t, want, sessionLike(&http.Cookie{Name: name, Value: "x"}), name)
	}
	require.True(t, sessionLike(&http.Cookie{Name: "x", Value: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"}), "a JWT value is a session")
	require.True(t, deleted(&http.Cookie{MaxAge: -1}))
	require.True(t, deleted(&http.Cookie{Expires: time.Unix(0, 0)}))
	require.False(t, deleted(&http.Cookie{Expires: time.Now().Add(time.Hour)}))
	require.Equal(t, "sid=<redacted, 6 bytes>; Path=/; HttpOnly", redactSetCookie("sid=secret; Path=/; HttpOnly"))
}

func TestFindStack(t *testing.T) {
	t.Parallel()
	traces := map[string]string{
		"Go":      "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d",
		"Java":    "java.lang.NullPointerException\n\tat com.example.Api.handle(Api.java:42)",
		"Python":  "Traceback (most recent call last):\n  File \"/app/views.py\", line 7, in get",
		"Node.js": "TypeError: x is undefined\n    at handler (/srv/app/routes/api.js:17:9)",
		".NET":    "System.NullReferenceException: Object reference not set\n   at Api.Controllers.Me.Get() in /src/Me.cs:line 21",
		"PHP":     "<b>Fatal error</b>:  Uncaught Error in <b>/var/www/index.php</b> on line <b>3</b>",
		"Ruby":    "app/controllers/me_controller.rb:5:in `show'",
	}
	for rt, body := range traces {
		got, i, _ := findStack([]byte(body))
		require.Equal(t, rt, got, body)
		require.GreaterOrEqual(t, i, 0)
	}
	for _, body := range []string{
		`{"error":"not found","at":"2024-01-02"}`,
		"The file main.go has 12 lines; at home (see notes.txt).",
		`{"trace_id":"abc","message":"internal error"}`,
	} {
		rt, i, _ := findStack([]byte(body))
		require.Equal(t, -1, i, "%s matched as %s", body, rt)
	}
}

func TestVersionPattern(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"nginx/1.18.0": true, "Apache/2": true, "PHP/8.1": true, "Microsoft-IIS/10.0": true, "Express 4.18": true,
		"nginx": false, "cloudflare": false, "Kestrel": false, "gws": false,
	} {
		require.Equal(t, want, versionPattern.MatchString(v), v)
	}
}

func TestArtifactURI(t *testing.T) {
	t.Parallel()
	require.Equal(t, "api.example.com/api/me", artifactURI("https://api.example.com/api/me?access_token=REDACTED"))
	require.Equal(t, "127.0.0.1_8443/", artifactURI("https://127.0.0.1:8443/"))
	require.Equal(t, "__1_8080/x%20y", artifactURI("http://[::1]:8080/x%20y"))
	require.Equal(t, "api.example.com/gatehouse-scan-m%3Cb%3E", artifactURI("https://api.example.com/gatehouse-scan-m%3Cb%3E"))
}

func TestProgressPrinter(t *testing.T) {
	t.Parallel()
	clock := time.Unix(0, 0)
	now := func() time.Time { return clock }
	var term, log bytes.Buffer
	pt, pl := newProgressPrinter(&term, true, now), newProgressPrinter(&log, false, now)
	step := func(d time.Duration) {
		clock = clock.Add(d)
		pt.Update(Progress{Requests: 3, Budget: 200, Check: "cors"})
		pl.Update(Progress{Requests: 3, Budget: 200, Check: "cors"})
	}
	step(500 * time.Millisecond)
	require.Empty(t, term.String(), "short scans print nothing")
	require.Empty(t, log.String())
	step(600 * time.Millisecond)
	require.Equal(t, "\r\x1b[Kgatehouse-scan: 3/200 requests, cors checks, 1 s", term.String())
	require.Equal(t, "gatehouse-scan: 3/200 requests, cors checks, 1 s\n", log.String())
	step(time.Second)
	require.Equal(t, 1, strings.Count(log.String(), "\n"), "a log gets a line every five seconds at most")
	require.Equal(t, 2, strings.Count(term.String(), "\r"))
	pt.Done()
	pl.Done()
	require.True(t, strings.HasSuffix(term.String(), "\r\x1b[K"), "the terminal line is erased")
}

func TestCertificateExpiryWording(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		left time.Duration
		sev  Severity
		text string
	}{
		{"ten days left is medium", 10 * 24 * time.Hour, Medium, "expires in 10 days"},
		{"a day and a half rounds to two days and is high", 36 * time.Hour, High, "expires in 2 days"},
		{"hours left are counted in hours", 5 * time.Hour, High, "expires in 5 hours"},
		{"an expired certificate (seen with -insecure) is high", -time.Hour, High, "has expired"},
		{"thirty days left is not reported", 30 * 24 * time.Hour, Info, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := &scanner{seen: map[string]bool{}, report: &Report{}}
			u, _ := url.Parse("https://api.example.com/")
			ex := &exchange{req: &request{method: "GET", url: u}, proto: "HTTP/1.1", statusMsg: "200 OK", tls: &tls.ConnectionState{Version: tls.VersionTLS13}}
			sc.judgeExpiry(ex, &x509.Certificate{NotAfter: now.Add(c.left)}, now)
			if c.text == "" {
				require.Empty(t, sc.report.Findings)
				return
			}
			require.Len(t, sc.report.Findings, 1)
			require.Equal(t, c.sev, sc.report.Findings[0].Severity)
			require.Contains(t, sc.report.Findings[0].Detail, c.text)
		})
	}
}

func TestDialAddressesMatchTheTransport(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://API.Example.com/":     "api.example.com:443",
		"http://bücher.example:8080/x": "xn--bcher-kva.example:8080",
		"http://[::1]:9/":              "[::1]:9",
		"http://127.0.0.1/":            "127.0.0.1:80",
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		require.Equal(t, want, hostPort(u), raw)
	}
}
