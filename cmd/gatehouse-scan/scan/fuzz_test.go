package scan

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzHSTSMaxAge(f *testing.F) {
	for _, s := range []string{"max-age=31536000; includeSubDomains", "max-age=0", `max-age="1"`, "max-age=1;max-age=2", ";;;", "max-age=99999999999999999999", "MAX-AGE = 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		age, ok := hstsMaxAge(v)
		if ok && (age < 0 || !strings.Contains(strings.ToLower(v), "max-age")) {
			t.Fatalf("hstsMaxAge(%q) = %d, true", v, age)
		}
		if !ok && age != 0 {
			t.Fatalf("hstsMaxAge(%q) = %d, false", v, age)
		}
	})
}

func FuzzForgeries(f *testing.F) {
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"a"}`))
	body := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"x"}`))
	for _, s := range []string{head + "." + body + ".c2ln", head + "." + body + ".", "a.b.c", "", "....", "eyJ9.e30.", head + ".!!.x"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, tok string, valid bool) {
		for _, fg := range forgeries(tok, valid, time.Unix(1700000000, 0)) {
			if strings.ContainsAny(fg.token, " \t\r\n") || fg.label == "" {
				t.Fatalf("bad forgery %+v", fg)
			}
			if fg.rule != idAuthAlgNone {
				continue
			}
			h, _, _ := strings.Cut(fg.token, ".")
			hb, err := base64.RawURLEncoding.DecodeString(h)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(hb, &m); err != nil {
				t.Fatal(err)
			}
			if alg, _ := m["alg"].(string); !strings.EqualFold(alg, "none") {
				t.Fatalf("alg %q", alg)
			}
			if !strings.HasSuffix(fg.token, ".") || strings.Count(fg.token, ".") != 2 {
				t.Fatalf("unsigned token %q", fg.token)
			}
		}
	})
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J\x07", "a\r\nb", "\u202e\u2028", "\xff\xfe", strings.Repeat("x", 500)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s)
		if !utf8.ValidString(c) || utf8.RuneCountInString(c) > maxLine+1 {
			t.Fatalf("clean(%q) = %q", s, c)
		}
		for _, r := range c {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
				t.Fatalf("clean(%q) kept %U", s, r)
			}
		}
	})
}

func FuzzHeaderJudgements(f *testing.F) {
	f.Add("DENY", "frame-ancestors 'none'", "no-referrer, unsafe-url", "Origin, Accept", "GET, *", "session=abc; HttpOnly; Secure; SameSite=Lax")
	f.Add("", ";;;frame-ancestors", ",,,", "*", "", "=;;")
	f.Fuzz(func(t *testing.T, xfo, csp, referrer, vary, list, setCookie string) {
		h := http.Header{"X-Frame-Options": {xfo}, "Content-Security-Policy": {csp}, "Referrer-Policy": {referrer}, "Vary": {vary}}
		framingProtected(h)
		if p, ok := referrerPolicy(h); ok && p == "" {
			t.Fatal("a safe policy with no name")
		}
		varies(h, "Origin")
		listAllows([]string{list}, probeMethod, false)
		if c, err := http.ParseSetCookie(setCookie); err == nil {
			sessionLike(c)
			if out := redactSetCookie(setCookie); len(c.Value) >= 8 && !strings.Contains(c.Name, c.Value) && strings.Contains(out, c.Value) &&
				!strings.Contains(setCookie[strings.Index(setCookie, c.Value)+len(c.Value):], c.Value) {
				t.Fatalf("value %q shown in %q", c.Value, out)
			}
		}
		findStack([]byte(csp + referrer + list))
	})
}
