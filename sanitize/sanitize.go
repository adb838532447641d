package sanitize

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"sync"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/internal/event"
)

// ruleSet is a set of rules, one bit per entry of the rules array.
type ruleSet uint32

// One bit per rule, in the order of the rules array.
const (
	bitBodyTooLarge ruleSet = 1 << iota
	bitMediaType
	bitUTF8
	bitControl
	bitJSON
	bitJSONDepth
	bitJSONString
	bitJSONArray
	bitJSONObject
	bitJSONDup
	bitURITooLong
	bitTooManyParams
	bitValueTooLong
	bitEncoding
	bitTraversal
	bitTooManyHeaders
	bitHeaderTooLarge
	bitMultipart
	bitTooManyParts
	bitFileTooLarge
	bitUploadTooLarge
	bitFileType
	bitNFC
	bitSmuggling
	bitMalicious
)

// Sanitizer checks requests against its rules. It is immutable after New
// and safe for concurrent use.
type Sanitizer struct {
	off ruleSet // disabled rules

	maxBody, maxUpload, maxFile int64
	json                        jsonConfig
	maxURL, maxParams           int
	maxValue, maxField          int
	maxHeaders, maxHeaderBytes  int
	maxHeaderValue, maxParts    int
	types                       map[string][]mediaRange
	anyTypes                    []mediaRange
	uploads                     map[string]string
	unicode                     UnicodeCheck
	mode                        Mode
	detector                    *Detector
	detectHeaders               []string
	onError                     func(http.ResponseWriter, *http.Request, error)
	audit                       audit.Recorder

	seed maphash.Seed
	pool sync.Pool // *scratch
}

// scratch is the per-request working memory, pooled per Sanitizer.
type scratch struct {
	buf     []byte // decoded query parameters, form fields, paths
	json    jsonState
	det     detectScratch
	found   bool
	finding Finding
}

// maxRetained bounds the scratch memory kept in the pool after a request.
const maxRetained = 1 << 20

func (s *Sanitizer) getScratch() *scratch {
	sc, _ := s.pool.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	sc.found = false
	sc.finding = Finding{}
	return sc
}

func (s *Sanitizer) putScratch(sc *scratch) {
	if cap(sc.buf)+cap(sc.json.arena)+cap(sc.json.str)+8*cap(sc.json.keys)+sc.det.size() > maxRetained || len(sc.json.tabs) > 64 {
		return // let an unusually large request's memory go
	}
	for _, t := range sc.json.tabs {
		if cap(t) > maxRetained/8 {
			return
		}
	}
	s.pool.Put(sc)
}

