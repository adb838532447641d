package cors

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeaderSetAccepts(t *testing.T) {
	t.Parallel()
	list := newHeaderSet([]string{"Content-Type", "X-Request-Id", "Authorization"})
	star := newHeaderSet([]string{"*"})
	cases := []struct {
		name      string
		set       headerSet
		lines     []string
		ok, names bool
	}{
		{"no field accepts nothing", list, nil, true, false},
		{"an empty field names nothing", list, []string{""}, true, false},
		{"a browser's sorted lowercase list is accepted", list, []string{"authorization,content-type,x-request-id"}, true, true},
		{"any order and case is accepted", list, []string{"X-REQUEST-ID,Content-Type,authorization"}, true, true},
		{"duplicates are accepted", list, []string{"content-type,content-type"}, true, true},
		{"several lines are accepted", list, []string{"content-type", "authorization"}, true, true},
		{"optional whitespace is accepted", list, []string{" content-type\t,\tauthorization "}, true, true},
		{"a trailing comma is accepted", list, []string{"content-type,"}, true, true},
		{"sixteen empty elements are accepted", list, []string{strings.Repeat(",", 15)}, true, false},
		{"seventeen empty elements are refused", list, []string{strings.Repeat(",", 16)}, false, false},
		{"empty lines count as empty elements", list, strings.Split(strings.Repeat("\n", 20), "\n"), false, false},
		{"an unknown name is refused", list, []string{"content-type,x-other"}, false, false},
		{"a prefix of an allowed name is refused", list, []string{"content"}, false, false},
		{"an allowed name with a suffix is refused", list, []string{"content-types"}, false, false},
		{"a semicolon is refused", list, []string{"content-type;authorization"}, false, false},
		{"inner whitespace is refused", list, []string{"content type"}, false, false},
		{"a control character is refused", list, []string{"content-type\x00"}, false, false},
		{"non-ASCII is refused", list, []string{"cöntent-type"}, false, false},
		{"nine spaces of padding are refused", list, []string{"         content-type"}, false, false},
		{"a star is not a wildcard in a request", list, []string{"*"}, false, false},
		{"a star set accepts any token", star, []string{"x-a,x-b,*"}, true, true},
		{"a star set refuses authorization", star, []string{"x-a,Authorization"}, false, false},
		{"a star set refuses malformed names", star, []string{"x-a,x:b"}, false, false},
		{"a star set refuses names over the length bound", star, []string{strings.Repeat("x", maxHeaderNameLen+1)}, false, false},
		{"a star set accepts a name at the length bound", star, []string{strings.Repeat("x", maxHeaderNameLen)}, true, true},
		{"sixty-four names are accepted", list, []string{strings.Repeat("content-type,", 63) + "content-type"}, true, true},
		{"sixty-five names are refused", list, []string{strings.Repeat("content-type,", 64) + "content-type"}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, names := tc.set.accepts(tc.lines)
			require.Equal(t, tc.ok, ok, "ok")
			require.Equal(t, tc.names, names, "names")
		})
	}
}

func TestHeaderSetWorkIsBoundedByTheConfiguration(t *testing.T) {
	t.Parallel()
	for _, allowed := range [][]string{{"Content-Type"}, {"*"}} {
		set := newHeaderSet(allowed)
		// Per element scan reads at most OWS, a name, OWS and a comma, and it
		// gives up after maxNames names and maxEmptyElements empty elements.
		perElement := 2*maxOWS + set.maxName + 1
		bound := (set.maxNames + maxEmptyElements + 1) * perElement
		big := strings.Repeat("x", 1<<20)
		cases := map[string][]string{
			"a megabyte of commas":                    {strings.Repeat(",", 1<<20)},
			"a thousand lines of a thousand commas":   strings.Split(strings.Repeat(strings.Repeat(",", 1000)+"\n", 1000), "\n"),
			"a million empty lines":                   make([]string, 1<<20),
			"a megabyte of allowed names":             {strings.Repeat("content-type,", 1<<16)},
			"a megabyte of padded names":              {strings.Repeat("content-type ,", 1<<16)},
			"a megabyte of spaces":                    {strings.Repeat(" ", 1<<20)},
			"a megabyte-long name":                    {big},
			"many lines of allowed names":             strings.Split(strings.Repeat("content-type\n", 1<<16), "\n"),
			"an allowed name then a megabyte of junk": {"content-type," + big},
		}
		for name, lines := range cases {
			ok, _, read := set.scan(lines)
			require.False(t, ok, "%s with %v", name, allowed)
			require.LessOrEqual(t, read, bound, "%s with %v", name, allowed)
		}
	}
}

func TestNormalizeMethod(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"get": "GET", "Post": "POST", "delete": "DELETE", "put": "PUT", "head": "HEAD", "options": "OPTIONS",
		"patch": "patch", "PATCH": "PATCH", "propfind": "propfind",
	} {
		require.Equal(t, want, normalizeMethod(in), in)
	}
}
