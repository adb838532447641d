package apikey

import (
	"fmt"
	"net/http"
	"strings"
)

// Source names where the middleware reads keys from. Only request headers
// are possible: keys in the URL query end up in access logs, proxy logs,
// browser history and Referer headers, so New refuses any "query:" (or
// "form:", "cookie:") source even when configured explicitly.
type Source string

// Sources.
const (
	// SourceHeader is the X-API-Key header.
	SourceHeader Source = "header:X-API-Key"
	// SourceBearer is the Authorization header with the Bearer scheme
	// (RFC 6750, section 2.1): "Authorization: Bearer <key>". An
	// Authorization header with another scheme (Basic, a JWT middleware's
	// own) is not a key and is ignored.
	SourceBearer Source = "bearer"
)

// HeaderSource returns the Source reading keys from the named header.
func HeaderSource(name string) Source { return Source("header:" + name) }

// source is a parsed Source.
type source struct {
	header string // canonical header key, for direct map access
	name   string // the header name as configured, for challenges
	bearer bool
}

func parseSources(list []Source) ([]source, error) {
	if len(list) == 0 {
		list = []Source{SourceHeader, SourceBearer}
	}
	out := make([]source, 0, len(list))
	for _, s := range list {
		var src source
		kind, arg, _ := strings.Cut(string(s), ":")
		switch strings.ToLower(strings.TrimSpace(kind)) {
		case "bearer":
			if arg != "" {
				return nil, fmt.Errorf("apikey: source %q: bearer takes no argument", string(s))
			}
			src = source{header: "Authorization", name: "Authorization", bearer: true}
		case "header":
			name := strings.TrimSpace(arg)
			if !validHeaderName(name) {
				return nil, fmt.Errorf("apikey: source %q: invalid header name", string(s))
			}
			canon := http.CanonicalHeaderKey(name)
			switch canon {
			case "Authorization", "Proxy-Authorization":
				return nil, fmt.Errorf("apikey: source %q: use SourceBearer for the Authorization header", string(s))
			case "Cookie", "Set-Cookie":
				return nil, fmt.Errorf("apikey: source %q: keys in cookies are not supported (they would be sent by browsers on cross-site requests)", string(s))
			}
			src = source{header: canon, name: name}
		case "query", "url", "param", "form", "path":
			return nil, fmt.Errorf("apikey: source %q refused: keys in the URL or form end up in access logs, browser history and Referer headers; send them in a header", string(s))
		default:
			return nil, fmt.Errorf("apikey: unknown source %q (use SourceHeader, SourceBearer or HeaderSource)", string(s))
		}
		dup := false
		for _, o := range out {
			if o.header == src.header && o.bearer == src.bearer {
				dup = true
			}
		}
		if !dup {
			out = append(out, src)
		}
	}
	return out, nil
}

// validHeaderName reports whether name is an RFC 9110 field name (a token).
func validHeaderName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// extract returns the one key the request carries in the configured
// sources. All sources are read, whatever their order: no key anywhere is
// ErrMissing; two different keys, or a source header repeated, is
// ErrConflict. The same key in two sources is accepted. An empty value
// counts as absent. It allocates nothing.
func extract(r *http.Request, sources []source) (string, error) {
	key, found := "", false
	for i := range sources {
		s := &sources[i]
		vals := r.Header[s.header]
		if len(vals) == 0 {
			continue
		}
		if len(vals) > 1 {
			if !s.bearer {
				return "", ErrConflict
			}
			// Several Authorization headers: refuse only when one is Bearer.
			n := 0
			for _, v := range vals {
				if _, ok := bearerToken(v); ok {
					n++
				}
			}
			if n > 0 {
				return "", ErrConflict
			}
			continue
		}
		v := vals[0]
		if s.bearer {
			tok, ok := bearerToken(v)
			if !ok {
				continue // another scheme: not for us
			}
			v = tok
		}
		if v == "" {
			continue
		}
		if found && v != key {
			return "", ErrConflict
		}
		key, found = v, true
	}
	if !found {
		return "", ErrMissing
	}
	return key, nil
}

// bearerToken returns the credentials of an Authorization header value with
// the Bearer scheme (case-insensitive, RFC 9110 section 11.1), skipping the
// spaces after the scheme. ok is false for any other scheme.
func bearerToken(v string) (tok string, ok bool) {
	const scheme = "bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false
	}
	if len(v) == len(scheme) {
		return "", true
	}
	if v[len(scheme)] != ' ' {
		return "", false // "Bearerx ..." is another scheme
	}
	return strings.TrimLeft(v[len(scheme):], " "), true
}
