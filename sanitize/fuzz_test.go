package sanitize

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// refDuplicate reports whether a valid JSON document names a member twice
// in one object (names compared exactly after decoding), using
// encoding/json's tokenizer: an implementation independent of the scanner.
func refDuplicate(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // next string token in this object is a member name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.key {
			if s, ok := tok.(string); ok {
				if top.keys[s] {
					return true
				}
				top.keys[s] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.obj {
				top.key = true
			}
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			if top != nil && top.obj {
				top.key = true
			}
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].key = true
			}
			continue
		}
		if top != nil && top.obj {
			top.key = true // a scalar value: the next string is a name
		}
	}
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `[1,2,{"b":[true,false,null]}]`, `"x"`, `-0.5e+10`, `{"a":1,"a":2}`,
		`{"role":"user","r\u006fle":"admin"}`, `{"\ud83d\ude00":1,"😀":2}`, `{"a":{"a":1},"b":{"a":2}}`,
		`"\u0000"`, `"\ud800"`, "\"\xff\"", `[01]`, `{"a" 1}`, `{}x`, `[` + strings.Repeat(`{"k":[`, 10),
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"a":10}`, ` `, ``,
	} {
		f.Add([]byte(s))
	}
	s, err := New(Options{
		MaxJSONDepth: 10000, MaxJSONStringBytes: 1 << 30, MaxJSONArrayLen: 1 << 30, MaxJSONObjectKeys: 1 << 30,
		JSONCaseSensitiveKeys: true,
	})
	if err != nil {
		f.Fatal(err)
	}
	folded, err := New(Options{MaxJSONDepth: 10000})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := s.CheckJSON(data)
		_ = folded.CheckJSON(data) // must not panic
		valid := json.Valid(data)
		switch {
		case err == nil:
			if !valid {
				t.Fatalf("accepted but json.Valid says invalid: %q", data)
			}
			if refDuplicate(data) {
				t.Fatalf("missed a duplicate member name: %q", data)
			}
		case errors.Is(err, ErrInvalidJSON):
			if valid {
				t.Fatalf("rejected as malformed but json.Valid accepts: %q", data)
			}
		case errors.Is(err, ErrJSONDuplicateKey):
			// The scan stops at the first duplicate, so a syntax error
			// further on may go unreported; in a valid document the
			// duplicate must be real.
			if valid && !refDuplicate(data) {
				t.Fatalf("reported a duplicate that is not one: %q", data)
			}
		case errors.Is(err, ErrControlCharacter), errors.Is(err, ErrInvalidUTF8):
			// rules json.Valid does not have
		default:
			t.Fatalf("unexpected error %v for %q", err, data)
		}
	})
}

// decodedSegments percent-decodes a path up to three times, as an
// attacker's backend might, and returns its segments.
func decodedSegments(p string) []string {
	for i := 0; i < 3; i++ {
		d, err := url.PathUnescape(p)
		if err != nil || d == p {
			break
		}
		p = d
	}
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"/a/b?c=d", "/a/../b", "/a/%2e%2e/b", "/a/%252e%252e/b", "/%c0%ae%c0%ae/x", "/a;b/..;/c",
		"/a?x=%zz", "/a?q=%00", "/a?" + strings.Repeat("k=v&", 50), "http://h/a/./b", "*", "/\\x",
	} {
		f.Add(s, "value")
	}
	s, err := New(Options{Detection: DetectLog})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, uri, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RequestURI = uri
		r.Header.Set("X-Fuzz", header)
		err := s.Check(r)
		if err != nil {
			if RuleOf(err) == "" {
				t.Fatalf("error without a rule: %v", err)
			}
			return
		}
		_, path, _ := target(r)
		for _, seg := range decodedSegments(path) {
			seg, _, _ = strings.Cut(seg, ";")
			if seg == "." || seg == ".." {
				t.Fatalf("accepted a dot segment: %q", uri)
			}
		}
		if strings.ContainsAny(header, "\x00\r\n") {
			t.Fatalf("accepted a control character in a header: %q", header)
		}
	})
}

func FuzzDetect(f *testing.F) {
	for _, s := range append(loadCorpus(f, "xss.txt")[:10], loadCorpus(f, "benign.txt")[:10]...) {
		f.Add(s)
	}
	for _, s := range []string{"' or 1=1--", "../../etc/passwd", "; id", "`id`", "%252e", "&#x3c;", "＜", "\xc0\xae"} {
		f.Add(s)
	}
	d := &Detector{}
	f.Fuzz(func(t *testing.T, in string) {
		f1, ok1 := d.Detect(in)
		f2, ok2 := d.Detect(in)
		if ok1 != ok2 || f1 != f2 {
			t.Fatalf("not deterministic on %q", in)
		}
		if ok1 && (f1.Class&(f1.Class-1) != 0 || f1.Class&allClasses == 0 || f1.Signal == "") {
			t.Fatalf("bad finding %+v", f1)
		}
	})
}

func FuzzCheckBody(f *testing.F) {
	mp := "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"cat.png\"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--b--\r\n"
	for _, s := range []string{mp, "--b\r\n\r\n--b--", "a=1&b=%zz", "plain text\x00", `{"a":1}`} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	s, err := New(Options{ContentTypes: map[string][]string{"": {"*/*"}}, Detection: DetectBlock})
	if err != nil {
		f.Fatal(err)
	}
	types := []string{"multipart/form-data; boundary=b", "application/x-www-form-urlencoded", "text/plain", "application/json"}
	f.Fuzz(func(t *testing.T, body string, kind uint8) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", types[int(kind)%len(types)])
		if err := s.Check(r); err != nil {
			return
		}
		got, err := io.ReadAll(r.Body)
		if err != nil || string(got) != body {
			t.Fatalf("an accepted body must reach the handler unchanged")
		}
	})
}
