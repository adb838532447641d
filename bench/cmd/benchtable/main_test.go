package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const sampleOutput = `goos: linux
BenchmarkCORS/preflight/gatehouse-2     	 1000000	       100.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCORS/preflight/rs-cors-2       	 1000000	       250.0 ns/op	      48 B/op	       1 allocs/op
BenchmarkCORS/preflight/gatehouse-2     	 1000000	       120.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCORS/preflight/gatehouse-2     	 1000000	        90.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkCORS/preflight/rs-cors-2       	 1000000	       210.0 ns/op	      48 B/op	       1 allocs/op
BenchmarkLone-2                         	 5000000	        12.5 ns/op
PASS
`

func TestTableTakesMediansAndRatios(t *testing.T) {
	t.Parallel()
	rows, err := parse(strings.NewReader(sampleOutput))
	require.NoError(t, err)
	require.Len(t, rows, 3)
	require.Equal(t, row{group: "CORS/preflight", impl: "gatehouse", ns: 100, hasMem: true}, rows[0])
	require.Equal(t, row{group: "CORS/preflight", impl: "rs-cors", ns: 230, bytes: 48, allocs: 1, hasMem: true}, rows[1])
	require.Equal(t, row{group: "Lone", impl: "-", ns: 12.5}, rows[2])

	var out bytes.Buffer
	write(&out, rows)
	require.Contains(t, out.String(), "| CORS/preflight | rs-cors | 230 | 48 | 1 | 2.30x |")
	require.Contains(t, out.String(), "| CORS/preflight | gatehouse | 100 | 0 | 0 | 1.00x |")
	require.Contains(t, out.String(), "| Lone | - | 12.5 | – | – | – |")
}
