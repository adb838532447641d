package sanitize

import "bytes"

// detectXSS looks for markup that runs script in a browser: a script-capable
// element, an event-handler attribute, a script URL or CSS expression inside
// a tag; or, without a tag, a javascript: URL, a quote that breaks out of an
// attribute into an event handler, or out of a JavaScript string into code.
// b is normalized (lower case).
func detectXSS(b []byte, sc *detectScratch) string {
	var closers closeCache
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			break
		}
		i += j
		if sig := xssTag(b, i, &closers); sig != "" {
			return sig
		}
	}
	if bytes.IndexByte(b, ':') >= 0 {
		if sig := xssScheme(b); sig != "" {
			return sig
		}
	}
	if xssAttributeBreakout(b) {
		return "attribute_breakout"
	}
	if xssStringBreakout(b) {
		return "script_breakout"
	}
	css := b
	if bytes.Contains(b, []byte("/*")) {
		sc.c = stripCSSComments(sc.c[:0], b)
		css = sc.c
	}
	if cssExpression(css) {
		return "css_expression"
	}
	if bytes.Contains(b, []byte("&{")) {
		return "js_entity"
	}
	if i := bytes.Index(b, []byte("+adw-")); i >= 0 && i+5 < len(b) && (isASCIILetter(b[i+5]) || b[i+5] == '/') {
		return "utf7_markup"
	}
	if bytes.Contains(b, []byte("constructor.constructor(")) || bytes.Contains(b, []byte("constructor(")) && bytes.Contains(b, []byte("{{")) {
		return "template_injection"
	}
	return ""
}

// scriptTags are elements that run script or load active content without
// any event-handler attribute.
var scriptTags = [...]string{
	"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link",
	"xml", "import", "bgsound", "layer", "ilayer", "portal", "isindex",
}

// scriptClosers are the closing tags of scriptTags: "</script", ...
var scriptClosers = func() (c [len(scriptTags)][]byte) {
	for i, t := range scriptTags {
		c[i] = []byte("</" + t)
	}
	return c
}()

func scriptTag(name []byte) int {
	for i, t := range scriptTags {
		if string(name) == t {
			return i
		}
	}
	return -1
}

// closeCache remembers, per script tag, whether its closing tag occurs in
// the value, so that each is searched for at most once.
type closeCache struct{ searched, found uint32 }

func (c *closeCache) closes(b []byte, tag int) bool {
	bit := uint32(1) << tag
	if c.searched&bit == 0 {
		c.searched |= bit
		if bytes.Contains(b, scriptClosers[tag]) {
			c.found |= bit
		}
	}
	return c.found&bit != 0
}

// xssTag examines the tag that starts at b[i] == '<'.
func xssTag(b []byte, i int, closers *closeCache) string {
	k := i + 1
	if k >= len(b) {
		return ""
	}
	closing := false
	switch c := b[k]; {
	case c == '/':
		closing = true
		k++
	case c == '!':
		if bytes.HasPrefix(b[k:], []byte("!--#exec")) || bytes.HasPrefix(b[k:], []byte("!--#include")) {
			return "" // server-side include: reported as command injection
		}
		return ""
	case c == '?':
		if bytes.HasPrefix(b[k:], []byte("?php")) || bytes.HasPrefix(b[k:], []byte("?=")) || (k+1 < len(b) && isSpace(b[k+1])) {
			return "php_tag"
		}
		return ""
	}
	start := k
	for k < len(b) && (isASCIILetter(b[k]) || (k > start && (isDigit(b[k]) || b[k] == '-' || b[k] == ':'))) {
		k++
	}
	if k == start {
		return ""
	}
	name := b[start:k]
	if k < len(b) && !isTagNameEnd(b[k]) {
		return "" // "<a1b" in prose
	}
	if closing {
		if string(name) == "script" {
			return "script_tag"
		}
		return ""
	}
	// The tag's attributes run to the next '>' (quotes respected) or '<'.
	end := tagEnd(b, k)
	attrs := b[k:end]
	if t := scriptTag(name); t >= 0 {
		// "<script src=...>", "<script>alert(1)", "<style>@import...",
		// "<script>...</script>"; but not a mention: "is <script> allowed?"
		if hasAttributes(attrs) || end == len(b) || closers.closes(b, t) || (b[end] == '>' && codeFollows(b[end+1:])) {
			return "script_tag"
		}
	}
	if eventHandler(attrs) {
		return "event_handler"
	}
	if hasScheme(attrs) {
		return "script_url"
	}
	return ""
}

