package sanitize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

// serve runs r through a Sanitizer built from opts and returns the
// response, the body the handler read (nil when it was not called) and the
// recorded events.
func serve(t *testing.T, opts Options, r *http.Request) (*httptest.ResponseRecorder, []byte, []audit.Event) {
	t.Helper()
	mem := audit.NewMemory(10)
	opts.Audit = mem
	s, err := New(opts)
	require.NoError(t, err)
	var got []byte
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		got = append([]byte{}, b...)
		w.WriteHeader(http.StatusNoContent)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	events, err := mem.Query(context.Background(), audit.Filter{})
	require.NoError(t, err)
	return rec, got, events
}

func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// requireRejected checks status, problem code, that the body does not echo
// secret, and the input_validation_fail event.
func requireRejected(t *testing.T, rec *httptest.ResponseRecorder, events []audit.Event, status int, rule Rule, secret string) {
	t.Helper()
	require.Equal(t, status, rec.Code)
	require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	var p map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	require.Equal(t, string(rule), p["code"])
	if secret != "" {
		require.NotContains(t, rec.Body.String(), secret, "the problem must not echo input")
	}
	require.Len(t, events, 1)
	e := events[0]
	if rule == RuleMaliciousInput {
		require.Equal(t, audit.OutcomeBlocked, e.Outcome)
		require.Equal(t, string(rule), e.Details["rule"])
		return
	}
	require.Equal(t, audit.InputValidationFail, e.Type)
	require.Equal(t, audit.OutcomeBlocked, e.Outcome)
	require.Equal(t, string(rule), e.Details["rule"])
	require.Equal(t, "sanitize", e.Source)
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"a negative body limit is an error", Options{MaxBodyBytes: -1}, "MaxBodyBytes must not be negative"},
		{"a body limit above 1 GiB is an error", Options{MaxBodyBytes: 2 << 30}, "at most 1 GiB"},
		{"an upload limit above 1 GiB is an error", Options{MaxUploadBytes: 2 << 30}, "at most 1 GiB"},
		{"a depth above 10000 is an error", Options{MaxJSONDepth: 10001}, "MaxJSONDepth must be at most"},
		{"a negative header limit is an error", Options{MaxHeaders: -5}, "MaxHeaders must not be negative"},
		{"an unknown rule in Disable is an error", Options{Disable: []Rule{"no_such_rule"}}, "unknown rule"},
		{"the body size rule cannot be disabled", Options{Disable: []Rule{RuleBodyTooLarge}}, "cannot be disabled"},
		{"the upload size rule cannot be disabled", Options{Disable: []Rule{RuleUploadTooLarge}}, "cannot be disabled"},
		{"an unknown detection mode is an error", Options{Detection: 7}, "unknown detection mode"},
		{"an unknown unicode check is an error", Options{Unicode: 64}, "unknown unicode check"},
		{"a malformed media type is an error", Options{ContentTypes: map[string][]string{"POST": {"json"}}}, "invalid media type"},
		{"a malformed method is an error", Options{ContentTypes: map[string][]string{"PO ST": {"application/json"}}}, "invalid method"},
		{"an HTML upload type is an error", Options{AllowedUploads: map[string]string{".html": "text/html"}}, "active content"},
		{"an SVG upload type is an error", Options{AllowedUploads: map[string]string{".svg": "image/svg+xml"}}, "active content"},
		{"an upload type sniffed as HTML is an error", Options{AllowedUploads: map[string]string{".htmx": "text/html"}}, "active content"},
		{"an upload extension without a dot is an error", Options{AllowedUploads: map[string]string{"png": "image/png"}}, "one leading dot"},
		{"an upload extension in upper case is an error", Options{AllowedUploads: map[string]string{".PNG": "image/png"}}, "lower case"},
		{"a wildcard upload type is an error", Options{AllowedUploads: map[string]string{".png": "image/*"}}, "must be a media type"},
		{"an invalid header name to inspect is an error", Options{DetectHeaders: []string{"User Agent"}}, "invalid header name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
			require.True(t, strings.HasPrefix(err.Error(), "sanitize: "))
		})
	}
}

