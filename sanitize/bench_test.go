package sanitize

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchDoc returns a JSON document of about size bytes: an array of
// records such as an API exchanges (ids, names, prose, nested tags).
func benchDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < size-150; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user %d","email":"user%d@example.com","active":%t,"score":%d.5,"bio":"Likes tea, O'Brien's pub and long walks; \u00e9t\u00e9 \"quoted\"","tags":["a","b%d"]}`,
			i, i, i, i%2 == 0, i*7, i%10)
	}
	b.WriteString(`],"total":1}`)
	return []byte(b.String())
}

func BenchmarkJSON(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1KB", 1 << 10}, {"1MB", 1 << 20}} {
		doc := benchDoc(size.n)
		if !json.Valid(doc) {
			b.Fatal("invalid benchmark document")
		}
		s := mustNew(b, Options{MaxJSONArrayLen: 1 << 20})
		if err := s.CheckJSON(doc); err != nil {
			b.Fatal(err)
		}
		b.Run(size.name+"/gatehouse", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if s.CheckJSON(doc) != nil {
					b.Fatal("rejected")
				}
			}
		})
		b.Run(size.name+"/encoding-json-valid", func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// BenchmarkHandlerJSON measures the whole middleware on a JSON POST: one
// body buffer per request, the JSON check, and the detector on every
// string value.
func BenchmarkHandlerJSON(b *testing.B) {
	doc := benchDoc(1 << 10)
	for _, mode := range []struct {
		name string
		m    Mode
	}{{"detect-off", DetectOff}, {"detect-log", DetectLog}} {
		s := mustNew(b, Options{Detection: mode.m})
		h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		r := httptest.NewRequest(http.MethodPost, "/api/items?page=2&sort=name", nil)
		r.Header.Set("Content-Type", "application/json")
		body := &rewindBody{}
		w := &nopWriter{h: http.Header{}}
		b.Run("1KB/"+mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				body.reset(doc)
				r.Body, r.ContentLength = body, int64(len(doc))
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkURLAndHeaders measures the query and header rules on a clean
// GET: 0 allocs/op.
func BenchmarkURLAndHeaders(b *testing.B) {
	s := mustNew(b, Options{})
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/api/v1/users/42/posts?page=2&sort=-created&q=select+the+best+option&lang=zh-CN", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Language", "en-US,en;q=0.9,zh-CN;q=0.8")
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
	r.Header.Set("Cookie", "session=abc123; theme=dark")
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkDetect(b *testing.B) {
	d := &Detector{}
	for _, c := range []struct{ name, in string }{
		{"prose", "Please update my plan to the annual one; O'Brien said it's 20% cheaper & better."},
		{"chinese", "你好，请帮我更新我的套餐。这个函数的返回值是什么？"},
		{"code", "if err != nil { return fmt.Errorf(\"open %s: %w\", name, err) }"},
		{"xss", `<img src=x onerror=alert(document.cookie)>`},
		{"sqli", `' OR '1'='1' --`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				d.Detect(c.in)
			}
		})
	}
}

type rewindBody struct {
	b   []byte
	off int
}

func (r *rewindBody) reset(b []byte) { r.b, r.off = b, 0 }
func (r *rewindBody) Close() error   { return nil }
func (r *rewindBody) Read(p []byte) (int, error) {
	if r.off >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}