// New validates opts and returns a Sanitizer.
func New(opts Options) (*Sanitizer, error) {
	s := &Sanitizer{
		seed:     maphash.MakeSeed(),
		unicode:  opts.Unicode,
		mode:     opts.Detection,
		detector: opts.Detector,
		onError:  opts.ErrorHandler,
		audit:    opts.Audit,
	}
	for _, r := range opts.Disable {
		bit, ok := ruleBit(r)
		if !ok {
			return nil, fmt.Errorf("sanitize: unknown rule %q in Disable", string(r))
		}
		if r == RuleBodyTooLarge || r == RuleUploadTooLarge {
			return nil, fmt.Errorf("sanitize: rule %s bounds memory and cannot be disabled; raise the limit instead", r)
		}
		s.off |= bit
	}
	if opts.Detection > DetectOff {
		return nil, fmt.Errorf("sanitize: unknown detection mode %d", opts.Detection)
	}
	if opts.Unicode&^(UnicodeNFC|UnicodeSmuggling) != 0 {
		return nil, fmt.Errorf("sanitize: unknown unicode check %d", opts.Unicode)
	}
	if s.off&bitMalicious != 0 {
		s.mode = DetectOff
	}
	if s.off&bitNFC != 0 {
		s.unicode &^= UnicodeNFC
	}
	if s.off&bitSmuggling != 0 {
		s.unicode &^= UnicodeSmuggling
	}
	if s.detector == nil {
		s.detector = &Detector{}
	}
	if s.onError == nil {
		s.onError = DefaultErrorHandler
	}

	ints := []struct {
		name string
		v    int
		def  int
		max  int
		dst  *int
	}{
		{"MaxJSONDepth", opts.MaxJSONDepth, DefaultMaxJSONDepth, maxDepthCeiling, &s.json.maxDepth},
		{"MaxJSONStringBytes", opts.MaxJSONStringBytes, DefaultMaxJSONStringBytes, maxBodyCeiling, &s.json.maxString},
		{"MaxJSONArrayLen", opts.MaxJSONArrayLen, DefaultMaxJSONArrayLen, maxBodyCeiling, &s.json.maxArray},
		{"MaxJSONObjectKeys", opts.MaxJSONObjectKeys, DefaultMaxJSONObjectKeys, maxBodyCeiling, &s.json.maxKeys},
		{"MaxURLBytes", opts.MaxURLBytes, DefaultMaxURLBytes, maxBodyCeiling, &s.maxURL},
		{"MaxParams", opts.MaxParams, DefaultMaxParams, maxBodyCeiling, &s.maxParams},
		{"MaxValueBytes", opts.MaxValueBytes, DefaultMaxValueBytes, maxBodyCeiling, &s.maxValue},
		{"MaxFieldBytes", opts.MaxFieldBytes, DefaultMaxFieldBytes, maxBodyCeiling, &s.maxField},
		{"MaxHeaders", opts.MaxHeaders, DefaultMaxHeaders, maxBodyCeiling, &s.maxHeaders},
		{"MaxHeaderBytes", opts.MaxHeaderBytes, DefaultMaxHeaderBytes, maxBodyCeiling, &s.maxHeaderBytes},
		{"MaxHeaderValueBytes", opts.MaxHeaderValueBytes, DefaultMaxHeaderValueBytes, maxBodyCeiling, &s.maxHeaderValue},
		{"MaxParts", opts.MaxParts, DefaultMaxParts, 100000, &s.maxParts},
	}
	for _, f := range ints {
		switch {
		case f.v < 0:
			return nil, fmt.Errorf("sanitize: %s must not be negative", f.name)
		case f.v > f.max:
			return nil, fmt.Errorf("sanitize: %s must be at most %d", f.name, f.max)
		case f.v == 0:
			*f.dst = f.def
		default:
			*f.dst = f.v
		}
	}
	sizes := []struct {
		name string
		v    int64
		def  int64
		dst  *int64
	}{
		{"MaxBodyBytes", opts.MaxBodyBytes, DefaultMaxBodyBytes, &s.maxBody},
		{"MaxUploadBytes", opts.MaxUploadBytes, DefaultMaxUploadBytes, &s.maxUpload},
		{"MaxFileBytes", opts.MaxFileBytes, 0, &s.maxFile},
	}
	for _, f := range sizes {
		switch {
		case f.v < 0:
			return nil, fmt.Errorf("sanitize: %s must not be negative", f.name)
		case f.v > maxBodyCeiling:
			return nil, fmt.Errorf("sanitize: %s must be at most 1 GiB; stream larger bodies without buffering", f.name)
		case f.v == 0:
			*f.dst = f.def
		default:
			*f.dst = f.v
		}
	}
	if s.maxFile == 0 {
		s.maxFile = s.maxUpload
	}

	// A disabled rule's limit no longer applies.
	on := func(b ruleSet) bool { return s.off&b == 0 }
	s.json.maxDepth = limitOr(s.json.maxDepth, 0, on(bitJSONDepth))
	s.json.maxString = limitOr(s.json.maxString, 0, on(bitJSONString))
	s.json.maxArray = limitOr(s.json.maxArray, 0, on(bitJSONArray))
	s.json.maxKeys = limitOr(s.json.maxKeys, 0, on(bitJSONObject))
	s.json.foldKeys = !opts.JSONCaseSensitiveKeys
	s.json.dupKeys = on(bitJSONDup)
	s.json.controls = on(bitControl)
	s.json.utf8 = on(bitUTF8)
	s.json.strings = s.mode != DetectOff || s.unicode != 0
	s.json.keys = s.unicode != 0

	if err := s.initTypes(opts.ContentTypes); err != nil {
		return nil, err
	}
	var err error
	if s.uploads, err = uploadTypes(opts.AllowedUploads); err != nil {
		return nil, err
	}
	for _, h := range opts.DetectHeaders {
		if !isToken(h) {
			return nil, fmt.Errorf("sanitize: invalid header name %q in DetectHeaders", h)
		}
		s.detectHeaders = append(s.detectHeaders, http.CanonicalHeaderKey(h))
	}
	return s, nil
}

func ruleBit(r Rule) (ruleSet, bool) {
	for i, x := range rules {
		if x == r {
			return 1 << i, true
		}
	}
	return 0, false
}