func TestZeroOptionsAreTheDocumentedDefaults(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	require.NoError(t, err)
	require.EqualValues(t, 1<<20, s.maxBody)
	require.Equal(t, 32, s.json.maxDepth)
	require.Equal(t, 256<<10, s.json.maxString)
	require.Equal(t, 10000, s.json.maxArray)
	require.Equal(t, 1000, s.json.maxKeys)
	require.True(t, s.json.foldKeys)
	require.Equal(t, 8<<10, s.maxURL)
	require.Equal(t, 100, s.maxParams)
	require.Equal(t, 4<<10, s.maxValue)
	require.Equal(t, 64<<10, s.maxField)
	require.Equal(t, 100, s.maxHeaders)
	require.Equal(t, 32<<10, s.maxHeaderBytes)
	require.Equal(t, 8<<10, s.maxHeaderValue)
	require.EqualValues(t, 10<<20, s.maxUpload)
	require.EqualValues(t, 10<<20, s.maxFile)
	require.Equal(t, 32, s.maxParts)
	require.Equal(t, DetectLog, s.mode)
	require.Equal(t, UnicodeCheck(0), s.unicode)
	require.Equal(t, defaultUploads, s.uploads)
	require.True(t, s.allowedType("POST", "application", "json"))
	require.False(t, s.allowedType("POST", "text", "plain"))
}

func TestRulesAndBitsAgree(t *testing.T) {
	t.Parallel()
	require.Equal(t, bitMalicious, ruleSet(1)<<(len(rules)-1))
	for i, r := range rules {
		bit, ok := ruleBit(r)
		require.True(t, ok)
		require.Equal(t, ruleSet(1)<<i, bit, r)
	}
	// Every rule has its sentinel, with a problem whose code is the rule.
	for _, e := range []*Error{ErrBodyTooLarge, ErrUnsupportedMediaType, ErrInvalidUTF8, ErrControlCharacter,
		ErrInvalidJSON, ErrJSONDepth, ErrJSONString, ErrJSONArray, ErrJSONObject, ErrJSONDuplicateKey,
		ErrURITooLong, ErrTooManyParams, ErrValueTooLong, ErrInvalidEncoding, ErrPathTraversal,
		ErrTooManyHeaders, ErrHeaderTooLarge, ErrInvalidMultipart, ErrTooManyParts, ErrFileTooLarge,
		ErrUploadTooLarge, ErrFileType, ErrUnicodeNotNFC, ErrUnicodeSmuggling, ErrMaliciousInput} {
		require.Equal(t, string(e.Rule), e.problem.Code())
		require.Equal(t, e.Status, e.problem.Status())
		require.True(t, errors.Is(e, ErrRejected))
		require.Equal(t, e.Rule, RuleOf(e))
	}
}

func TestBodyIsHandedOnUnchangedAndRereadable(t *testing.T) {
	t.Parallel()
	body := `{"name":"O'Brien","note":"please update my plan","html":"<b>hi</b>"}`
	s, err := New(Options{})
	require.NoError(t, err)
	called := false
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		require.EqualValues(t, len(body), r.ContentLength)
		b, ok := Body(r)
		require.True(t, ok)
		require.Equal(t, body, string(b))
		first, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		require.Equal(t, body, string(first))
		_, err = r.Body.(io.Seeker).Seek(0, io.SeekStart)
		require.NoError(t, err)
		var v map[string]string
		require.NoError(t, json.NewDecoder(r.Body).Decode(&v))
		require.Equal(t, "O'Brien", v["name"])
		require.NoError(t, r.Body.Close())
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, jsonRequest(body))
	require.True(t, called)
	require.Equal(t, http.StatusOK, rec.Code)
}

func TestBodyOfUnknownLengthIsReadAndLimited(t *testing.T) {
	t.Parallel()
	body := `{"a":"` + strings.Repeat("x", 10000) + `"}`
	r := jsonRequest(body)
	r.ContentLength = -1
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(body[:10]), strings.NewReader(body[10:])))
	rec, got, _ := serve(t, Options{}, r)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, body, string(got))

	r = jsonRequest(body)
	r.ContentLength = -1
	r.Body = io.NopCloser(strings.NewReader(body))
	rec, got, events := serve(t, Options{MaxBodyBytes: 5000}, r)
	requireRejected(t, rec, events, http.StatusRequestEntityTooLarge, RuleBodyTooLarge, "")
	require.Nil(t, got)
	require.Equal(t, "close", rec.Header().Get("Connection"))
}

// countingBody records whether anything was read from it.
type countingBody struct {
	io.Reader
	reads int
}

func (c *countingBody) Read(p []byte) (int, error) { c.reads++; return c.Reader.Read(p) }
func (c *countingBody) Close() error               { return nil }

func TestDeclaredLengthOverTheLimitIsRefusedBeforeReading(t *testing.T) {
	t.Parallel()
	// With "Expect: 100-continue", net/http sends "100 Continue" only on the
	// first read: a refusal without reading means the client never sends.
	body := &countingBody{Reader: strings.NewReader(strings.Repeat("x", 2048))}
	r := httptest.NewRequest(http.MethodPost, "/upload", nil)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Expect", "100-continue")
	r.Body, r.ContentLength = body, 2048
	rec, got, events := serve(t, Options{MaxBodyBytes: 1024}, r)
	requireRejected(t, rec, events, http.StatusRequestEntityTooLarge, RuleBodyTooLarge, "")
	require.Nil(t, got)
	require.Zero(t, body.reads)
}

