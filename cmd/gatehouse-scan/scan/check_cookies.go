package scan

import (
	"net/http"
	"regexp"
	"time"
)

// sessionName matches cookie names that usually hold a session or a token.
var sessionName = regexp.MustCompile(`(?i)sess|(^|[^a-z])sid([^a-z]|$)|token|auth|jwt|login|remember|refresh|(^|[^a-z])access([^a-z]|$)|identity`)

// csrfName matches the double-submit cookies that script must be able to
// read; they are not session cookies.
var csrfName = regexp.MustCompile(`(?i)csrf|xsrf`)

// jwtValue matches a JWT-shaped cookie value.
var jwtValue = regexp.MustCompile(`^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// observeCookies judges every Set-Cookie the scan receives.
func (sc *scanner) observeCookies(ex *exchange) {
	for _, line := range ex.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || !sessionLike(c) || deleted(c) {
			continue
		}
		ev := Evidence{Request: ex.requestLines(nil), Response: []string{clean(ex.proto + " " + ex.statusMsg), clean("Set-Cookie: " + redactSetCookie(line))}}
		if !c.HttpOnly {
			sc.addEx(idCookieHTTPOnly, c.Name, Medium, ex, "Cookie "+c.Name+" is readable by script.", ev)
		}
		if !c.Secure {
			sc.addEx(idCookieSecure, c.Name, Medium, ex, "Cookie "+c.Name+" is also sent over plain HTTP.", ev)
		}
		switch c.SameSite {
		case http.SameSiteLaxMode, http.SameSiteStrictMode:
		case http.SameSiteNoneMode:
			sc.addEx(idCookieSameSite, c.Name, Low, ex, "Cookie "+c.Name+" is SameSite=None: it rides along on cross-site requests.", ev)
		default:
			sc.addEx(idCookieSameSite, c.Name, Low, ex, "Cookie "+c.Name+" has no valid SameSite attribute.", ev)
		}
	}
}

// sessionLike reports whether a cookie looks like it carries a session.
func sessionLike(c *http.Cookie) bool {
	if csrfName.MatchString(c.Name) {
		return false
	}
	return sessionName.MatchString(c.Name) || jwtValue.MatchString(c.Value)
}

// deleted reports whether the cookie is being cleared (a logout), which
// carries no secret whatever its attributes.
func deleted(c *http.Cookie) bool {
	if c.MaxAge < 0 {
		return true
	}
	return !c.Expires.IsZero() && c.Expires.Before(time.Now())
}
