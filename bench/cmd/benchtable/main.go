// Command benchtable turns `go test -bench` output into a comparison table.
//
// Benchmarks in the bench module are named Benchmark<Area>/<case>/<impl>,
// where impl is "gatehouse" or a peer ("rs-cors", "unrolled-secure", ...).
// benchtable groups the results by area and case, takes the median of
// repeated runs (-count), and prints one Markdown table with each peer's
// ns/op as a multiple of Gatehouse's:
//
//	go test -run '^$' -bench . -benchmem -count 5 ./... | go run ./cmd/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// line matches "BenchmarkCORS/preflight/gatehouse-2  1000  123.4 ns/op  0 B/op  0 allocs/op".
var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:.*?\s([\d.]+) B/op)?(?:.*?\s([\d.]+) allocs/op)?`)

type sample struct{ ns, bytes, allocs []float64 }

type row struct {
	group, impl string
	ns, bytes   float64
	allocs      float64
	hasMem      bool
}

func main() {
	rows, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark lines on stdin")
		os.Exit(1)
	}
	write(os.Stdout, rows)
}

func parse(r io.Reader) ([]row, error) {
	samples := map[string]*sample{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s, ok := samples[m[1]]
		if !ok {
			s = &sample{}
			samples[m[1]] = s
			order = append(order, m[1])
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		s.ns = append(s.ns, ns)
		if m[3] != "" {
			b, _ := strconv.ParseFloat(m[3], 64)
			s.bytes = append(s.bytes, b)
		}
		if m[4] != "" {
			a, _ := strconv.ParseFloat(m[4], 64)
			s.allocs = append(s.allocs, a)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	rows := make([]row, 0, len(order))
	for _, name := range order {
		s := samples[name]
		group, impl := name, "-"
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			group, impl = name[:i], name[i+1:]
		}
		group = strings.TrimPrefix(group, "Benchmark")
		r := row{group: group, impl: impl, ns: median(s.ns)}
		if len(s.bytes) > 0 && len(s.allocs) > 0 {
			r.bytes, r.allocs, r.hasMem = median(s.bytes), median(s.allocs), true
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func median(v []float64) float64 {
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

func write(w io.Writer, rows []row) {
	base := map[string]float64{}
	for _, r := range rows {
		if r.impl == "gatehouse" {
			base[r.group] = r.ns
		}
	}
	fmt.Fprintln(w, "| benchmark | implementation | ns/op | B/op | allocs/op | ns/op vs gatehouse |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, r := range rows {
		mem := "| – | –"
		if r.hasMem {
			mem = fmt.Sprintf("| %.0f | %.0f", r.bytes, r.allocs)
		}
		ratio := "–"
		if b, ok := base[r.group]; ok && b > 0 {
			ratio = fmt.Sprintf("%.2fx", r.ns/b)
		}
		fmt.Fprintf(w, "| %s | %s | %s %s | %s |\n", r.group, r.impl, formatNs(r.ns), mem, ratio)
	}
}

func formatNs(ns float64) string {
	if ns >= 100 {
		return strconv.FormatFloat(ns, 'f', 0, 64)
	}
	return strconv.FormatFloat(ns, 'f', 1, 64)
}