func TestBodyLongerThanDeclaredIsCaught(t *testing.T) {
	t.Parallel()
	r := jsonRequest(`{"a":1}` + strings.Repeat(" ", 100))
	r.ContentLength = 7 // a lying Content-Length on a hand-made request
	rec, _, events := serve(t, Options{MaxBodyBytes: 50}, r)
	requireRejected(t, rec, events, http.StatusRequestEntityTooLarge, RuleBodyTooLarge, "")
}

func TestContentTypeRules(t *testing.T) {
	t.Parallel()
	upload := map[string][]string{"POST": {"multipart/form-data", "image/*"}, "": {"application/json"}}
	tests := []struct {
		name   string
		opts   Options
		method string
		ct     []string
		status int
	}{
		{"JSON is accepted by default", Options{}, "POST", []string{"application/json"}, 204},
		{"JSON with charset utf-8 is accepted", Options{}, "POST", []string{"application/json; charset=UTF-8"}, 204},
		{"JSON with a quoted charset is accepted", Options{}, "PUT", []string{`application/json;charset="utf-8"`}, 204},
		{"media types compare case-insensitively", Options{}, "POST", []string{"Application/JSON"}, 204},
		{"JSON in latin-1 is refused", Options{}, "POST", []string{"application/json; charset=iso-8859-1"}, 415},
		{"text/plain is refused by default", Options{}, "POST", []string{"text/plain"}, 415},
		{"a form is refused by default", Options{}, "POST", []string{"application/x-www-form-urlencoded"}, 415},
		{"a body without Content-Type is refused", Options{}, "POST", nil, 415},
		{"two Content-Type headers are refused", Options{}, "POST", []string{"application/json", "text/plain"}, 415},
		{"a malformed Content-Type is refused", Options{}, "POST", []string{"json"}, 415},
		{"a type allowed for another method only is refused", Options{ContentTypes: upload}, "PUT", []string{"image/png"}, 415},
		{"a type range allows its subtypes", Options{ContentTypes: upload}, "POST", []string{"image/png"}, 204},
		{"the empty key applies to other methods", Options{ContentTypes: upload}, "PATCH", []string{"application/json"}, 204},
		{"with the rule disabled any type passes", Options{Disable: []Rule{RuleUnsupportedMediaType}}, "POST", []string{"text/csv"}, 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := `{"ok":true}`
			if len(tt.ct) > 0 && strings.HasPrefix(tt.ct[0], "image/") {
				body = "\x89PNG\r\n\x1a\n"
			}
			r := httptest.NewRequest(tt.method, "/x", strings.NewReader(body))
			r.Header["Content-Type"] = tt.ct
			rec, _, events := serve(t, tt.opts, r)
			if tt.status == 415 {
				requireRejected(t, rec, events, 415, RuleUnsupportedMediaType, "")
				return
			}
			require.Equal(t, tt.status, rec.Code)
		})
	}
}

func TestRequestsWithoutBodyAreNotAskedForAType(t *testing.T) {
	t.Parallel()
	rec, _, events := serve(t, Options{}, httptest.NewRequest(http.MethodGet, "/items?page=2", nil))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Empty(t, events)
}

func TestOpaqueBodiesAreStreamedWithALimit(t *testing.T) {
	t.Parallel()
	opts := Options{ContentTypes: map[string][]string{"PUT": {"application/octet-stream"}}, MaxBodyBytes: 100}
	s, err := New(opts)
	require.NoError(t, err)
	var readErr error
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := Body(r)
		require.False(t, ok, "opaque bodies are not buffered")
		_, readErr = io.ReadAll(r.Body)
	}))
	r := httptest.NewRequest(http.MethodPut, "/blob", bytes.NewReader(make([]byte, 200)))
	r.Header.Set("Content-Type", "application/octet-stream")
	r.ContentLength = -1
	h.ServeHTTP(httptest.NewRecorder(), r)
	var mbe *http.MaxBytesError
	require.ErrorAs(t, readErr, &mbe)
}

