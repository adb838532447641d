package scan

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// ProgressPrinter shows a scan's progress on one line of a stream
// (stderr), for long scans only: nothing is printed during the first
// second. On a terminal the line is rewritten in place at most ten times a
// second and erased by Done; elsewhere (a CI log) a line is written at
// most every five seconds.
//
// Its Update method is a Config.Progress function. It is safe for
// concurrent use.
type ProgressPrinter struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	now      func() time.Time
	start    time.Time
	last     time.Time
	shown    bool
}

// NewProgressPrinter returns a printer writing to w; terminal says whether
// w is a terminal.
func NewProgressPrinter(w io.Writer, terminal bool) *ProgressPrinter {
	return newProgressPrinter(w, terminal, time.Now)
}

func newProgressPrinter(w io.Writer, terminal bool, now func() time.Time) *ProgressPrinter {
	return &ProgressPrinter{w: w, terminal: terminal, now: now, start: now()}
}

// Update records progress and prints it when due.
func (p *ProgressPrinter) Update(pr Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if t.Sub(p.start) < time.Second {
		return
	}
	every := 5 * time.Second
	if p.terminal {
		every = 100 * time.Millisecond
	}
	if p.shown && t.Sub(p.last) < every {
		return
	}
	p.last, p.shown = t, true
	msg := fmt.Sprintf("gatehouse-scan: %d/%d requests, %s checks, %.0f s", pr.Requests, pr.Budget, pr.Check, t.Sub(p.start).Seconds())
	if p.terminal {
		fmt.Fprintf(p.w, "\r\x1b[K%s", msg)
	} else {
		fmt.Fprintln(p.w, msg)
	}
}

// Done erases the progress line on a terminal.
func (p *ProgressPrinter) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
