package headers

import (
	"errors"
	"fmt"
	"strings"
)

// NonceSource is the placeholder for the per-request nonce in a
// Content-Security-Policy: write it as a source of script-src or style-src
// ("script-src 'self' {nonce}"), and every response carries a fresh
// 'nonce-…' there, readable by templates through Nonce(ctx).
const NonceSource = "{nonce}"

// CSP source keywords, quoted as the policy syntax requires.
const (
	Self           = "'self'"
	None           = "'none'"
	UnsafeInline   = "'unsafe-inline'"
	UnsafeEval     = "'unsafe-eval'"
	StrictDynamic  = "'strict-dynamic'"
	UnsafeHashes   = "'unsafe-hashes'"
	ReportSample   = "'report-sample'"
	WasmUnsafeEval = "'wasm-unsafe-eval'"
)

// Directive is one Content-Security-Policy directive: a name and its values.
type Directive struct {
	Name   string
	Values []string
}

// Policy builds a Content-Security-Policy value. Empty fields produce no
// directive; String writes the directives in a fixed order, then Other.
// The result is validated by New like any policy string.
type Policy struct {
	DefaultSrc     []string
	ScriptSrc      []string
	ScriptSrcAttr  []string
	StyleSrc       []string
	ImgSrc         []string
	FontSrc        []string
	ConnectSrc     []string
	MediaSrc       []string
	ObjectSrc      []string
	FrameSrc       []string
	WorkerSrc      []string
	ManifestSrc    []string
	BaseURI        []string
	FormAction     []string
	FrameAncestors []string
	// UpgradeInsecureRequests adds upgrade-insecure-requests.
	UpgradeInsecureRequests bool
	// RequireTrustedTypes adds require-trusted-types-for 'script'.
	RequireTrustedTypes bool
	// ReportTo names a Reporting-Endpoints group (see Options.ReportingEndpoints).
	ReportTo string
	// ReportURI lists the legacy report-uri endpoints, for browsers without
	// report-to.
	ReportURI []string
	// Other holds further directives, written last in order.
	Other []Directive
}

// String returns the policy as a header value.
func (p Policy) String() string {
	var b strings.Builder
	add := func(name string, values []string) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		for _, v := range values {
			b.WriteByte(' ')
			b.WriteString(v)
		}
	}
	for _, d := range []Directive{
		{"default-src", p.DefaultSrc}, {"script-src", p.ScriptSrc}, {"script-src-attr", p.ScriptSrcAttr},
		{"style-src", p.StyleSrc}, {"img-src", p.ImgSrc}, {"font-src", p.FontSrc},
		{"connect-src", p.ConnectSrc}, {"media-src", p.MediaSrc}, {"object-src", p.ObjectSrc},
		{"frame-src", p.FrameSrc}, {"worker-src", p.WorkerSrc}, {"manifest-src", p.ManifestSrc},
		{"base-uri", p.BaseURI}, {"form-action", p.FormAction}, {"frame-ancestors", p.FrameAncestors},
	} {
		if len(d.Values) > 0 {
			add(d.Name, d.Values)
		}
	}
	if p.UpgradeInsecureRequests {
		add("upgrade-insecure-requests", nil)
	}
	if p.RequireTrustedTypes {
		add("require-trusted-types-for", []string{"'script'"})
	}
	for _, d := range p.Other {
		add(d.Name, d.Values)
	}
	if p.ReportTo != "" {
		add("report-to", []string{p.ReportTo})
	}
	if len(p.ReportURI) > 0 {
		add("report-uri", p.ReportURI)
	}
	return b.String()
}

// knownDirectives are the CSP Level 3 directives (and widely shipped
// extensions) New accepts; the value says whether the directive takes a
// source list.
var knownDirectives = map[string]bool{
	"default-src": true, "script-src": true, "script-src-elem": true, "script-src-attr": true,
	"style-src": true, "style-src-elem": true, "style-src-attr": true, "img-src": true,
	"font-src": true, "connect-src": true, "media-src": true, "object-src": true,
	"frame-src": true, "child-src": true, "worker-src": true, "manifest-src": true,
	"fenced-frame-src": true, "base-uri": true, "form-action": true, "frame-ancestors": true,
	"sandbox": false, "upgrade-insecure-requests": false, "report-uri": false, "report-to": false,
	"require-trusted-types-for": false, "trusted-types": false, "webrtc": false,
}

// deprecatedDirectives are refused with a pointer to the replacement.
var deprecatedDirectives = map[string]string{
	"block-all-mixed-content": "use upgrade-insecure-requests",
	"plugin-types":            "use object-src 'none'",
	"prefetch-src":            "removed from browsers",
	"navigate-to":             "removed from the specification",
	"referrer":                "use the Referrer-Policy header",
	"reflected-xss":           "removed from browsers",
}

// keywords are the CSP keyword sources, which must be single-quoted.
var keywords = map[string]bool{
	"self": true, "none": true, "unsafe-inline": true, "unsafe-eval": true, "strict-dynamic": true,
	"unsafe-hashes": true, "report-sample": true, "unsafe-allow-redirects": true,
	"wasm-unsafe-eval": true, "inline-speculation-rules": true,
}

// cspInfo is what New needs to know about a validated policy.
type cspInfo struct {
	nonce    bool
	reportTo string
}

