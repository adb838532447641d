package sanitize

import (
	"net/http"
)

// checkHeaders applies the header rules: the number of field lines, the
// size of each value and of all names and values together, and control
// characters (HTAB allowed, as RFC 9110 allows it) and invalid UTF-8 in
// values. Then the detector looks at the values of Options.DetectHeaders.
func (s *Sanitizer) checkHeaders(r *http.Request, sc *scratch) error {
	count, total := 0, 0
	for name, values := range r.Header {
		if count += len(values); count > s.maxHeaders && s.off&bitTooManyHeaders == 0 {
			return ErrTooManyHeaders
		}
		for _, v := range values {
			total += len(name) + len(v) + 4 // ": " and CRLF, as on the wire
			if len(v) > s.maxHeaderValue && s.off&bitHeaderTooLarge == 0 {
				return ErrHeaderTooLarge
			}
			if err := s.checkHeaderValue(v); err != nil {
				return err
			}
		}
		if total > s.maxHeaderBytes && s.off&bitHeaderTooLarge == 0 {
			return ErrHeaderTooLarge
		}
	}
	for _, name := range s.detectHeaders {
		for _, v := range r.Header[name] {
			if err := inspect(s, sc, bytesOf(v), LocationHeader); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Sanitizer) checkHeaderValue(v string) error {
	nonASCII := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			if s.off&bitControl == 0 {
				return ErrControlCharacter
			}
		} else if c >= 0x80 {
			nonASCII = true
		}
	}
	if nonASCII && s.off&bitUTF8 == 0 && !validUTF8(bytesOf(v)) {
		return ErrInvalidUTF8
	}
	return nil
}
