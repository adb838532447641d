package sanitize

import "html/template"

// EscapeHTML returns s with the characters that are special in HTML text
// and in quoted attribute values escaped: & < > " ' (and NUL replaced by
// U+FFFD), as html/template does.
//
// Call it explicitly, at output, when a handler writes user input into
// HTML by hand. Prefer html/template, which escapes for the context a value
// appears in (text, attribute, URL, JavaScript, CSS) where this function
// only knows HTML text: it does not make input safe in an href ("javascript:"
// passes through), inside <script> or <style>, or in an unquoted attribute.
// JSON responses need none of it: encoding/json already escapes < > & in
// strings.
//
// This package never applies EscapeHTML to requests: escaping on input
// corrupts data (an "O'Brien" stored as "O&#39;Brien" is shown escaped
// twice) and protects only the one output context it guessed.
func EscapeHTML(s string) string { return template.HTMLEscapeString(s) }