// validateCSP checks a policy string: one policy (no comma), known and
// non-duplicated directive names, quoted keywords, 'none' alone, hashes
// well-formed, no literal nonces (a fixed nonce defeats its purpose; use
// NonceSource), the nonce placeholder only in fetch directives, and only
// visible ASCII.
func validateCSP(policy string) (cspInfo, error) {
	var info cspInfo
	if strings.TrimSpace(policy) == "" {
		return info, errors.New("headers: content security policy is empty (use Omit to send none)")
	}
	if !visibleASCII(policy) {
		return info, errors.New("headers: content security policy must be printable ASCII")
	}
	if strings.IndexByte(policy, ',') >= 0 {
		return info, errors.New("headers: content security policy contains a comma, which starts a second policy")
	}
	seen := map[string]bool{}
	for _, raw := range strings.Split(policy, ";") {
		fields := strings.Fields(raw)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		values := fields[1:]
		if why, ok := deprecatedDirectives[name]; ok {
			return info, fmt.Errorf("headers: csp directive %q is deprecated: %s", name, why)
		}
		fetch, known := knownDirectives[name]
		if !known {
			return info, fmt.Errorf("headers: unknown csp directive %q", name)
		}
		if seen[name] {
			return info, fmt.Errorf("headers: csp directive %q appears twice (browsers ignore the second)", name)
		}
		seen[name] = true
		switch name {
		case "upgrade-insecure-requests":
			if len(values) > 0 {
				return info, errors.New("headers: upgrade-insecure-requests takes no value")
			}
		case "report-to":
			if len(values) != 1 || !isToken(values[0]) {
				return info, errors.New("headers: report-to takes one endpoint group name")
			}
			info.reportTo = values[0]
		case "report-uri":
			if len(values) == 0 {
				return info, errors.New("headers: report-uri needs at least one URL")
			}
		}
		if fetch {
			if len(values) == 0 {
				return info, fmt.Errorf("headers: csp directive %q has no sources (use 'none')", name)
			}
			nonce, err := checkSources(name, values)
			if err != nil {
				return info, err
			}
			info.nonce = info.nonce || nonce
		} else if strings.Contains(strings.Join(values, " "), NonceSource) {
			return info, fmt.Errorf("headers: the nonce placeholder is only valid in a -src directive, not %q", name)
		}
	}
	if len(seen) == 0 {
		return info, errors.New("headers: content security policy has no directives")
	}
	return info, nil
}

// checkSources validates a source list and reports whether it holds the
// nonce placeholder.
func checkSources(name string, values []string) (nonce bool, err error) {
	for _, v := range values {
		lv := strings.ToLower(v)
		switch {
		case v == NonceSource:
			nonce = true
		case strings.Contains(v, NonceSource):
			return false, errors.New("headers: the nonce placeholder must be a source of its own")
		case keywords[lv]:
			return false, fmt.Errorf("headers: csp keyword %q in %s must be single-quoted ('%s')", v, name, lv)
		case strings.HasPrefix(lv, "'nonce-"):
			return false, fmt.Errorf("headers: fixed nonce in %s: use the %s placeholder for a per-request nonce", name, NonceSource)
		case strings.HasPrefix(lv, "'sha256-"), strings.HasPrefix(lv, "'sha384-"), strings.HasPrefix(lv, "'sha512-"):
			if !validHashSource(v) {
				return false, fmt.Errorf("headers: malformed hash source in %s", name)
			}
		case strings.HasPrefix(v, "'"):
			if !strings.HasSuffix(v, "'") || len(v) < 3 || !keywords[lv[1:len(lv)-1]] {
				return false, fmt.Errorf("headers: unknown quoted csp source in %s", name)
			}
		}
	}
	if len(values) > 1 {
		for _, v := range values {
			if strings.EqualFold(v, None) {
				return false, fmt.Errorf("headers: 'none' must be the only source of %s", name)
			}
		}
	}
	return nonce, nil
}

// validHashSource checks 'shaNNN-<base64>' with the digest length of NNN.
func validHashSource(v string) bool {
	if len(v) < 2 || !strings.HasSuffix(v, "'") {
		return false
	}
	inner := v[1 : len(v)-1]
	alg, b64, _ := strings.Cut(inner, "-")
	want := map[string]int{"sha256": 44, "sha384": 64, "sha512": 88}[strings.ToLower(alg)]
	if len(b64) != want {
		return false
	}
	for i := 0; i < len(b64); i++ {
		c := b64[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '+' || c == '/' || c == '-' || c == '_' || c == '=') {
			return false
		}
	}
	return true
}

// nonceTemplate is a policy split around its nonce placeholders.
type nonceTemplate struct {
	parts []string
	size  int
}

func newNonceTemplate(policy string) nonceTemplate {
	t := nonceTemplate{parts: strings.Split(policy, NonceSource)}
	for _, p := range t.parts {
		t.size += len(p)
	}
	return t
}

// render writes the policy with 'nonce-<nonce>' in every placeholder and
// returns it with the offset of the first nonce in it, so that the caller
// can take the nonce as a substring instead of allocating it again.
func (t nonceTemplate) render(nonce []byte) (string, int) {
	var b strings.Builder
	b.Grow(t.size + (len(t.parts)-1)*(len(nonce)+len("'nonce-'")))
	at := -1
	for i, p := range t.parts {
		if i > 0 {
			b.WriteString("'nonce-")
			if at < 0 {
				at = b.Len()
			}
			b.Write(nonce)
			b.WriteByte('\'')
		}
		b.WriteString(p)
	}
	return b.String(), at
}
