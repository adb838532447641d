package scan

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// TextOptions control the table output.
type TextOptions struct {
	// Color adds ANSI colours; set it only when writing to a terminal and
	// NO_COLOR is unset.
	Color bool
	// Summary leaves out the evidence and fixes, printing the table only.
	Summary bool
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var severityColors = [...]string{"\x1b[2m", "\x1b[36m", "\x1b[33m", "\x1b[31m", "\x1b[1;31m"}

// WriteText writes the report as a table of findings followed by each
// finding's evidence and fix, and the notes.
func (r *Report) WriteText(w io.Writer, o TextOptions) error {
	p := &printer{w: w, color: o.Color}
	p.line("%s %s", p.bold(toolName), r.Target)
	p.line("%s · %d requests · %.2f s", summaryLine(r), r.Requests, r.Duration.Seconds())
	if len(r.Findings) > 0 {
		p.line("")
		wWhere, wID := len("WHERE"), len("ID")
		for _, f := range r.Findings {
			wWhere = max(wWhere, len(where(f.URL, r.Target)))
			wID = max(wID, len(f.ID))
		}
		wWhere = min(wWhere, 48)
		p.line("%-8s  %-*s  %-*s  %s", "SEVERITY", wID, "ID", wWhere, "WHERE", "TITLE")
		for _, f := range r.Findings {
			p.line("%s  %-*s  %-*s  %s", p.sev(f.Severity, fmt.Sprintf("%-8s", f.Severity)), wID, f.ID, wWhere, trim(where(f.URL, r.Target), wWhere), f.Title)
		}
	}
	if !o.Summary {
		for _, f := range r.Findings {
			p.line("")
			p.line("%s  %s  %s", p.bold(f.ID), p.sev(f.Severity, f.Severity.String()), f.Title)
			p.line("  %s", f.Detail)
			for _, l := range f.Evidence.Request {
				p.line("  %s %s", p.dim(">"), l)
			}
			for _, l := range f.Evidence.Response {
				p.line("  %s %s", p.dim("<"), l)
			}
			p.line("  fix: %s", f.Fix.Text)
			p.line("       %s", f.Fix.Snippet)
		}
	}
	if len(r.Notes) > 0 {
		p.line("")
		p.line("notes:")
		for _, n := range r.Notes {
			p.line("  - %s", n)
		}
	}
	return p.err
}

func summaryLine(r *Report) string {
	if len(r.Findings) == 0 {
		return "no findings"
	}
	var parts []string
	for s := Critical; s >= Info; s-- {
		if n := r.Count(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	noun := "findings"
	if len(r.Findings) == 1 {
		noun = "finding"
	}
	return fmt.Sprintf("%d %s: %s", len(r.Findings), noun, strings.Join(parts, ", "))
}

// where shortens a finding's URL to its path when it is on the target.
func where(raw, target string) string {
	u, err := url.Parse(raw)
	t, err2 := url.Parse(target)
	if err != nil || err2 != nil || u.Scheme != t.Scheme || u.Host != t.Host {
		return raw
	}
	return u.RequestURI()
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// printer writes lines and remembers the first error.
type printer struct {
	w     io.Writer
	color bool
	err   error
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) bold(s string) string { return p.paint(ansiBold, s) }
func (p *printer) dim(s string) string  { return p.paint(ansiDim, s) }

func (p *printer) sev(s Severity, text string) string {
	if s < Info || s > Critical {
		return text
	}
	return p.paint(severityColors[s], text)
}
