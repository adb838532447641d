package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// errorProbe is a request built to end in an error response.
type errorProbe struct {
	req  *request
	rule string // the rule a 5xx answer proves
	what string
}

// checkErrors sends input that a correct API rejects with a 4xx problem
// body, and judges the answers: server errors, stack traces (found by
// observeStack on every response), HTML error pages and echoed input. It
// also sends one TRACE.
func (sc *scanner) checkErrors(ctx context.Context) error {
	nf, err := sc.fetchNotFound(ctx)
	if err != nil {
		return err
	}
	if nf != nil {
		sc.judgeError(nf, idErrMalformed, "a path that does not exist")
	}
	for _, p := range sc.errorProbes() {
		ex, err := sc.send(ctx, p.req)
		if err != nil {
			return err
		}
		if ex != nil {
			sc.judgeError(ex, p.rule, p.what)
		}
	}
	if !sc.s.AllowUnsafe {
		sc.note("POST probes (malformed JSON, oversized body) skipped: pass -allow-unsafe to send them")
	}
	return sc.checkTrace(ctx)
}

func (sc *scanner) errorProbes() []errorProbe {
	q := *sc.s.target
	// A marker with markup, an invalid percent-escape, invalid UTF-8 and a
	// NUL: all things a request-hygiene gate rejects with 400.
	q.RawQuery = "gatehouse_scan=" + sc.marker + "%3Cb%3E%22%27&gatehouse_bad=%zz%ff%00"
	probes := []errorProbe{{req: &request{method: http.MethodGet, url: &q}, rule: idErrMalformed, what: "an invalid query string"}}
	if !sc.s.AllowUnsafe {
		return probes
	}
	targets := append([]*url.URL{sc.s.target}, sc.s.protected...)
	for _, u := range targets {
		h := http.Header{"Content-Type": {"application/json"}}
		label := ""
		if sc.s.Token != "" && u != sc.s.target {
			h.Set("Authorization", "Bearer "+sc.s.Token)
			label = "Bearer <the -token, redacted>"
		}
		malformed := `{"gatehouse_scan":"` + sc.marker + `<b>",`
		probes = append(probes, errorProbe{
			req: &request{method: http.MethodPost, url: u, header: h, authLabel: label,
				body:    func() io.Reader { return strings.NewReader(malformed) },
				bodyLen: int64(len(malformed)), bodyDesc: malformed},
			rule: idErrMalformed, what: "malformed JSON",
		})
		head := `{"gatehouse_scan":"` + sc.marker + `","pad":"`
		probes = append(probes, errorProbe{
			req: &request{method: http.MethodPost, url: u, header: h.Clone(), authLabel: label,
				body: func() io.Reader {
					return io.MultiReader(strings.NewReader(head), &filler{n: oversizedBody - len(head)})
				},
				bodyLen:  oversizedBody,
				bodyDesc: fmt.Sprintf("%s… (%d bytes of unterminated JSON)", head, oversizedBody)},
			rule: idErrOversized, what: "an oversized body",
		})
	}
	return probes
}

// judgeError looks at an answer to an error probe.
func (sc *scanner) judgeError(ex *exchange, rule, what string) {
	reqNames := []string{"Content-Type", "Authorization"}
	path := ex.req.url.Path
	if ex.status >= 500 {
		sc.addEx(rule, path, Medium, ex, fmt.Sprintf("The server answers %s with %d.", what, ex.status),
			ex.evidence(reqNames, []string{"Content-Type"}))
	}
	if ex.status < 400 {
		return
	}
	if isHTML(ex) && !sc.htmlTarget {
		sc.addEx(idErrHTML, "", Low, ex, fmt.Sprintf("The error answer to %s is an HTML page.", what),
			ex.evidence(reqNames, []string{"Content-Type"}))
	}
	if i := bytes.Index(ex.body, []byte(sc.marker)); i >= 0 {
		sev, detail := Low, fmt.Sprintf("The error answer to %s repeats the input.", what)
		if isHTML(ex) && bytes.Contains(ex.body, []byte(sc.marker+"<b>")) {
			sev, detail = Medium, fmt.Sprintf("The HTML error answer to %s repeats the input unescaped (reflected XSS).", what)
		}
		sc.addEx(idErrEcho, "", sev, ex, detail,
			ex.evidence(reqNames, []string{"Content-Type"}, excerpt(ex.body, i, len(sc.marker))))
	}
}

// checkTrace sends TRACE with a marker header; a 2xx that echoes it back
// is cross-site tracing (medium), a 2xx that does not is noted (info).
func (sc *scanner) checkTrace(ctx context.Context) error {
	h := http.Header{"X-Gatehouse-Scan": {sc.marker}}
	ex, err := sc.send(ctx, &request{method: http.MethodTrace, url: sc.s.target, header: h})
	if err != nil || ex == nil {
		return err
	}
	if ex.status < 200 || ex.status > 299 {
		return nil
	}
	i := bytes.Index(ex.body, []byte(sc.marker))
	if i < 0 {
		i = bytes.Index(ex.body, []byte("TRACE "))
	}
	if i < 0 {
		sc.addEx(idErrTrace, "", Info, ex, "TRACE is answered 2xx, but the request is not echoed back (no cross-site tracing).",
			ex.evidence([]string{"X-Gatehouse-Scan"}, []string{"Content-Type"}))
		return nil
	}
	sc.addEx(idErrTrace, "", Medium, ex, "TRACE is answered with the request echoed back, headers included.",
		ex.evidence([]string{"X-Gatehouse-Scan"}, []string{"Content-Type"}, excerpt(ex.body, i, len(sc.marker))))
	return nil
}

// filler is an io.Reader of n 'a' bytes, so that the oversized probe
// needs no 2 MiB buffer.
type filler struct{ n int }

func (f *filler) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, io.EOF
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'a'
	}
	f.n -= k
	return k, nil
}
