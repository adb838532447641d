package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// Redacted is what a secret is replaced with when not even a fingerprint may
// be shown.
const Redacted = "[redacted]"

// Fingerprint returns a short, stable, non-reversible identifier of a
// high-entropy secret (a token, an API key, a session id): "sha256:" and the
// first 12 hex digits of its SHA-256. Two log lines about the same token can
// be correlated without the token being recoverable from either.
//
// Never fingerprint a password or any other guessable secret: a short hash of
// a low-entropy value can be brute-forced. Use Redacted for those.
func Fingerprint(secret string) string {
	if secret == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(secret))
	var b [7 + 12]byte
	copy(b[:], "sha256:")
	hex.Encode(b[7:], sum[:6])
	return string(b[:])
}

// sensitiveHeaders are the request and response headers whose values are
// credentials.
var sensitiveHeaders = map[string]bool{
	"Authorization":        true,
	"Proxy-Authorization":  true,
	"Cookie":               true,
	"Set-Cookie":           true,
	"X-Api-Key":            true,
	"X-Auth-Token":         true,
	"X-Csrf-Token":         true,
	"X-Xsrf-Token":         true,
	"X-Amz-Security-Token": true,
}

// IsSensitiveHeader reports whether a header's value is a credential that
// RedactHeader rewrites. The name is matched case-insensitively.
func IsSensitiveHeader(name string) bool {
	return sensitiveHeaders[http.CanonicalHeaderKey(name)]
}

// RedactHeader returns a header value safe to log. Credentials are replaced
// by fingerprints: "Bearer eyJ..." becomes "Bearer sha256:…", a Cookie's
// values are fingerprinted one by one with the cookie names kept, Set-Cookie
// keeps its name and attributes. Other headers are returned cleaned and
// bounded (see Clean).
func RedactHeader(name, value string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		scheme, cred, ok := strings.Cut(strings.TrimSpace(value), " ")
		if !ok {
			return Fingerprint(value)
		}
		return Clean(scheme, 32) + " " + Fingerprint(strings.TrimSpace(cred))
	case "Cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok {
				parts[i] = Redacted
				continue
			}
			parts[i] = Clean(k, 64) + "=" + Fingerprint(v)
		}
		return strings.Join(parts, "; ")
	case "Set-Cookie":
		first, attrs, _ := strings.Cut(value, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(first), "=")
		if !ok {
			return Redacted
		}
		out := Clean(k, 64) + "=" + Fingerprint(v)
		if attrs != "" {
			out += ";" + Clean(attrs, 256)
		}
		return out
	}
	if IsSensitiveHeader(name) {
		return Fingerprint(value)
	}
	return Clean(value, 256)
}

// RedactHeaders returns a copy of h fit for a log: every value passed through
// RedactHeader.
func RedactHeaders(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		rs := make([]string, len(vs))
		for i, v := range vs {
			rs[i] = RedactHeader(k, v)
		}
		out[k] = rs
	}
	return out
}