func (s *Sanitizer) initTypes(m map[string][]string) error {
	if m == nil {
		s.anyTypes = []mediaRange{{"application", "json"}}
		return nil
	}
	s.types = make(map[string][]mediaRange, len(m))
	for method, list := range m {
		if method != "" && !isToken(method) {
			return fmt.Errorf("sanitize: invalid method %q in ContentTypes", method)
		}
		ranges := make([]mediaRange, 0, len(list))
		for _, t := range list {
			mr, err := parseMediaRange(t)
			if err != nil {
				return err
			}
			ranges = append(ranges, mr)
		}
		if method == "" {
			s.anyTypes = ranges
		} else {
			s.types[method] = ranges
		}
	}
	return nil
}

func (s *Sanitizer) allowedType(method, typ, sub string) bool {
	ranges, ok := s.types[method]
	if !ok {
		ranges = s.anyTypes
	}
	for _, m := range ranges {
		if m.match(typ, sub) {
			return true
		}
	}
	return false
}

// Handler returns middleware that checks each request and either rejects
// it (through Options.ErrorHandler, with an audit event) or passes it to
// next, with the body, when one was read, replaced by a reader over the
// checked bytes: the handler reads exactly what the client sent, and Body
// returns it without a copy. A detector finding in DetectLog mode is
// recorded and available to next through FindingFrom.
func (s *Sanitizer) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, found, err := s.check(w, r)
		if err != nil {
			s.recordRejection(r, err)
			s.onError(w, r, err)
			return
		}
		if found {
			s.recordFinding(r, f, false)
			r = r.WithContext(context.WithValue(r.Context(), findingKey{}, f))
		}
		next.ServeHTTP(w, r)
	})
}

// Check applies every enabled rule to r, as Handler does, and returns nil
// or the first rejection (an *Error, or a *DetectionError in DetectBlock
// mode). When it reads the body it replaces r.Body with a reader over the
// checked bytes and sets r.ContentLength. Check writes no response and
// records no audit event.
func (s *Sanitizer) Check(r *http.Request) error {
	_, _, err := s.check(nil, r)
	return err
}

func (s *Sanitizer) check(w http.ResponseWriter, r *http.Request) (Finding, bool, error) {
	sc := s.getScratch()
	err := s.checkURL(r, sc)
	if err == nil {
		err = s.checkHeaders(r, sc)
	}
	if err == nil {
		err = s.checkBody(w, r, sc)
	}
	f, found := sc.finding, sc.found
	s.putScratch(sc)
	return f, found, err
}

// inspect runs the detector on one decoded value, unless a finding was
// already made for this request.
func inspect[T ~string | ~[]byte](s *Sanitizer, sc *scratch, v T, loc Location) error {
	if s.mode == DetectOff || sc.found || len(v) == 0 {
		return nil
	}
	f, ok := detect(s.detector, &sc.det, v)
	if !ok {
		return nil
	}
	f.Location = loc
	sc.found, sc.finding = true, f
	if s.mode == DetectBlock {
		return &DetectionError{Finding: f}
	}
	return nil
}

type findingKey struct{}

// FindingFrom returns the detector finding that a Sanitizer in DetectLog
// mode recorded for the request whose context is ctx.
func FindingFrom(ctx context.Context) (Finding, bool) {
	f, ok := ctx.Value(findingKey{}).(Finding)
	return f, ok
}

func (s *Sanitizer) recordRejection(r *http.Request, err error) {
	if s.audit == nil {
		return
	}
	var de *DetectionError
	if errors.As(err, &de) {
		s.recordFinding(r, de.Finding, true)
		return
	}
	rule := RuleOf(err)
	if rule == "" {
		return // a transport error reading the body, not a rule
	}
	e := event.New(r, "sanitize", audit.InputValidationFail, audit.SeverityWarn, audit.OutcomeBlocked)
	e.Description = "request rejected by an input rule"
	e.Details = map[string]string{"rule": string(rule)}
	s.audit.Record(r.Context(), e)
}

func (s *Sanitizer) recordFinding(r *http.Request, f Finding, blocked bool) {
	if s.audit == nil {
		return
	}
	sev, outcome, mode := audit.SeverityWarn, audit.OutcomeAllowed, "log"
	if blocked {
		sev, outcome, mode = audit.SeverityCritical, audit.OutcomeBlocked, "block"
	}
	e := event.New(r, "sanitize", f.Class.auditType(), sev, outcome)
	e.Description = "input looks like " + f.Class.String()
	e.Details = map[string]string{
		"rule":     string(RuleMaliciousInput),
		"class":    f.Class.String(),
		"signal":   f.Signal,
		"location": string(f.Location),
		"mode":     mode,
	}
	s.audit.Record(r.Context(), e)
}