func TestTextAndFormBodies(t *testing.T) {
	t.Parallel()
	opts := Options{ContentTypes: map[string][]string{"": {"text/plain", "application/x-www-form-urlencoded"}}}
	tests := []struct {
		name string
		ct   string
		body string
		rule Rule
	}{
		{"text with tabs and newlines passes", "text/plain", "line one\n\tline two\r\n", ""},
		{"text with NUL is refused", "text/plain", "abc\x00def", RuleControlCharacter},
		{"text with a bell is refused", "text/plain", "abc\x07", RuleControlCharacter},
		{"text with invalid UTF-8 is refused", "text/plain", "caf\xe9", RuleInvalidUTF8},
		{"a form passes", "application/x-www-form-urlencoded", "name=O%27Brien&plan=pro+annual", ""},
		{"a form with bad percent-encoding is refused", "application/x-www-form-urlencoded", "a=%zz", RuleInvalidEncoding},
		{"a form with an encoded NUL is refused", "application/x-www-form-urlencoded", "a=x%00y", RuleControlCharacter},
		{"a form with too many fields is refused", "application/x-www-form-urlencoded", strings.Repeat("a=1&", 101), RuleTooManyParams},
		{"a form field over the limit is refused", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", 64<<10+1), RuleValueTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			rec, got, events := serve(t, opts, r)
			if tt.rule == "" {
				require.Equal(t, http.StatusNoContent, rec.Code)
				require.Equal(t, tt.body, string(got))
				return
			}
			requireRejected(t, rec, events, http.StatusBadRequest, tt.rule, "")
		})
	}
}

func TestDisabledRulesDoNotReject(t *testing.T) {
	t.Parallel()
	r := jsonRequest(`{"role":"user","role":"admin"}`)
	rec, _, _ := serve(t, Options{Disable: []Rule{RuleJSONDuplicateKey}}, r)
	require.Equal(t, http.StatusNoContent, rec.Code)

	r = jsonRequest(`[[[[1]]]]`)
	rec, _, _ = serve(t, Options{MaxJSONDepth: 2, Disable: []Rule{RuleJSONDepth}}, r)
	require.Equal(t, http.StatusNoContent, rec.Code)
}

func TestCustomErrorHandlerGetsTypedErrors(t *testing.T) {
	t.Parallel()
	var got error
	s, err := New(Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	s.Handler(http.NotFoundHandler()).ServeHTTP(rec, jsonRequest(`{"a":1,"a":2}`))
	require.Equal(t, http.StatusTeapot, rec.Code)
	require.ErrorIs(t, got, ErrJSONDuplicateKey)
	require.ErrorIs(t, got, ErrRejected)
	var e *Error
	require.ErrorAs(t, got, &e)
	require.Equal(t, RuleJSONDuplicateKey, e.Rule)
	require.Equal(t, http.StatusBadRequest, e.Status)
}

func TestCheckWorksWithoutTheMiddleware(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	require.NoError(t, err)
	require.NoError(t, s.Check(jsonRequest(`{"a":[1,2,3]}`)))
	require.ErrorIs(t, s.Check(jsonRequest(`{"a":1} trailing`)), ErrInvalidJSON)
	require.ErrorIs(t, s.Check(httptest.NewRequest(http.MethodGet, "/a/../b", nil)), ErrPathTraversal)
}

func TestDefaultErrorHandlerWritesBadRequestForOtherErrors(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	DefaultErrorHandler(rec, httptest.NewRequest(http.MethodGet, "/", nil), errors.New("boom"))
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), `"code":"bad_request"`)
	require.NotContains(t, rec.Body.String(), "boom")
}

func TestDefaultErrorHandlerAllocatesNothing(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	allocs := testing.AllocsPerRun(100, func() {
		rec.Body.Reset()
		DefaultErrorHandler(rec, r, ErrJSONDuplicateKey)
	})
	require.Zero(t, allocs)
}

func TestReadErrorsAreNotRuleViolations(t *testing.T) {
	t.Parallel()
	r := jsonRequest("")
	r.Body = io.NopCloser(&failingReader{})
	r.ContentLength = -1
	rec, got, events := serve(t, Options{}, r)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "bad_request")
	require.Nil(t, got)
	require.Empty(t, events, "a transport error is not an input validation failure")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestHandlerAllocatesOnlyTheBodyBufferAndItsReader(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	doc := []byte(`{"id":42,"name":"O'Brien","note":"please update my plan","tags":["a","b"],"nested":{"k":"v"}}`)
	for _, mode := range []Mode{DetectOff, DetectLog} {
		s := mustNew(t, Options{Detection: mode})
		h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		r := httptest.NewRequest(http.MethodPost, "/api/items?page=2", nil)
		r.Header.Set("Content-Type", "application/json")
		body := &rewindBody{}
		w := &nopWriter{h: http.Header{}}
		allocs := testing.AllocsPerRun(200, func() {
			body.reset(doc)
			r.Body, r.ContentLength = body, int64(len(doc))
			h.ServeHTTP(w, r)
		})
		require.LessOrEqual(t, allocs, 2.0, "mode %d: two allocations, the body buffer and the reader over it", mode)
	}
}