func hasAttributes(attrs []byte) bool {
	for _, c := range attrs {
		if !isSpace(c) && c != '/' {
			return true
		}
	}
	return false
}

// codeFollows reports whether the content after a start tag begins like
// script or CSS rather than prose: nothing, a symbol, or an identifier
// followed by ( . = [ { or a backtick.
func codeFollows(b []byte) bool {
	k := 0
	for k < len(b) && isSpace(b[k]) {
		k++
	}
	if k == len(b) || !isASCIILetter(b[k]) {
		return true
	}
	for k < len(b) && (isASCIILetter(b[k]) || isDigit(b[k]) || b[k] == '_' || b[k] == '$') {
		k++
	}
	for k < len(b) && b[k] == ' ' {
		k++
	}
	return k < len(b) && bytes.IndexByte([]byte("(.=[{`"), b[k]) >= 0
}

func isTagNameEnd(c byte) bool {
	return isSpace(c) || c == '/' || c == '>' || c == '"' || c == '\'' || c == '<' || c == '`'
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// tagEnd returns the index of the '>' that ends the tag whose attributes
// start at b[k], or of the next '<', or len(b). Stopping at '<' keeps the
// regions of all tags disjoint, so the analysis stays linear.
func tagEnd(b []byte, k int) int {
	var quote byte
	for ; k < len(b); k++ {
		c := b[k]
		switch {
		case c == '<':
			return k
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '>':
			return k
		}
	}
	return len(b)
}

// eventHandler reports an attribute named on<letters> followed by "=",
// anywhere in a tag's attribute text: "<img src=x onerror=...>",
// "<svg/onload=...>", `<a"onmouseover=...>`. A JSX expression value
// ("onClick={save}") is not HTML and is not flagged.
func eventHandler(attrs []byte) bool {
	for i := 0; i+2 < len(attrs); i++ {
		if attrs[i] != 'o' || attrs[i+1] != 'n' {
			continue
		}
		if i > 0 && !isAttrSep(attrs[i-1]) {
			continue
		}
		k := i + 2
		for k < len(attrs) && isASCIILetter(attrs[k]) {
			k++
		}
		if k-i-2 < 3 {
			continue
		}
		for k < len(attrs) && attrs[k] != '=' && attrs[k] != '>' && !isSpace(attrs[k]) && attrs[k] != '/' {
			k++ // junk some parsers accept in names: "onload!#$%&()*~+-_.,:;?@["
		}
		if k >= len(attrs) || attrs[k] != '=' && !isSpace(attrs[k]) {
			i = k - 1 // nothing that starts inside the scanned junk can match
			continue
		}
		for k < len(attrs) && isSpace(attrs[k]) {
			k++
		}
		if k < len(attrs) && attrs[k] == '=' {
			k++
			for k < len(attrs) && isSpace(attrs[k]) {
				k++
			}
			if k < len(attrs) && attrs[k] == '{' {
				continue
			}
			return true
		}
	}
	return false
}

func isAttrSep(c byte) bool {
	return isSpace(c) || c == '/' || c == '"' || c == '\'' || c == '`' || c == ';'
}

// schemes are URL schemes that run script or render active content.
var schemes = [...]string{"javascript:", "vbscript:", "livescript:", "mocha:", "data:text/html", "data:image/svg", "data:application/x", "data:text/xml"}

// hasScheme reports a script URL anywhere in b, with the tabs and newlines
// that browsers strip from URLs allowed between its letters.
func hasScheme(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != 'j' && c != 'v' && c != 'l' && c != 'm' && c != 'd' {
			continue
		}
		for _, s := range schemes {
			if s[0] == c {
				if _, ok := matchLoose(b, i, s); ok {
					return true
				}
			}
		}
	}
	return false
}

// matchLoose matches s at b[i], skipping tab, LF and CR between letters. It
// returns the index after the match.
func matchLoose(b []byte, i int, s string) (int, bool) {
	for k := 0; k < len(s); {
		if i >= len(b) {
			return 0, false
		}
		c := b[i]
		if c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c != s[k] {
			return 0, false
		}
		i++
		k++
	}
	return i, true
}

// xssScheme reports a javascript:-like URL outside a tag: at the start of
// the value, or after "=", "(", a quote or a space, and followed by code
// rather than prose ("JavaScript: The Good Parts" is not a URL).
func xssScheme(b []byte) string {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != 'j' && c != 'v' && c != 'l' && c != 'm' && c != 'd' {
			continue
		}
		if i > 0 && (isASCIILetter(b[i-1]) || isDigit(b[i-1])) {
			continue
		}
		for _, s := range schemes {
			if s[0] != c {
				continue
			}
			end, ok := matchLoose(b, i, s)
			if !ok {
				continue
			}
			if s[0] == 'd' {
				return "script_url"
			}
			k := end
			for k < len(b) && b[k] == ' ' {
				k++
			}
			if k < len(b) && k == end {
				return "script_url" // "javascript:alert(1)", "javascript://"
			}
			if looksLikeCode(b[k:]) {
				return "script_url"
			}
		}
	}
	return ""
}

// looksLikeCode reports whether b starts with an identifier followed by
// "(", "." or "=", or with "(" or "`".
func looksLikeCode(b []byte) bool {
	k := 0
	for k < len(b) && (isASCIILetter(b[k]) || isDigit(b[k]) || b[k] == '_' || b[k] == '$') {
		k++
	}
	return k < len(b) && (b[k] == '(' || b[k] == '`' || (k > 0 && (b[k] == '.' || b[k] == '=')))
}

// xssAttributeBreakout reports a quote followed by an event-handler
// attribute: `" onmouseover="alert(1)`, `' autofocus onfocus=alert(1) '`.
// Only real event names count here, since without a tag the context is
// weaker.
func xssAttributeBreakout(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c != '"' && c != '\'' && c != '`' {
			continue
		}
		k := i + 1
		for k < len(b) && (isSpace(b[k]) || b[k] == '/') {
			k++
		}
		// A few bare attributes may precede the handler ("autofocus").
		for hop := 0; hop < 3; hop++ {
			start := k
			for k < len(b) && isASCIILetter(b[k]) {
				k++
			}
			if k == start {
				break
			}
			name := b[start:k]
			j := k
			for j < len(b) && isSpace(b[j]) {
				j++
			}
			if j < len(b) && b[j] == '=' {
				if len(name) > 2 && name[0] == 'o' && name[1] == 'n' && knownEvent(name[2:]) {
					return true
				}
				break
			}
			if j == k {
				break
			}
			k = j
		}
	}
	return false
}

// xssStringBreakout reports a value that starts by closing a JavaScript
// string and continues with code: `";alert(1)//`, `'-alert(1)-'`,
// `\";alert('XSS');//`.
func xssStringBreakout(b []byte) bool {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i < len(b) && b[i] == '\\' {
		i++
	}
	if i >= len(b) || (b[i] != '"' && b[i] != '\'' && b[i] != '`') {
		return false
	}
	i++
	ops := 0
	for i < len(b) && (isSpace(b[i]) || bytes.IndexByte([]byte(";)+-*|&,}"), b[i]) >= 0) {
		if !isSpace(b[i]) {
			ops++
		}
		i++
	}
	if ops == 0 {
		return false
	}
	k := i
	for k < len(b) && (isASCIILetter(b[k]) || isDigit(b[k]) || b[k] == '_' || b[k] == '$' || b[k] == '.') {
		k++
	}
	return k > i && k < len(b) && (b[k] == '(' || b[k] == '`' || b[k] == '=')
}
