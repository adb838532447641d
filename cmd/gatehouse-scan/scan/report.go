package scan

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"time"
)

// Evidence is what proves a finding: the request the scan sent and the
// response lines that show the weakness, as they would appear on the wire
// (header values the finding does not depend on are left out; tokens and
// cookie values are redacted).
type Evidence struct {
	Request  []string `json:"request"`
	Response []string `json:"response"`
}

// Finding is one weakness found on the target.
type Finding struct {
	// ID is the rule's stable identifier, e.g. "GH-HDR-001" (see Rules).
	ID string `json:"id"`
	// Severity may differ from the rule's usual severity when the evidence
	// makes the weakness worse (credentials allowed) or milder.
	Severity Severity `json:"severity"`
	// Title is the rule's title.
	Title string `json:"title"`
	// URL is where the evidence was obtained (tokens redacted).
	URL string `json:"url"`
	// Detail says what was observed, in one sentence.
	Detail string `json:"detail"`
	// Evidence holds the request and response lines.
	Evidence Evidence `json:"evidence"`
	// Fix names the Gatehouse option that removes the weakness.
	Fix Fix `json:"fix"`
}

// Report is the result of a scan.
type Report struct {
	// Target is the URL that was scanned.
	Target string `json:"target"`
	// Version is the scanner's module version ("(devel)" in a checkout).
	Version string `json:"version"`
	// Started is when the scan began.
	Started time.Time `json:"started"`
	// Duration is how long it took.
	Duration time.Duration `json:"-"`
	// Requests counts the HTTP requests and TLS handshakes sent.
	Requests int `json:"requests"`
	// Budget is the request budget the scan ran under (Config.Budget plus
	// Config.Rate).
	Budget int `json:"budget"`
	// Findings, most severe first, then by ID and URL.
	Findings []Finding `json:"findings"`
	// Notes say which checks were skipped or inconclusive, and why.
	Notes []string `json:"notes"`
}

// Worst returns the highest severity among the findings, and false when
// there are none.
func (r *Report) Worst() (Severity, bool) {
	if len(r.Findings) == 0 {
		return Info, false
	}
	w := Info
	for _, f := range r.Findings {
		w = max(w, f.Severity)
	}
	return w, true
}

// Fails reports whether any finding is at least as severe as threshold;
// it is how -fail-on decides the exit status.
func (r *Report) Fails(threshold Severity) bool {
	w, ok := r.Worst()
	return ok && w >= threshold
}

// Count returns how many findings have severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// IDs returns the distinct rule IDs found, sorted.
func (r *Report) IDs() []string {
	var ids []string
	for _, f := range r.Findings {
		if !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func (r *Report) sort() {
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.URL, b.URL)
	})
}

// jsonReport is the -json shape: the Report plus a duration in
// milliseconds and counts by severity.
type jsonReport struct {
	Tool string `json:"tool"`
	*Report
	DurationMS int64          `json:"duration_ms"`
	Summary    map[string]int `json:"summary"`
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	summary := make(map[string]int, len(severityNames))
	for i := range severityNames {
		summary[Severity(i).String()] = r.Count(Severity(i))
	}
	out := jsonReport{Tool: toolName, Report: r, DurationMS: r.Duration.Milliseconds(), Summary: summary}
	if out.Findings == nil || out.Notes == nil {
		cp := *r
		if cp.Findings == nil {
			cp.Findings = []Finding{}
		}
		if cp.Notes == nil {
			cp.Notes = []string{}
		}
		out.Report = &cp
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
