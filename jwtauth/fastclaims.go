package jwtauth

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// The members of Claims, which decodeFast parses itself.
var registeredNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "auth_time", "scope"}

// fastEligible reports whether decodeFast decodes T exactly as
// encoding/json would: T is Claims, or a struct embedding Claims (untagged)
// with no other embedded struct and no other field whose JSON name is, in
// any letter case, one of Claims' member names. Other types take the plain
// encoding/json path.
func fastEligible(t reflect.Type) bool {
	claims := reflect.TypeFor[Claims]()
	if t == claims {
		return true
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	embeds := 0
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _ := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous {
			if f.Type != claims || tag != "" {
				return false
			}
			embeds++
			continue
		}
		if name == "" {
			name = f.Name
		}
		for _, r := range registeredNames {
			if strings.EqualFold(name, r) {
				return false
			}
		}
	}
	return embeds == 1
}

// decodeFast decodes a claims payload: the members of Claims are parsed
// here, with the rules of their golang-jwt types, and every other member is
// handed to encoding/json in a smaller object (rest is its buffer). Member
// names are checked as claimNames.check does. It returns the grown buffer.
func (a *Auth[T]) decodeFast(payload []byte, c *T, rest []byte) ([]byte, error) {
	b := baseOf(c)
	rest = append(rest[:0], '{')
	m := newMembers(payload)
	var seen uint64
	var lower [maxFoldedName]byte
	for m.next() {
		key := m.key
		if hasEscape(key) {
			return rest, ErrMalformedToken
		}
		i, known := a.names.exact[string(key)]
		if known && i < 64 {
			if seen&(1<<i) != 0 {
				return rest, ErrMalformedToken
			}
			seen |= 1 << i
		}
		if !known && len(key) <= 3*maxFoldedName {
			if f, ok := foldASCII(lower[:], key); ok && len(f) <= a.names.maxLen {
				if _, variant := a.names.folded[string(f)]; variant {
					return rest, ErrMalformedToken
				}
			}
		}
		var err error
		switch string(key) {
		case "iss":
			err = setString(&b.Issuer, m.val)
		case "sub":
			err = setString(&b.Subject, m.val)
		case "jti":
			err = setString(&b.ID, m.val)
		case "sid":
			err = setString(&b.SessionID, m.val)
		case "scope":
			err = setString(&b.Scope, m.val)
		case "aud":
			b.Audience, err = parseAudience(m.val)
		case "exp":
			b.ExpiresAt, err = parseDate(m.val)
		case "nbf":
			b.NotBefore, err = parseDate(m.val)
		case "iat":
			b.IssuedAt, err = parseDate(m.val)
		case "auth_time":
			b.AuthTime, err = parseDate(m.val)
		default:
			if len(rest) > 1 {
				rest = append(rest, ',')
			}
			rest = append(rest, '"')
			rest = append(rest, key...)
			rest = append(rest, '"', ':')
			rest = append(rest, m.val...)
		}
		if err != nil {
			return rest, ErrMalformedToken
		}
	}
	if m.bad {
		return rest, ErrMalformedToken
	}
	if len(rest) > 1 {
		rest = append(rest, '}')
		if err := json.Unmarshal(rest, c); err != nil {
			return rest, ErrMalformedToken
		}
	}
	return rest, nil
}

// errValue is any value decodeFast refuses.
var errValue = ErrMalformedToken

// setString decodes a JSON string into dst; null leaves dst unchanged, as
// encoding/json does.
func setString(dst *string, v []byte) error {
	s, ok, err := jsonString(v)
	if err != nil || !ok {
		return err
	}
	*dst = s
	return nil
}

// jsonString decodes a JSON string value. ok is false for null.
func jsonString(v []byte) (s string, ok bool, err error) {
	if string(v) == "null" {
		return "", false, nil
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false, errValue
	}
	body := v[1 : len(v)-1]
	plain := true
	for _, c := range body {
		if c < 0x20 || c == '\\' || c == '"' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(body), true, nil
	}
	// Escapes, non-ASCII or invalid bytes: encoding/json's own rules.
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, errValue
	}
	return s, true, nil
}

// parseAudience decodes "aud" as jwt.ClaimStrings does: a string or an
// array of strings; null or an empty array is nil.
func parseAudience(v []byte) (jwt.ClaimStrings, error) {
	if len(v) > 0 && v[0] != '[' {
		s, ok, err := jsonString(v)
		if err != nil || !ok {
			return nil, err
		}
		return jwt.ClaimStrings{s}, nil
	}
	var aud jwt.ClaimStrings
	i := 1
	skip := func() {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n') {
			i++
		}
	}
	skip()
	if i < len(v) && v[i] == ']' {
		i++
		if i != len(v) {
			return nil, errValue
		}
		return nil, nil
	}
	for {
		skip()
		end, ok := stringEnd(v, i)
		if !ok {
			return nil, errValue
		}
		s, ok, err := jsonString(v[i:end])
		if err != nil || !ok {
			return nil, errValue
		}
		aud = append(aud, s)
		i = end
		skip()
		if i >= len(v) {
			return nil, errValue
		}
		if v[i] == ']' {
			if i+1 != len(v) {
				return nil, errValue
			}
			return aud, nil
		}
		if v[i] != ',' {
			return nil, errValue
		}
		i++
	}
}

// parseDate decodes a NumericDate as jwt.NumericDate.UnmarshalJSON does,
// but only from a JSON number (RFC 7519, section 2).
func parseDate(v []byte) (*jwt.NumericDate, error) {
	if !isJSONNumber(v) {
		return nil, errValue
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return nil, errValue
	}
	round, frac := math.Modf(f)
	return jwt.NewNumericDate(time.Unix(int64(round), int64(frac*1e9))), nil
}

// isJSONNumber reports whether v is a JSON number (RFC 8259, section 6).
func isJSONNumber(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(v)
}
