package headers

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// pick resolves a header option: "" gives def ("" = not sent), Omit gives
// nothing, anything else must be visible ASCII and, when allowed is not
// empty, one of allowed (case-insensitive; the canonical spelling is sent).
func pick(name, v, def string, allowed ...string) (string, error) {
	switch v {
	case "":
		return def, nil
	case Omit:
		return "", nil
	}
	if !visibleASCII(v) || strings.TrimSpace(v) != v {
		return "", fmt.Errorf("headers: %s value must be printable ASCII without surrounding space", name)
	}
	if len(allowed) == 0 {
		return v, nil
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	return "", fmt.Errorf("headers: %s must be one of %s", name, strings.Join(allowed, ", "))
}

// visibleASCII reports whether s holds only printable ASCII and spaces: no
// control characters, so no header injection.
func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

var referrerPolicies = map[string]bool{
	"no-referrer": true, "no-referrer-when-downgrade": true, "origin": true, "origin-when-cross-origin": true,
	"same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true, "unsafe-url": true,
}

// referrerPolicy validates a Referrer-Policy: one token, or a
// comma-separated fallback list, of known policies.
func referrerPolicy(v string) (string, error) {
	v, err := pick("Referrer-Policy", v, "no-referrer")
	if err != nil || v == "" {
		return v, err
	}
	for _, p := range strings.Split(v, ",") {
		if !referrerPolicies[strings.ToLower(strings.TrimSpace(p))] {
			return "", errors.New("headers: unknown Referrer-Policy value")
		}
	}
	return v, nil
}

// hsts validates a Strict-Transport-Security value (RFC 6797, section 6.1)
// and the preload list's requirements.
func hsts(v string, preload bool) (string, error) {
	if v == "" {
		if preload {
			return DefaultStrictTransportSecurity + "; preload", nil
		}
		return DefaultStrictTransportSecurity, nil
	}
	if preload {
		return "", errors.New("headers: HSTSPreload applies to the default HSTS value; write preload in StrictTransportSecurity instead")
	}
	if v == Omit {
		return "", nil
	}
	if !visibleASCII(v) {
		return "", errors.New("headers: Strict-Transport-Security must be printable ASCII")
	}
	maxAge := int64(-1)
	var sub, pre bool
	for _, d := range strings.Split(v, ";") {
		d = strings.TrimSpace(d)
		name, val, hasVal := strings.Cut(d, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch {
		case name == "max-age" && hasVal && maxAge < 0:
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || val == "" || val[0] == '+' {
				return "", errors.New("headers: HSTS max-age must be a non-negative number of seconds")
			}
			maxAge = n
		case name == "includesubdomains" && !hasVal && !sub:
			sub = true
		case name == "preload" && !hasVal && !pre:
			pre = true
		default:
			return "", errors.New("headers: HSTS takes max-age, includeSubDomains and preload, each once")
		}
	}
	if maxAge < 0 {
		return "", errors.New("headers: HSTS requires max-age")
	}
	if pre && (!sub || maxAge < 31536000) {
		return "", errors.New("headers: HSTS preload requires includeSubDomains and a max-age of at least one year")
	}
	return v, nil
}

// permissionsPolicy validates a Permissions-Policy structured-field
// dictionary: feature=() , feature=*, feature=self, feature=(self "https://x").
func permissionsPolicy(v string) (string, error) {
	v, err := pick("Permissions-Policy", v, DefaultPermissionsPolicy)
	if err != nil || v == "" {
		return v, err
	}
	seen := map[string]bool{}
	for _, m := range strings.Split(v, ",") {
		name, list, ok := strings.Cut(strings.TrimSpace(m), "=")
		if !ok || !validFeature(name) || seen[name] {
			return "", errors.New("headers: Permissions-Policy members must be distinct feature=allowlist pairs")
		}
		seen[name] = true
		if !validAllowlist(list) {
			return "", fmt.Errorf("headers: Permissions-Policy allowlist of %q must be (), *, self or a parenthesised list", name)
		}
	}
	return v, nil
}

func validFeature(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validAllowlist(s string) bool {
	if s == "*" || s == "self" {
		return true
	}
	inner, ok := strings.CutPrefix(s, "(")
	if !ok {
		return false
	}
	if inner, ok = strings.CutSuffix(inner, ")"); !ok {
		return false
	}
	for _, item := range strings.Fields(inner) {
		switch {
		case item == "self", item == "src", item == "*":
		case len(item) >= 2 && item[0] == '"' && item[len(item)-1] == '"' &&
			!strings.ContainsAny(item[1:len(item)-1], "\"\\"):
		default:
			return false
		}
	}
	return true
}

// reportingEndpoints validates the group map and renders the
// Reporting-Endpoints header, groups sorted by name.
func reportingEndpoints(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	names := make([]string, 0, len(m))
	for name, u := range m {
		if !sfKey(name) {
			return "", errors.New("headers: reporting endpoint group name must be a structured-field key (lowercase letters, digits, _ - . *)")
		}
		if !visibleASCII(u) || strings.ContainsAny(u, "\" ,\\") {
			return "", errors.New("headers: reporting endpoint URL must be printable ASCII without quotes, commas or spaces")
		}
		if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
			names = append(names, name)
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme != "https" || pu.Host == "" || pu.User != nil {
			return "", errors.New("headers: reporting endpoint must be an absolute https URL or a path")
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(m[name])
		b.WriteByte('"')
	}
	return b.String(), nil
}

// sfKey reports whether s is a structured-field dictionary key (RFC 8941,
// section 3.1.2): lcalpha or "*" first, then lcalpha, digits, "_-.*".
func sfKey(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] == '*') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("_-.*", c) >= 0) {
			return false
		}
	}
	return true
}
