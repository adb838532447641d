package password

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizePassword returns the form of a password that is checked and
// hashed: Unicode Normalization Form KC (NFKC), as NIST SP 800-63B-4 §3.1.1.2
// recommends ("either the NFKC or NFKD normalization"), so that the same
// password typed on two keyboards (a precomposed "é" or "e" + combining
// accent, a full-width "Ａ" or "A") is the same password. Nothing else
// changes: case and spaces are kept, nothing is truncated. ASCII is returned
// as is, without allocating. Invalid UTF-8 is kept byte for byte.
func NormalizePassword(s string) string {
	if isASCII(s) || !utf8.ValidString(s) {
		return s
	}
	return norm.NFKC.String(s)
}

// maxUsernameKey bounds the key a username is counted under; longer
// normalized usernames are replaced by a digest so that a client cannot
// make the tracker hold large keys.
const maxUsernameKey = 256

// NormalizeUsername returns the key failed logins are counted under for a
// username: outer white space trimmed, NFKC, lower case (invalid UTF-8
// bytes become U+FFFD, so that the key is stable). "  Alice " and
// "ALICE" count as the same user. A result longer than 256 bytes is replaced
// by "sha256:" and its hex digest. The empty string stays empty: the tracker
// never counts it as a user.
func NormalizeUsername(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if isASCII(s) {
		s = strings.ToLower(s)
	} else {
		// Invalid bytes become U+FFFD first so that the result is stable:
		// normalizing it again gives it back.
		s = strings.ToValidUTF8(s, "\uFFFD")
		s = norm.NFKC.String(strings.ToLower(norm.NFKC.String(s)))
		s = strings.TrimSpace(s)
	}
	if len(s) > maxUsernameKey {
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
