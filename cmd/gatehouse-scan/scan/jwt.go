package scan

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// maxTokenLen bounds the token the scan will take apart.
const maxTokenLen = 16 << 10

// jwt is a compact JWS split into its parts.
type jwt struct {
	header  map[string]any
	rawHead string
	payload string // base64url, as given
	sig     string // base64url, as given
}

// parseJWT splits a compact JWS. It checks only the shape: three
// base64url parts, a JSON object header with a string alg, and a payload
// that decodes. It never verifies anything.
func parseJWT(tok string) (*jwt, bool) {
	if len(tok) > maxTokenLen || strings.Count(tok, ".") != 2 {
		return nil, false
	}
	h, rest, _ := strings.Cut(tok, ".")
	p, sig, _ := strings.Cut(rest, ".")
	hb, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, false
	}
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil || header == nil {
		return nil, false
	}
	if _, ok := header["alg"].(string); !ok {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
		return nil, false
	}
	return &jwt{header: header, rawHead: h, payload: p, sig: sig}, true
}

// forgery is a token the scan presents to a protected endpoint, with the
// rule it proves when accepted and how evidence shows it.
type forgery struct {
	rule  string
	token string
	label string
	what  string
}

// noneAlgs are the spellings of alg none that verifiers have been caught
// accepting (CVE-2015-9235 and its many cousins compared case-sensitively).
var noneAlgs = []string{"none", "None", "NONE", "nOnE"}

// garbageToken is a bearer value that is no token at all.
const garbageToken = "gatehouse-scan-not-a-token"

// forgeries returns the tokens to try: a bearer value that is not a token,
// unsigned tokens in each spelling of alg none (with the given token's
// header and claims when it is a JWT the target accepts, else with invented
// claims), and, with an accepted JWT, its signature removed or altered.
func forgeries(token string, valid bool, now time.Time) []forgery {
	out := []forgery{{rule: idAuthSignature, token: garbageToken, label: "Bearer " + garbageToken, what: "a bearer value that is not a token"}}
	t, isJWT := parseJWT(token)
	if !valid || !isJWT {
		head := map[string]any{"typ": "JWT"}
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"gatehouse-scan","iat":` +
			strconv.FormatInt(now.Unix(), 10) + `,"exp":` + strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10) + `}`))
		for _, alg := range noneAlgs {
			tok := unsigned(head, alg, payload)
			out = append(out, forgery{rule: idAuthAlgNone, token: tok, label: "Bearer " + tok, what: `an invented token with alg "` + alg + `" and no signature`})
		}
		return out
	}
	for _, alg := range noneAlgs {
		tok := unsigned(t.header, alg, t.payload)
		h, _, _ := strings.Cut(tok, ".")
		hj, _ := base64.RawURLEncoding.DecodeString(h)
		out = append(out, forgery{rule: idAuthAlgNone, token: tok,
			label: "Bearer <the -token's claims, header " + string(hj) + ", empty signature>",
			what:  `the -token's claims under alg "` + alg + `" with no signature`})
	}
	out = append(out,
		forgery{rule: idAuthSignature, token: t.rawHead + "." + t.payload + ".", label: "Bearer <the -token with its signature removed: header.payload.>", what: "the -token with its signature removed"},
		forgery{rule: idAuthSignature, token: t.rawHead + "." + t.payload, label: "Bearer <the -token's header.payload, no third part>", what: "the -token without its signature part"},
		forgery{rule: idAuthSignature, token: t.rawHead + "." + t.payload + "." + alterSignature(t.sig), label: "Bearer <the -token with one bit of its signature flipped>", what: "the -token with an altered signature"},
	)
	return out
}

// unsigned re-encodes header with alg replaced, followed by payload and an
// empty signature.
func unsigned(header map[string]any, alg, payload string) string {
	h := make(map[string]any, len(header)+1)
	for k, v := range header {
		h[k] = v
	}
	h["alg"] = alg
	hb, _ := json.Marshal(h) // a map of JSON-decoded values always marshals
	return base64.RawURLEncoding.EncodeToString(hb) + "." + payload + "."
}

// alterSignature flips one bit of a signature's first byte; a signature
// that does not decode is replaced by 32 zero bytes.
func alterSignature(sig string) string {
	b, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(b) == 0 {
		b = make([]byte, 32)
	} else {
		b[0] ^= 0x01
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
