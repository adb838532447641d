package headers

import (
	"errors"
	"net/http"
	"strings"
)

// redirectConfig validates the HTTPS redirect options. The Location host is
// either configured or the request's own Host after it passed AllowedHosts;
// never X-Forwarded-Host or an unchecked Host.
func (h *Headers) redirectConfig(opts Options) error {
	switch opts.RedirectStatus {
	case 0, http.StatusPermanentRedirect:
	default:
		return errors.New("headers: RedirectStatus must be 0 or 308")
	}
	if !opts.RedirectHTTPS {
		if opts.RedirectHost != "" || opts.RedirectStatus != 0 {
			return errors.New("headers: RedirectHost or RedirectStatus is set but RedirectHTTPS is not")
		}
		return nil
	}
	h.redirect = true
	h.always308 = opts.RedirectStatus == http.StatusPermanentRedirect
	if opts.RedirectHost == "" {
		if h.hosts == nil {
			return errors.New("headers: RedirectHTTPS needs RedirectHost or AllowedHosts, so that the redirect never targets an unchecked Host")
		}
		return nil
	}
	host, _, ok := splitHost(opts.RedirectHost)
	if !ok || !validHost(host) || strings.HasPrefix(host, "*") {
		return errors.New("headers: RedirectHost must be host[:port], without scheme or path")
	}
	h.rHost = opts.RedirectHost
	return nil
}

// redirectTo answers a plain-HTTP request with a redirect to the same path
// and query over HTTPS: 301 for GET and HEAD, 308 for other methods so that
// the client repeats the method and body (308 for all with RedirectStatus).
func (h *Headers) redirectTo(w http.ResponseWriter, r *http.Request) {
	host := h.rHost
	if host == "" {
		// Only reached when AllowedHosts matched r.Host. The port is dropped:
		// the HTTPS listener is on 443 unless RedirectHost says otherwise.
		host, _, _ = splitHost(r.Host)
	}
	path := "/"
	query := ""
	if r.URL != nil {
		if p := r.URL.EscapedPath(); strings.HasPrefix(p, "/") {
			path = p
		}
		if safeURLPart(r.URL.RawQuery) {
			query = r.URL.RawQuery
		}
	}
	var b strings.Builder
	b.Grow(len("https://") + len(host) + len(path) + 1 + len(query))
	b.WriteString("https://")
	b.WriteString(host)
	b.WriteString(path)
	if query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	w.Header()[keyLocation] = []string{b.String()}
	status := http.StatusPermanentRedirect
	if !h.always308 && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		status = http.StatusMovedPermanently
	}
	w.WriteHeader(status)
}

// safeURLPart reports whether s holds only visible ASCII, so that it cannot
// break out of the Location header.
func safeURLPart(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
