package sanitize

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustNew(t testing.TB, opts Options) *Sanitizer {
	t.Helper()
	s, err := New(opts)
	require.NoError(t, err)
	return s
}

func TestJSONSyntax(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{})
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"an object is valid", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, nil},
		{"a top-level scalar is valid (RFC 8259)", `"just a string"`, nil},
		{"a top-level number is valid", `-12.5e+3`, nil},
		{"surrounding whitespace is valid", " \t\r\n{}\n ", nil},
		{"empty containers are valid", `[{},[],""]`, nil},
		{"escapes are valid", `"\"\\\/\n\t\r\u00e9\ud83d\ude00"`, nil},
		{"raw UTF-8 is valid", `{"name":"张伟","city":"Zürich"}`, nil},
		{"an empty body is invalid", ``, ErrInvalidJSON},
		{"only whitespace is invalid", `   `, ErrInvalidJSON},
		{"trailing garbage is invalid", `{"a":1}x`, ErrInvalidJSON},
		{"a second value is invalid", `{"a":1} {"b":2}`, ErrInvalidJSON},
		{"a trailing comma in an object is invalid", `{"a":1,}`, ErrInvalidJSON},
		{"a trailing comma in an array is invalid", `[1,2,]`, ErrInvalidJSON},
		{"a missing colon is invalid", `{"a" 1}`, ErrInvalidJSON},
		{"a bare key is invalid", `{a:1}`, ErrInvalidJSON},
		{"single quotes are invalid", `{'a':1}`, ErrInvalidJSON},
		{"a leading zero is invalid", `[01]`, ErrInvalidJSON},
		{"a bare minus is invalid", `[-]`, ErrInvalidJSON},
		{"a fraction without digits is invalid", `[1.]`, ErrInvalidJSON},
		{"an exponent without digits is invalid", `[1e]`, ErrInvalidJSON},
		{"a leading plus is invalid", `[+1]`, ErrInvalidJSON},
		{"NaN is invalid", `[NaN]`, ErrInvalidJSON},
		{"a truncated literal is invalid", `[tru]`, ErrInvalidJSON},
		{"a literal with a suffix is invalid", `[truex]`, ErrInvalidJSON},
		{"an unclosed string is invalid", `"abc`, ErrInvalidJSON},
		{"an unclosed array is invalid", `[1,2`, ErrInvalidJSON},
		{"a mismatched bracket is invalid", `[1}`, ErrInvalidJSON},
		{"a raw newline in a string is invalid", "\"a\nb\"", ErrInvalidJSON},
		{"a raw tab in a string is invalid", "\"a\tb\"", ErrInvalidJSON},
		{"an unknown escape is invalid", `"\x41"`, ErrInvalidJSON},
		{"a short unicode escape is invalid", `"\u12"`, ErrInvalidJSON},
		{"a byte order mark is invalid", "\xef\xbb\xbf{}", ErrInvalidJSON},
		{"a comment is invalid", `{"a":1 /* c */}`, ErrInvalidJSON},
		{"invalid UTF-8 in a string is refused", "\"caf\xe9\"", ErrInvalidUTF8},
		{"invalid UTF-8 in a key is refused", "{\"caf\xe9\":1}", ErrInvalidUTF8},
		{"a lone high surrogate is refused", `"\ud800"`, ErrInvalidUTF8},
		{"a lone low surrogate is refused", `"\udc00x"`, ErrInvalidUTF8},
		{"a high surrogate before a non-surrogate is refused", `"\ud800\u0041"`, ErrInvalidUTF8},
		{"an escaped NUL is refused", `{"a":"x\u0000y"}`, ErrControlCharacter},
		{"an escaped bell is refused", `"\u0007"`, ErrControlCharacter},
		{"an escaped backspace is refused", `"\b"`, ErrControlCharacter},
		{"an escaped NUL in a key is refused", `{"a\u0000":1}`, ErrControlCharacter},
		{"escaped tab, newline and return are text", `"a\tb\nc\r\u0009\u000a"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := s.CheckJSON([]byte(tt.doc))
			if tt.want == nil {
				require.NoError(t, err)
				require.True(t, json.Valid([]byte(tt.doc)), "the test case itself must be valid JSON")
				return
			}
			require.ErrorIs(t, err, tt.want)
			if tt.want == ErrInvalidJSON {
				require.False(t, json.Valid([]byte(tt.doc)), "encoding/json must agree")
			}
		})
	}
}

func TestJSONDuplicateKeys(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{})
	exact := mustNew(t, Options{JSONCaseSensitiveKeys: true})
	tests := []struct {
		name      string
		doc       string
		dup, fold bool // duplicate when compared exactly; when folded like encoding/json
	}{
		{"a repeated key is a duplicate", `{"role":"user","role":"admin"}`, true, true},
		{"an escaped spelling of the same key is a duplicate", `{"role":"user","r\u006fle":"admin"}`, true, true},
		{"an escaped solidus spells the same key", `{"a/b":1,"a\/b":2}`, true, true},
		{"a surrogate pair spells the same key as raw UTF-8", `{"😀":1,"\ud83d\ude00":2}`, true, true},
		{"keys differing in case are one field for encoding/json", `{"role":"user","Role":"admin"}`, false, true},
		{"the Kelvin sign folds to k", `{"kind":1,"` + "\u212a" + `ind":2}`, false, true},
		{"long s folds to s", `{"user":1,"u` + "\u017f" + `er":2}`, false, true},
		{"different keys are fine", `{"a":1,"b":2,"c":{"a":3}}`, false, false},
		{"the same key in sibling objects is fine", `[{"a":1},{"a":2}]`, false, false},
		{"the same key at two depths is fine", `{"a":{"a":{"a":1}}}`, false, false},
		{"a parent key after a child object is still checked", `{"a":1,"b":{"a":2,"c":3},"a":4}`, true, true},
		{"a duplicate in a large object is found", bigObject(50, 37), true, true},
		{"a duplicate at the very end of a large object is found", bigObject(5000, 4999), true, true},
		{"a large object without duplicates passes", bigObject(5000, -1), false, false},
		{"long names are compared whole", `{"` + strings.Repeat("k", 300) + `a":1,"` + strings.Repeat("k", 300) + `b":2}`, false, false},
		{"a repeated long name is a duplicate", `{"` + strings.Repeat("Kk", 150) + `":1,"` + strings.Repeat("kK", 150) + `":2}`, false, true},
		{"an escape after a long plain run is decoded", `{"` + strings.Repeat("x", 100) + `\u0041":1,"` + strings.Repeat("x", 100) + `A":2}`, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.True(t, json.Valid([]byte(tt.doc)))
			lim := Options{MaxJSONObjectKeys: 10000}
			s, exact := s, exact
			if len(tt.doc) > 1000 {
				s, exact = mustNew(t, lim), mustNew(t, Options{MaxJSONObjectKeys: 10000, JSONCaseSensitiveKeys: true})
			}
			check := func(s *Sanitizer, dup bool) {
				err := s.CheckJSON([]byte(tt.doc))
				if dup {
					require.ErrorIs(t, err, ErrJSONDuplicateKey)
				} else {
					require.NoError(t, err)
				}
			}
			check(exact, tt.dup)
			check(s, tt.fold)
		})
	}
}

// bigObject returns an object with n distinct keys; when dupAt >= 0 the key
// of member dupAt is repeated at the end.
func bigObject(n, dupAt int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `"key%d":%d,`, i, i)
	}
	if dupAt >= 0 {
		fmt.Fprintf(&b, `"key%d":0,`, dupAt)
	}
	b.WriteString(`"end":true}`)
	return b.String()
}

func TestJSONDuplicateDetectionIsLinear(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{MaxJSONObjectKeys: 300000, MaxBodyBytes: 8 << 20})
	probes := func(n int) int {
		sc := s.getScratch()
		defer s.putScratch(sc)
		require.NoError(t, s.scanJSON([]byte(bigObject(n, -1)), sc, false))
		return sc.json.probes
	}
	small, large := probes(10000), probes(100000)
	// Quadratic behaviour would cost about 100x more probes for 10x more keys.
	require.Less(t, large, 15*small, "probes: %d for 10k keys, %d for 100k keys", small, large)
	require.Less(t, large, 4*100000)

	// Sibling objects after a big one do not pay for its table.
	doc := "[" + bigObject(100000, -1) + strings.Repeat(`,{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, 2000) + "]"
	sc := s.getScratch()
	require.NoError(t, s.scanJSON([]byte(doc), sc, false))
	require.Less(t, sc.json.probes, 4*120000)
	s.putScratch(sc)
}

