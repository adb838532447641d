package jwtauth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/csrf"
)

// Cookie defaults.
const (
	DefaultAccessCookie          = "__Host-access_token"
	DefaultRefreshCookie         = "__Secure-refresh_token"
	DefaultInsecureAccessCookie  = "access_token"
	DefaultInsecureRefreshCookie = "refresh_token"
	DefaultRefreshPath           = "/auth/refresh"
)

// CookieOptions configures cookie mode: tokens travel in HttpOnly cookies
// that scripts cannot read, and every unsafe request (not GET, HEAD or
// OPTIONS) authenticated by the access cookie must carry the csrf
// package's double-submit token, bound to the token's session ("sid").
type CookieOptions struct {
	// CSRF issues the CSRF token at login and refresh, and verifies it on
	// unsafe requests. Required; build it with csrf.NewTokens. Its MaxAge
	// should be at least RefreshTTL: the refresh endpoint accepts a genuine
	// but expired CSRF token (and issues a new one), but the csrf package
	// records each such check as a failed one.
	CSRF *csrf.Tokens
	// AccessName names the access-token cookie. Default
	// "__Host-access_token" (the prefix makes browsers require Secure,
	// Path=/ and no Domain), or "access_token" with InsecureCookie.
	AccessName string
	// RefreshName names the refresh-token cookie. Default
	// "__Secure-refresh_token", or "refresh_token" with InsecureCookie.
	RefreshName string
	// RefreshPath is the Path of the refresh cookie, so that browsers send
	// the refresh token only to the refresh endpoint. Default "/auth/refresh".
	RefreshPath string
	// SameSite of both cookies. Default (zero) http.SameSiteStrictMode;
	// Lax is accepted; None needs a Secure cookie.
	SameSite http.SameSite
	// InsecureCookie drops the Secure attribute, for local development
	// over plain HTTP only. Default false.
	InsecureCookie bool
}

type cookieMode struct {
	csrf        *csrf.Tokens
	accessName  string
	refreshName string
	refreshPath string
	sameSite    http.SameSite
	secure      bool
}

func newCookieMode(o *CookieOptions) (*cookieMode, error) {
	if o.CSRF == nil {
		return nil, errors.New("jwtauth: cookie mode needs Cookie.CSRF (csrf.NewTokens)")
	}
	c := &cookieMode{
		csrf: o.CSRF, accessName: o.AccessName, refreshName: o.RefreshName,
		refreshPath: o.RefreshPath, sameSite: o.SameSite, secure: !o.InsecureCookie,
	}
	if c.accessName == "" {
		c.accessName = DefaultAccessCookie
		if !c.secure {
			c.accessName = DefaultInsecureAccessCookie
		}
	}
	if c.refreshName == "" {
		c.refreshName = DefaultRefreshCookie
		if !c.secure {
			c.refreshName = DefaultInsecureRefreshCookie
		}
	}
	if c.refreshPath == "" {
		c.refreshPath = DefaultRefreshPath
	}
	switch {
	case !cookieName(c.accessName) || !cookieName(c.refreshName):
		return nil, errors.New("jwtauth: cookie names must be RFC 6265 tokens")
	case c.accessName == c.refreshName || c.accessName == o.CSRF.CookieName() || c.refreshName == o.CSRF.CookieName():
		return nil, errors.New("jwtauth: cookie names must differ from each other and from the CSRF cookie")
	case !c.secure && (prefixed(c.accessName) || prefixed(c.refreshName)):
		return nil, errors.New("jwtauth: __Host- and __Secure- cookie names require a Secure cookie")
	case strings.HasPrefix(c.refreshName, "__Host-") && c.refreshPath != "/":
		return nil, errors.New("jwtauth: a __Host- refresh cookie requires RefreshPath \"/\"")
	case !strings.HasPrefix(c.refreshPath, "/") || strings.ContainsAny(c.refreshPath, ";\"\\ ") || !printable(c.refreshPath):
		return nil, errors.New("jwtauth: RefreshPath must be an absolute path without ';', quotes or spaces")
	}
	switch c.sameSite {
	case 0, http.SameSiteDefaultMode:
		c.sameSite = http.SameSiteStrictMode
	case http.SameSiteStrictMode, http.SameSiteLaxMode:
	case http.SameSiteNoneMode:
		if !c.secure {
			return nil, errors.New("jwtauth: SameSite=None requires a Secure cookie")
		}
	default:
		return nil, errors.New("jwtauth: unknown SameSite mode")
	}
	return c, nil
}

func prefixed(name string) bool {
	return strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")
}

func cookieName(s string) bool {
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

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (c *cookieMode) cookie(name, value, path string, expires, now time.Time) *http.Cookie {
	maxAge := -1
	if value != "" {
		maxAge = max(int(expires.Sub(now)/time.Second), 1)
	}
	return &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: c.sameSite,
	}
}

// SetCookies sets the access and refresh cookies of p and issues a CSRF
// token bound to p's session (also returned, and set in p.CSRFToken), in
// cookie mode. Login and the refresh handler call it; call it yourself
// after Issue or Refresh.
func (a *Auth[T]) SetCookies(w http.ResponseWriter, p *Pair) (string, error) {
	c := a.cookie
	if c == nil {
		return "", errors.New("jwtauth: SetCookies needs cookie mode")
	}
	now := a.now()
	http.SetCookie(w, c.cookie(c.accessName, p.AccessToken, "/", p.AccessExpiresAt, now))
	http.SetCookie(w, c.cookie(c.refreshName, p.RefreshToken, c.refreshPath, p.RefreshExpiresAt, now))
	tok, err := c.csrf.Issue(w, p.SessionID)
	if err != nil {
		return "", err
	}
	p.CSRFToken = tok
	return tok, nil
}

// ClearCookies expires the access, refresh and CSRF cookies (logout). It
// does nothing outside cookie mode.
func (a *Auth[T]) ClearCookies(w http.ResponseWriter) {
	c := a.cookie
	if c == nil {
		return
	}
	http.SetCookie(w, c.cookie(c.accessName, "", "/", time.Time{}, time.Time{}))
	http.SetCookie(w, c.cookie(c.refreshName, "", c.refreshPath, time.Time{}, time.Time{}))
	c.csrf.Clear(w)
}

// cookieValue returns the value of the cookie called name in h without
// allocating. Two cookies of that name (one planted by a sibling domain)
// are refused rather than guessed between.
func cookieValue(h http.Header, name string) (string, bool, error) {
	var found string
	n := 0
	for _, line := range h["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.Trim(part, " \t")
			k, v, ok := strings.Cut(part, "=")
			if !ok || k != name {
				continue
			}
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			found = v
			n++
		}
	}
	switch {
	case n > 1:
		return "", false, ErrInvalidRequest
	case n == 0 || found == "":
		return "", false, nil
	}
	return found, true, nil
}
