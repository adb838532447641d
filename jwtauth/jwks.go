package jwtauth

import (
	"net/http"
	"strconv"
	"time"
)

// JWKSContentType is the media type of a JWK Set (RFC 7517, section 8.5).
const JWKSContentType = "application/jwk-set+json"

// DefaultJWKSMaxAge is how long clients may cache the published JWKS.
const DefaultJWKSMaxAge = 5 * time.Minute

// JWKSHandler serves the set's public keys, for example at
// /.well-known/jwks.json: the public members of every asymmetric key that
// verifies (HMAC secrets and private members are never published), with
// Cache-Control "public, max-age=..." (maxAge <= 0: DefaultJWKSMaxAge), a
// strong ETag and 304 answers to If-None-Match. Only GET and HEAD are
// allowed.
//
// Publish a new key (Add) at least maxAge before activating it, so that
// relying parties have fetched it by the time tokens use it.
func (s *KeySet) JWKSHandler(maxAge time.Duration) http.Handler {
	if maxAge <= 0 {
		maxAge = DefaultJWKSMaxAge
	}
	cacheControl := []string{"public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)}
	contentType := []string{JWKSContentType}
	nosniff := []string{"nosniff"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			problemMethodGet.Write(w)
			return
		}
		snap := s.snapshot()
		h := w.Header()
		h["Cache-Control"] = cacheControl
		h["Etag"] = []string{snap.etag}
		h["X-Content-Type-Options"] = nosniff
		if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, snap.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h["Content-Type"] = contentType
		h["Content-Length"] = []string{strconv.Itoa(len(snap.jwks))}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(snap.jwks)
		}
	})
}

// etagMatch reports whether an If-None-Match list names etag (weak
// comparison, RFC 9110 section 13.1.2).
func etagMatch(list, etag string) bool {
	for len(list) > 0 {
		i := 0
		for i < len(list) && (list[i] == ' ' || list[i] == '\t' || list[i] == ',') {
			i++
		}
		list = list[i:]
		j := 0
		for j < len(list) && list[j] != ',' {
			j++
		}
		tag := list[:j]
		for len(tag) > 0 && (tag[len(tag)-1] == ' ' || tag[len(tag)-1] == '\t') {
			tag = tag[:len(tag)-1]
		}
		if tag == "*" || tag == etag || tag == "W/"+etag {
			return true
		}
		list = list[j:]
	}
	return false
}
