package scan

import (
	"regexp"
)

// stackPatterns match stack traces of common runtimes. Each is specific
// enough not to fire on ordinary JSON or prose.
var stackPatterns = []struct {
	runtime string
	re      *regexp.Regexp
}{
	{"Go", regexp.MustCompile(`goroutine \d+ \[[a-z ]+\]:|panic: .*\n+goroutine |\.go:\d+ \+0x[0-9a-f]+`)},
	{"Java", regexp.MustCompile(`\bat [\w$.]+\.[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)|Exception in thread "`)},
	{"Python", regexp.MustCompile(`Traceback \(most recent call last\):|File "[^"]+\.py", line \d+`)},
	{"Node.js", regexp.MustCompile(`\bat (?:[\w.<>$]+ )?\(?(?:/|[A-Za-z]:\\|file://|node:)[^\s()]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?`)},
	{".NET", regexp.MustCompile(`\bat [\w.]+\(.*\) in [^\r\n]+:line \d+|System\.[\w.]+Exception:`)},
	{"PHP", regexp.MustCompile(`(?:Fatal error|Warning|Parse error)(?:</b>)?: .+ in (?:<b>)?[^\s<]+\.php(?:</b>)? on line|PHP Stack trace:|#\d+ [^\s]+\.php\(\d+\): `)},
	{"Ruby", regexp.MustCompile(`\.rb:\d+:in ['` + "`" + `]`)},
}

// findStack returns the runtime whose stack trace body holds, and where.
func findStack(body []byte) (string, int, int) {
	for _, p := range stackPatterns {
		if loc := p.re.FindIndex(body); loc != nil {
			return p.runtime, loc[0], loc[1] - loc[0]
		}
	}
	return "", -1, 0
}

// observeStack reports a stack trace in any response, once per path.
func (sc *scanner) observeStack(ex *exchange) {
	rt, i, n := findStack(ex.body)
	if i < 0 {
		return
	}
	sc.addEx(idErrStack, ex.req.url.Path, Medium, ex, "The response holds a "+rt+" stack trace.",
		ex.evidence([]string{"Content-Type"}, []string{"Content-Type"}, excerpt(ex.body, i, n)))
}
