package csrf

import (
	"errors"
	"net/http"
	"path"
	"strings"
)

// bypassRule lists the methods a bypassed path is exempt for; any is set
// when the pattern named no method.
type bypassRule struct {
	any     bool
	methods []string
}

// parseBypass validates patterns of the form "[METHOD ]/exact/path" and
// builds the lookup table. Paths are matched exactly: no wildcards, no
// prefixes, no trailing-slash or cleaning redirects. A bad pattern is an
// error, never a panic.
func parseBypass(patterns []string) (map[string]bypassRule, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	m := make(map[string]bypassRule, len(patterns))
	for _, p := range patterns {
		method, pth, hasMethod := strings.Cut(p, " ")
		if !hasMethod {
			method, pth = "", p
		} else if !isToken(method) {
			return nil, errors.New("csrf: bypass pattern method is not a valid method token")
		}
		if err := validBypassPath(pth); err != nil {
			return nil, err
		}
		rule := m[pth]
		if method == "" {
			rule.any = true
		} else {
			rule.methods = append(rule.methods, method)
		}
		m[pth] = rule
	}
	return m, nil
}

func validBypassPath(p string) error {
	if p == "" || p[0] != '/' {
		return errors.New("csrf: bypass pattern path must start with /")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("?#%{}*\\", c) >= 0 {
			return errors.New("csrf: bypass pattern path must be a plain exact path (no wildcards, query, escapes or spaces)")
		}
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	if clean != p {
		return errors.New("csrf: bypass pattern path must be clean (no //, . or .. segments)")
	}
	return nil
}

// bypassed reports whether r's method and path match a bypass pattern
// exactly. Only paths in their canonical encoding match (RawPath empty), so
// that "/hook%2Fx" cannot pass for "/hook/x" when a router routes on the raw
// path.
func (p *Protection) bypassed(r *http.Request) bool {
	if p.bypass == nil || r.URL == nil || r.URL.RawPath != "" {
		return false
	}
	rule, ok := p.bypass[r.URL.Path]
	if !ok {
		return false
	}
	if rule.any {
		return true
	}
	for _, m := range rule.methods {
		if m == r.Method {
			return true
		}
	}
	return false
}
