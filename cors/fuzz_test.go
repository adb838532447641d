package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzAllowedOrigin checks configured origins and patterns: parsing never
// panics; an accepted exact origin is canonical and allows itself; an
// accepted pattern round-trips, and whatever it matches is a proper
// subdomain of its suffix with the same scheme and port.
func FuzzAllowedOrigin(f *testing.F) {
	for _, s := range []string{
		"https://example.com", "http://localhost:8080", "https://*.example.com", "https://*.example.com:8443",
		"HTTPS://Example.COM:443", "http://[::1]:3000", "null", "*", "https://*", "https://*.com", "h*",
		"https://a.*.example.com", "https://user@example.com", "https://example.com/", "example.com",
		"https://example.com:0", "http://*.0.0.1", "chrome-extension://abc", "https://*.*.example.com",
	} {
		f.Add(s, "https://a.example.com")
	}
	f.Add("https://example.com", "HTTPS://EXAMPLE.COM:443")
	f.Add("http://localhost:80", "http://localhost")
	f.Add("https://a.example:8443", "https://A.example:8443")
	f.Add("https://*.example.com", "https://x.EXAMPLE.com:443")
	f.Fuzz(func(t *testing.T, allowed, requested string) {
		exact, p, err := parseAllowedOrigin(allowed)
		if err != nil {
			if exact != "" || p != nil {
				t.Fatalf("error with a result for %q", allowed)
			}
			return
		}
		if p != nil {
			_, p2, err := parseAllowedOrigin(p.String())
			if err != nil || *p2 != *p {
				t.Fatalf("pattern %q does not round-trip: %q, %v", allowed, p.String(), err)
			}
			o, ok := parseOrigin(requested)
			if ok && p.match(o) {
				host := strings.ToLower(o.host)
				prefix := strings.TrimSuffix(host, p.suffix)
				if prefix == host || prefix == "" || strings.HasSuffix(prefix, ".") || strings.Contains(o.host, "*") {
					t.Fatalf("pattern %q matched %q", allowed, requested)
				}
			}
			return
		}
		o, ok := parseOrigin(exact)
		if !ok || !o.canonical() || string(o.appendCanonical(nil)) != exact {
			t.Fatalf("exact origin %q is not canonical: %q", allowed, exact)
		}
		c, err := New(Options{AllowedOrigins: []string{allowed}})
		if err != nil {
			t.Fatalf("New refused %q: %v", allowed, err)
		}
		if c.checkOrigin(nil, exact) != nil {
			t.Fatalf("%q does not allow its canonical form %q", allowed, exact)
		}
		if c.originAllowed(nil, requested) != (c.checkOrigin(nil, requested) == nil) {
			t.Fatalf("%q: the quick and the full check disagree on %q", allowed, requested)
		}
		if c.checkOrigin(nil, requested) == nil {
			ro, ok := parseOrigin(requested)
			if !ok || string(ro.appendCanonical(nil)) != exact {
				t.Fatalf("%q allowed %q", allowed, requested)
			}
		}
	})
}

// FuzzACRH checks Access-Control-Request-Headers parsing against a plain
// reference implementation, and that a preflight response stays bounded:
// only the expected fields, the echo being the request's own lines.
func FuzzACRH(f *testing.F) {
	for _, s := range []string{
		"", "content-type", "Content-Type, X-Request-Id", "x-request-id,content-type,x-request-id",
		" content-type\t,\tauthorization ", ",,,", strings.Repeat(",", 1000), "content-type;x", "x\x00",
		"authorization", "content-type\nx-request-id", strings.Repeat("content-type,", 100),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, star bool) {
		allowed := []string{"Content-Type", "X-Request-Id"}
		if star {
			allowed = []string{"*"}
		}
		set := newHeaderSet(allowed)
		lines := strings.Split(in, "\n")
		ok, any, read := set.scan(lines)
		wantOK, wantAny, within := referenceAccepts(set, lines)
		if ok && (!wantOK || any != wantAny) {
			t.Fatalf("accepted %q, reference says ok=%v any=%v", in, wantOK, wantAny)
		}
		if !ok && wantOK && within {
			t.Fatalf("refused %q, which is valid and within bounds", in)
		}
		bound := (set.maxNames + maxEmptyElements + 1) * (2*maxOWS + set.maxName + 1)
		if read > len(in) || (!ok && read > bound) {
			t.Fatalf("read %d bytes of %d (bound %d)", read, len(in), bound)
		}

		c, err := New(Options{AllowedOrigins: []string{"https://app.example.com"}, AllowedHeaders: allowed})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodOptions, "http://api.example.com/", nil)
		r.Header["Origin"] = []string{"https://app.example.com"}
		r.Header["Access-Control-Request-Method"] = []string{"GET"}
		r.Header["Access-Control-Request-Headers"] = lines
		w := httptest.NewRecorder()
		c.Handler(http.NotFoundHandler()).ServeHTTP(w, r)
		got := w.Header()["Access-Control-Allow-Headers"]
		switch {
		case ok && w.Code != http.StatusNoContent, !ok && w.Code != http.StatusForbidden:
			t.Fatalf("status %d for ok=%v", w.Code, ok)
		case !ok && len(w.Header()["Access-Control-Allow-Origin"]) != 0:
			t.Fatal("rejected preflight carries CORS headers")
		case got != nil && (!any || len(got) != len(lines)):
			t.Fatalf("echo %q for %q", got, lines)
		}
		if star && ok && referenceHasAuthorization(lines) {
			t.Fatal("star covered authorization")
		}
	})
}

// referenceAccepts is the obvious, allocating implementation of accepts,
// without its bounds; within reports whether the input respects them.
func referenceAccepts(set headerSet, lines []string) (ok, any, within bool) {
	names, empty := 0, 0
	within = true
	for _, line := range lines {
		for _, e := range strings.Split(line, ",") {
			left := len(e) - len(strings.TrimLeft(e, " \t"))
			right := len(e) - len(strings.TrimRight(e, " \t"))
			e = strings.Trim(e, " \t")
			if e == "" {
				empty++
				within = within && left+right <= maxOWS && empty <= maxEmptyElements
				continue
			}
			names++
			within = within && left <= maxOWS && right <= maxOWS && names <= set.maxNames && len(e) <= set.maxName
			if !validToken(e) || !set.allowed(strings.ToLower(e)) {
				return false, false, within
			}
			any = true
		}
	}
	return true, any, within
}

func referenceHasAuthorization(lines []string) bool {
	for _, line := range lines {
		for _, e := range strings.Split(line, ",") {
			if strings.EqualFold(strings.Trim(e, " \t"), "authorization") {
				return true
			}
		}
	}
	return false
}
