package sanitize

import (
	"net/http"
	"unicode/utf8"
)

// checkBody applies the body rules: media type, size, then the checks of
// the body's kind on the one buffer it was read into.
func (s *Sanitizer) checkBody(w http.ResponseWriter, r *http.Request, sc *scratch) error {
	if !hasBody(r) {
		return nil
	}
	kind, params, err := s.checkMediaType(r)
	if err != nil {
		return err
	}
	limit, tooLarge := s.maxBody, error(ErrBodyTooLarge)
	if kind == kindMultipart {
		limit, tooLarge = s.maxUpload, ErrUploadTooLarge
	}
	if r.ContentLength > limit {
		return tooLarge
	}
	if kind == kindOpaque {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		return nil
	}
	b, err := readBody(r, limit, tooLarge)
	if err != nil {
		return err
	}
	r.Body, r.ContentLength = b, int64(b.n)
	body := b.bytes()
	if len(body) == 0 {
		return nil
	}
	switch kind {
	case kindJSON:
		if s.off&bitJSON != 0 {
			return s.checkValue(sc, body, true, LocationBody)
		}
		return s.scanJSON(body, sc, true)
	case kindForm:
		return s.checkParams(body, s.maxParams, s.maxField, sc, LocationBody)
	case kindMultipart:
		return s.checkMultipart(body, params, sc)
	}
	return s.checkValue(sc, body, true, LocationBody)
}

// checkMediaType applies the Content-Type rule and classifies the body.
func (s *Sanitizer) checkMediaType(r *http.Request) (bodyKind, string, error) {
	ct := r.Header["Content-Type"]
	enforce := s.off&bitMediaType == 0
	if len(ct) != 1 {
		if enforce {
			return 0, "", ErrUnsupportedMediaType
		}
		return kindOpaque, "", nil
	}
	typ, sub, params, ok := splitContentType(ct[0])
	if !ok {
		if enforce {
			return 0, "", ErrUnsupportedMediaType
		}
		return kindOpaque, "", nil
	}
	kind := classify(typ, sub)
	if enforce {
		if !s.allowedType(r.Method, typ, sub) {
			return 0, "", ErrUnsupportedMediaType
		}
		if kind != kindOpaque && kind != kindMultipart && !charsetOK(params) {
			return 0, "", ErrUnsupportedMediaType
		}
	}
	return kind, params, nil
}

// visitJSONString applies the Unicode checks and the detector to a JSON
// string value (raw: between the quotes, already validated by the scanner).
func (s *Sanitizer) visitJSONString(sc *scratch, raw []byte, escaped bool) error {
	v := raw
	if escaped {
		sc.json.str = appendUnescaped(sc.json.str[:0], raw)
		v = sc.json.str
	}
	if s.unicode != 0 && !isASCII(v) {
		if err := s.checkUnicode(v); err != nil {
			return err
		}
	}
	return inspect(s, sc, v, LocationBody)
}

// appendUnescaped appends the decoded form of a JSON string body that the
// scanner has validated.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(raw) {
			break
		}
		switch e := raw[i+1]; e {
		case 'u':
			r, _ := hex4(raw, i+2)
			i += 6
			if r >= 0xD800 && r < 0xDC00 && i+5 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
				if lo, ok := hex4(raw, i+2); ok && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		case 'n':
			c = '\n'
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		default:
			c = e
		}
		dst = append(dst, c)
		i += 2
	}
	return dst
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }
