package sanitize

import (
	"sync"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Class is a kind of attack the Detector recognises. Classes combine with |.
type Class uint8

// Detector classes.
const (
	ClassXSS              Class = 1 << iota // cross-site scripting: markup, event handlers, script URLs
	ClassSQLi                               // SQL injection: a literal broken out of, then SQL
	ClassPathTraversal                      // ../ sequences in any encoding, sensitive absolute paths
	ClassCommandInjection                   // shell separators or substitution, then a command

	allClasses = ClassXSS | ClassSQLi | ClassPathTraversal | ClassCommandInjection
)

// String returns "xss", "sqli", "path_traversal" or "command_injection"
// for a single class.
func (c Class) String() string {
	switch c {
	case ClassXSS:
		return "xss"
	case ClassSQLi:
		return "sqli"
	case ClassPathTraversal:
		return "path_traversal"
	case ClassCommandInjection:
		return "command_injection"
	}
	return "unknown"
}

func (c Class) auditType() audit.Type {
	switch c {
	case ClassXSS:
		return audit.MaliciousXSS
	case ClassSQLi:
		return audit.MaliciousSQLi
	case ClassPathTraversal:
		return audit.MaliciousPathTraversal
	case ClassCommandInjection:
		return audit.MaliciousCommandInjection
	}
	return audit.InputValidationFail
}

// Finding is what the Detector flagged: the class, a stable name for the
// signal that decided it ("event_handler", "tautology", "dot_segments",
// "command_separator", ...), and where in the request the value was (set
// by a Sanitizer; empty from Detector.Detect). A Finding never holds any
// of the input.
type Finding struct {
	Class    Class
	Signal   string
	Location Location
}

// Detector flags values that look like cross-site scripting, SQL
// injection, path traversal or OS command injection.
//
// It does not match a list of known payloads. It decodes a value the way
// the attacked interpreter would see it (percent-encoding up to three
// times, HTML character references, JavaScript escapes, overlong UTF-8,
// NFKC, ASCII case), then reads it with a small tokenizer per language and
// asks whether the tokens form the shape every injection needs: markup that
// runs script, a quote or number followed by SQL that changes the query,
// dot segments that climb out of a directory, a shell separator or
// substitution followed by a command. Ordinary prose with apostrophes
// ("O'Brien"), SQL words ("please select the best option"), and most code
// pasted into a chat are not flagged; HTML with event handlers, script
// tags or javascript: URLs is, wherever it appears.
//
// The zero value detects every class. A Detector never changes its input.
// It is safe for concurrent use; do not copy it after first use.
type Detector struct {
	// Classes selects the classes to detect. Zero means all.
	Classes Class

	pool sync.Pool // *detectScratch
}

// Detect reports whether s looks like an attack, and what kind.
func (d *Detector) Detect(s string) (Finding, bool) {
	sc, _ := d.pool.Get().(*detectScratch)
	if sc == nil {
		sc = new(detectScratch)
	}
	f, ok := detect(d, sc, s)
	if sc.size() <= maxRetained {
		d.pool.Put(sc)
	}
	return f, ok
}

// detectScratch is the working memory of the detector.
type detectScratch struct {
	a, b, c []byte
	toks    []sqlToken
}

func (sc *detectScratch) size() int { return cap(sc.a) + cap(sc.b) + cap(sc.c) + 12*cap(sc.toks) }

// detect runs the enabled analyzers on v.
func detect[T ~string | ~[]byte](d *Detector, sc *detectScratch, v T) (Finding, bool) {
	classes := d.Classes
	if classes == 0 {
		classes = allClasses
	}
	if len(v) == 0 {
		return Finding{}, false
	}
	trig := triggers(v)
	if trig&^trigSpace == 0 {
		// Letters, digits, spaces and plain punctuation: only SQL can be
		// written that way ("1 union select password from users"), and
		// only with at least two words.
		if classes&ClassSQLi == 0 || trig&trigSpace == 0 {
			return Finding{}, false
		}
	}
	in := normalize(sc, v)
	if classes&ClassXSS != 0 && trig&trigMarkup != 0 {
		if sig := detectXSS(in.b, sc); sig != "" {
			return Finding{Class: ClassXSS, Signal: sig}, true
		}
	}
	if classes&ClassSQLi != 0 {
		if sig := detectSQLi(in.b, sc); sig != "" {
			return Finding{Class: ClassSQLi, Signal: sig}, true
		}
	}
	if classes&ClassCommandInjection != 0 && trig&trigShell != 0 {
		if sig := detectShell(in.b); sig != "" {
			return Finding{Class: ClassCommandInjection, Signal: sig}, true
		}
	}
	if classes&ClassPathTraversal != 0 && trig&trigPath != 0 {
		if sig := detectTraversal(in); sig != "" {
			return Finding{Class: ClassPathTraversal, Signal: sig}, true
		}
	}
	return Finding{}, false
}

// Trigger bits: which analyzers can possibly fire on a raw value.
const (
	trigMarkup = 1 << iota
	trigPath
	trigShell
	trigSpace
)

// trigByte maps each byte to the analyzers it may interest. Encoded or
// non-ASCII input interests all of them, since decoding may produce
// anything.
var trigByte = func() (t [256]uint8) {
	all := uint8(trigMarkup | trigPath | trigShell)
	for _, c := range "%&\\+" {
		t[c] = all
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = all
	}
	for _, c := range "<>\"'`=:({" {
		t[c] |= trigMarkup
	}
	for _, c := range "./\x00" {
		t[c] |= trigPath
	}
	for _, c := range ";|`$\n\r(){<>" {
		t[c] |= trigShell
	}
	for _, c := range " \t\n\r\f\v" {
		t[c] |= trigSpace
	}
	return t
}()

func triggers[T ~string | ~[]byte](v T) uint8 {
	var t uint8
	for i := 0; i < len(v); i++ {
		t |= trigByte[v[i]]
	}
	return t
}
