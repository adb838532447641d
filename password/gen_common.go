//go:build ignore

// gen_common extracts the password frequency list of the zxcvbn npm package
// (MIT, see NOTICE-zxcvbn.txt) into common_passwords.txt.gz: lower-cased,
// NFKC, de-duplicated, sorted bytewise, one per line, gzip.
//
//	cd /tmp && npm pack zxcvbn@4.4.2 && tar xzf zxcvbn-4.4.2.tgz
//	go run gen_common.go -in /tmp/package/lib/frequency_lists.js
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"log"
	"os"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

func main() {
	in := flag.String("in", "", "zxcvbn lib/frequency_lists.js")
	out := flag.String("out", "common_passwords.txt.gz", "output file")
	flag.Parse()
	src, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*passwords: "([^"]*)"\.split\(","\)`).FindSubmatch(src)
	if m == nil {
		log.Fatal("passwords list not found")
	}
	var words []string
	for _, w := range strings.Split(string(m[1]), ",") {
		w = strings.ToLower(norm.NFKC.String(w))
		if w != "" {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	words = slices.Compact(words)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	zw.Write([]byte(strings.Join(words, "\n") + "\n"))
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d words, %d bytes compressed", len(words), buf.Len())
}