func TestJSONLimits(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{MaxJSONDepth: 3, MaxJSONStringBytes: 8, MaxJSONArrayLen: 3, MaxJSONObjectKeys: 2})
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"nesting at the limit passes", `[[{"a":1}]]`, nil},
		{"nesting over the limit is refused", `[[[[1]]]]`, ErrJSONDepth},
		{"deep nesting of empty containers is refused", `[[[{}]]]`, ErrJSONDepth},
		{"a string at the limit passes", `"12345678"`, nil},
		{"a string over the limit is refused", `"123456789"`, ErrJSONString},
		{"a key over the limit is refused", `{"123456789":1}`, ErrJSONString},
		{"a number over the limit is refused", `123456789`, ErrJSONString},
		{"an array at the limit passes", `[1,2,3]`, nil},
		{"an array over the limit is refused", `[1,2,3,4]`, ErrJSONArray},
		{"an object at the limit passes", `{"a":1,"b":2}`, nil},
		{"an object over the limit is refused", `{"a":1,"b":2,"c":3}`, ErrJSONObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := s.CheckJSON([]byte(tt.doc))
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestJSONDeepNestingNeedsNoStack(t *testing.T) {
	t.Parallel()
	s := mustNew(t, Options{MaxJSONDepth: 10000})
	doc := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	require.NoError(t, s.CheckJSON([]byte(doc)))
	doc = strings.Repeat("[", 100000)
	require.ErrorIs(t, s.CheckJSON([]byte(doc)), ErrJSONDepth)
}

func TestJSONRejectionsThroughTheHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		rule Rule
	}{
		{"a duplicate key is refused with its rule", `{"role":"user","r\u006fle":"admin"}`, RuleJSONDuplicateKey},
		{"trailing garbage is refused", `{"a":1}]`, RuleInvalidJSON},
		{"a hidden NUL is refused", `{"name":"admin\u0000"}`, RuleControlCharacter},
		{"deep nesting is refused", strings.Repeat("[", 40) + strings.Repeat("]", 40), RuleJSONDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, got, events := serve(t, Options{}, jsonRequest(tt.body))
			requireRejected(t, rec, events, 400, tt.rule, "admin")
			require.Nil(t, got)
		})
	}
}

func TestCheckJSONAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	s := mustNew(t, Options{})
	doc := []byte(`{"id":42,"name":"Alice","tags":["a","b"],"nested":{"k":"v","n":[1,2,3]},"Name2":"x","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}`)
	require.NoError(t, s.CheckJSON(doc))
	allocs := testing.AllocsPerRun(100, func() { _ = s.CheckJSON(doc) })
	require.Zero(t, allocs)
}
