package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// checkAuth runs on every -protected path: the answer without credentials,
// forged tokens, and the valid token in the query string.
func (sc *scanner) checkAuth(ctx context.Context) error {
	if len(sc.s.protected) == 0 {
		sc.note("no -protected paths given: authentication checks skipped")
		return nil
	}
	if sc.s.Token != "" {
		if _, ok := parseJWT(sc.s.Token); !ok {
			sc.note("the -token is not a JWT: the alg none checks use an invented token and the signature checks are skipped")
		}
	}
	for _, u := range sc.s.protected {
		if err := sc.checkProtected(ctx, u); err != nil {
			return err
		}
	}
	return nil
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func (sc *scanner) checkProtected(ctx context.Context, u *url.URL) error {
	path := u.RequestURI()
	ex, err := sc.send(ctx, &request{method: http.MethodGet, url: u})
	if err != nil || ex == nil {
		return err
	}
	switch s := ex.status; {
	case s == http.StatusTooManyRequests:
		sc.note("%s answered 429 without credentials: authentication checks there are inconclusive", path)
		return nil
	case s == http.StatusNotFound || s == http.StatusMethodNotAllowed:
		sc.note("%s answered %d: is the -protected path right? authentication checks skipped there", path, s)
		return nil
	case s >= 200 && s < 300:
		sc.addEx(idAuthMissing, path, Critical, ex, "The protected path is served without credentials.",
			ex.evidence(nil, []string{"Content-Type"}))
		return nil
	case s == http.StatusUnauthorized:
		if len(ex.header.Values("WWW-Authenticate")) == 0 {
			sc.addEx(idAuthChallenge, path, Low, ex, "A 401 response does not say which authentication scheme to use.",
				ex.evidence(nil, []string{"WWW-Authenticate"}))
		}
	default:
		sc.addEx(idAuthMissing, path, Low, ex, fmt.Sprintf("A request without credentials is answered %d, not 401.", s),
			ex.evidence(nil, []string{"Location", "WWW-Authenticate"}))
	}

	valid := false
	if sc.s.Token != "" {
		ex, err := sc.send(ctx, &request{method: http.MethodGet, url: u, header: bearer(sc.s.Token), authLabel: "Bearer <the -token, redacted>"})
		if err != nil {
			return err
		}
		switch {
		case ex == nil:
		case ex.status >= 200 && ex.status < 300:
			valid = true
		default:
			sc.note("%s answered %d to the -token: the signature and query-string checks are skipped there", path, ex.status)
		}
	}

	for _, f := range forgeries(sc.s.Token, valid, time.Now()) {
		if sc.seen[f.rule+"\x00"+path] {
			continue
		}
		ex, err := sc.send(ctx, &request{method: http.MethodGet, url: u, header: bearer(f.token), authLabel: f.label})
		if err != nil {
			return err
		}
		switch {
		case ex == nil:
		case ex.status >= 200 && ex.status < 300:
			sc.addEx(f.rule, path, Critical, ex, "The protected path accepts "+f.what+".",
				ex.evidence([]string{"Authorization"}, []string{"Content-Type"}))
		case ex.status == http.StatusUnauthorized && len(ex.header.Values("WWW-Authenticate")) == 0:
			sc.addEx(idAuthChallenge, path, Low, ex, "A 401 response to an invalid token does not say which authentication scheme to use (RFC 6750: error=\"invalid_token\").",
				ex.evidence([]string{"Authorization"}, []string{"WWW-Authenticate"}))
		}
	}

	if !valid {
		return nil
	}
	for _, param := range []string{"access_token", "token"} {
		q := u.Query()
		q.Set(param, sc.s.Token)
		tu := *u
		tu.RawQuery = q.Encode()
		q.Set(param, "REDACTED")
		display := u.EscapedPath() + "?" + q.Encode()
		ex, err := sc.send(ctx, &request{method: http.MethodGet, url: &tu, display: display})
		if err != nil {
			return err
		}
		if ex != nil && ex.status >= 200 && ex.status < 300 {
			sc.addEx(idAuthQuery, path, Medium, ex, "The -token is accepted as the "+param+" query parameter (shown redacted).",
				ex.evidence(nil, []string{"Content-Type"}))
			break
		}
	}
	return nil
}
