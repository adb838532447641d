// Package problem writes RFC 9457 "application/problem+json" responses.
//
// Every Gatehouse package that rejects a request answers through this
// package, so that clients see one error shape everywhere:
//
//	{"type":"about:blank","title":"Too Many Requests","status":429,"code":"rate_limited","detail":"..."}
//
// The code member is a stable, machine-readable identifier (snake_case) that
// clients may switch on; title and detail are for humans and may change.
// A Problem never contains request input: titles and details are fixed texts
// chosen by the package that rejects, so nothing a client sends is echoed.
//
// Problems are built once (usually in a package-level variable or in a
// middleware's New) with [New]; [Problem.Write] then costs no allocation.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentType is the media type of a problem body (RFC 9457, section 3).
const ContentType = "application/problem+json"

// Header values shared by every problem response. Each slice has len == cap
// so that an append by a later handler copies instead of writing into the
// shared backing array.
var (
	contentTypeValue = []string{ContentType}
	nosniffValue     = []string{"nosniff"}
	noStoreValue     = []string{"no-store"}
)

// Problem is a precomputed problem+json response.
//
// A Problem is immutable after New and safe for concurrent use.
type Problem struct {
	status int
	code   string
	title  string
	detail string
	body   []byte
	length []string
}

// body is the JSON shape of a problem document. The member order is fixed so
// that bodies are byte-for-byte stable.
type body struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// New builds a problem with the given HTTP status, stable code, and human
// detail. The title is the status text of the code ("Too Many Requests").
// Detail may be empty; it must be a fixed text, never request input.
func New(status int, code, detail string) *Problem {
	return NewTitled(status, code, http.StatusText(status), detail)
}

// NewTitled is New with an explicit title.
func NewTitled(status int, code, title, detail string) *Problem {
	b, err := json.Marshal(body{Type: "about:blank", Title: title, Status: status, Code: code, Detail: detail})
	if err != nil {
		// Marshalling a struct of strings and an int cannot fail.
		panic("problem: " + err.Error())
	}
	b = append(b, '\n')
	return &Problem{
		status: status,
		code:   code,
		title:  title,
		detail: detail,
		body:   b,
		length: []string{strconv.Itoa(len(b))},
	}
}

// Status returns the HTTP status code of the problem.
func (p *Problem) Status() int { return p.status }

// Code returns the stable machine-readable code of the problem.
func (p *Problem) Code() string { return p.code }

// Title returns the short human-readable summary of the problem.
func (p *Problem) Title() string { return p.title }

// Detail returns the human-readable explanation, possibly empty.
func (p *Problem) Detail() string { return p.detail }

// Body returns a copy of the encoded JSON body, newline-terminated.
func (p *Problem) Body() []byte { return append([]byte(nil), p.body...) }

// Write sends the problem as the complete response. Headers already set on
// w (Retry-After, WWW-Authenticate, Vary, ...) are kept; Content-Type,
// Content-Length, X-Content-Type-Options and Cache-Control are set.
// Write allocates nothing.
func (p *Problem) Write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = contentTypeValue
	h["Content-Length"] = p.length
	h["X-Content-Type-Options"] = nosniffValue
	h["Cache-Control"] = noStoreValue
	w.WriteHeader(p.status)
	_, _ = w.Write(p.body)
}

// Write sends a problem built on the spot. Prefer a Problem built once with
// New on hot paths; Write allocates.
func Write(w http.ResponseWriter, status int, code, detail string) {
	New(status, code, detail).Write(w)
}

// WriteJSON sends a problem whose body carries extension members beyond the
// standard ones (RFC 9457, section 3.2), for example the list of failed
// password rules. ext must marshal to a JSON object; its members are merged
// after the standard members and may not replace them. ext must not contain
// raw request input that the client did not itself send in this request.
func WriteJSON(w http.ResponseWriter, status int, code, detail string, ext map[string]any) {
	m := make(map[string]any, len(ext)+5)
	for k, v := range ext {
		m[k] = v
	}
	m["type"] = "about:blank"
	m["title"] = http.StatusText(status)
	m["status"] = status
	m["code"] = code
	if detail != "" {
		m["detail"] = detail
	} else {
		delete(m, "detail")
	}
	b, err := json.Marshal(m)
	if err != nil {
		New(http.StatusInternalServerError, "internal_error", "").Write(w)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h["Content-Type"] = contentTypeValue
	h["X-Content-Type-Options"] = nosniffValue
	h["Cache-Control"] = noStoreValue
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
