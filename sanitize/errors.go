package sanitize

import (
	"errors"
	"net/http"

	"github.com/gatehouse-go/gatehouse/internal/problem"
)

// Rule names one check of a Sanitizer. It is the "code" member of the
// problem document a rejection answers with, and the "rule" detail of the
// input_validation_fail audit event it records. Every rule can be switched
// off with Options.Disable, except the two size limits that bound memory.
type Rule string

// The rules, with the status a rejection by each answers.
const (
	RuleBodyTooLarge         Rule = "body_too_large"           // 413: body over MaxBodyBytes
	RuleUnsupportedMediaType Rule = "unsupported_media_type"   // 415: Content-Type not allowed for the method, or a charset other than UTF-8
	RuleInvalidUTF8          Rule = "invalid_utf8"             // 400: invalid UTF-8 (or an unpaired surrogate escape in JSON)
	RuleControlCharacter     Rule = "control_character"        // 400: NUL or another C0 control character (tab, CR, LF allowed in text)
	RuleInvalidJSON          Rule = "invalid_json"             // 400: not exactly one well-formed JSON value (RFC 8259)
	RuleJSONDepth            Rule = "json_too_deep"            // 400: nesting deeper than MaxJSONDepth
	RuleJSONString           Rule = "json_string_too_long"     // 400: string, key or number longer than MaxJSONStringBytes
	RuleJSONArray            Rule = "json_array_too_long"      // 400: array with more than MaxJSONArrayLen elements
	RuleJSONObject           Rule = "json_object_too_large"    // 400: object with more than MaxJSONObjectKeys members
	RuleJSONDuplicateKey     Rule = "json_duplicate_key"       // 400: an object names a member twice
	RuleURITooLong           Rule = "uri_too_long"             // 414: request target over MaxURLBytes
	RuleTooManyParams        Rule = "too_many_params"          // 400: more query parameters or form fields than allowed
	RuleValueTooLong         Rule = "value_too_long"           // 400: a query parameter or form field too long
	RuleInvalidEncoding      Rule = "invalid_percent_encoding" // 400: "%" not followed by two hex digits
	RulePathTraversal        Rule = "path_traversal"           // 400: dot segments, backslashes, encoded or overlong variants
	RuleTooManyHeaders       Rule = "too_many_headers"         // 431: more header fields than MaxHeaders
	RuleHeaderTooLarge       Rule = "header_too_large"         // 431: a header value or all headers together too large
	RuleInvalidMultipart     Rule = "invalid_multipart"        // 400: malformed multipart body
	RuleTooManyParts         Rule = "too_many_parts"           // 400: more parts than MaxParts
	RuleFileTooLarge         Rule = "file_too_large"           // 413: one file over MaxFileBytes
	RuleUploadTooLarge       Rule = "upload_too_large"         // 413: multipart body over MaxUploadBytes
	RuleFileType             Rule = "file_type_not_allowed"    // 415: file extension not allowed, or content that does not match it
	RuleUnicodeNotNFC        Rule = "unicode_not_nfc"          // 400: text not in Unicode Normalization Form C (opt-in)
	RuleUnicodeSmuggling     Rule = "unicode_smuggling"        // 400: compatibility characters that normalize to syntax such as < / . (opt-in)
	RuleMaliciousInput       Rule = "malicious_input"          // 400: the Detector flagged a value, in DetectBlock mode
)

// rules lists every rule, for validating Options.Disable.
var rules = [...]Rule{
	RuleBodyTooLarge, RuleUnsupportedMediaType, RuleInvalidUTF8, RuleControlCharacter,
	RuleInvalidJSON, RuleJSONDepth, RuleJSONString, RuleJSONArray, RuleJSONObject, RuleJSONDuplicateKey,
	RuleURITooLong, RuleTooManyParams, RuleValueTooLong, RuleInvalidEncoding, RulePathTraversal,
	RuleTooManyHeaders, RuleHeaderTooLarge, RuleInvalidMultipart, RuleTooManyParts, RuleFileTooLarge,
	RuleUploadTooLarge, RuleFileType, RuleUnicodeNotNFC, RuleUnicodeSmuggling, RuleMaliciousInput,
}

// ErrRejected is matched by every rejection of this package:
// errors.Is(err, ErrRejected).
var ErrRejected = errors.New("sanitize: request rejected")

// Error is a rejection by one rule. The package's sentinel errors below are
// *Error values; use errors.Is with a sentinel, or errors.As to read the
// Rule and Status of any rejection.
type Error struct {
	// Rule is the check that failed; it is the problem's code.
	Rule Rule
	// Status is the HTTP status of the rejection (400, 413, 414, 415, 431).
	Status int

	msg     string
	problem *problem.Problem
}

// Error returns a fixed message naming the rule; it never contains input.
func (e *Error) Error() string { return e.msg }

// Unwrap returns ErrRejected.
func (e *Error) Unwrap() error { return ErrRejected }

func newError(rule Rule, status int, msg, detail string) *Error {
	return &Error{Rule: rule, Status: status, msg: "sanitize: " + msg, problem: problem.New(status, string(rule), detail)}
}

// The rejections, one per rule. Each is an *Error and matches ErrRejected.
var (
	ErrBodyTooLarge         = newError(RuleBodyTooLarge, http.StatusRequestEntityTooLarge, "request body too large", "The request body is larger than this endpoint accepts.")
	ErrUnsupportedMediaType = newError(RuleUnsupportedMediaType, http.StatusUnsupportedMediaType, "content type not allowed", "The request's Content-Type is not accepted by this endpoint; send UTF-8 in an accepted media type.")
	ErrInvalidUTF8          = newError(RuleInvalidUTF8, http.StatusBadRequest, "invalid utf-8", "The request contains text that is not valid UTF-8.")
	ErrControlCharacter     = newError(RuleControlCharacter, http.StatusBadRequest, "control character in input", "The request contains a NUL or another control character.")
	ErrInvalidJSON          = newError(RuleInvalidJSON, http.StatusBadRequest, "malformed json", "The request body is not one well-formed JSON value.")
	ErrJSONDepth            = newError(RuleJSONDepth, http.StatusBadRequest, "json nested too deeply", "The JSON body is nested too deeply.")
	ErrJSONString           = newError(RuleJSONString, http.StatusBadRequest, "json string too long", "A JSON string, member name or number in the body is too long.")
	ErrJSONArray            = newError(RuleJSONArray, http.StatusBadRequest, "json array too long", "A JSON array in the body has too many elements.")
	ErrJSONObject           = newError(RuleJSONObject, http.StatusBadRequest, "json object too large", "A JSON object in the body has too many members.")
	ErrJSONDuplicateKey     = newError(RuleJSONDuplicateKey, http.StatusBadRequest, "duplicate json member name", "A JSON object in the body names the same member more than once.")
	ErrURITooLong           = newError(RuleURITooLong, http.StatusRequestURITooLong, "request target too long", "The request target is longer than this server accepts.")
	ErrTooManyParams        = newError(RuleTooManyParams, http.StatusBadRequest, "too many parameters", "The request has too many query parameters or form fields.")
	ErrValueTooLong         = newError(RuleValueTooLong, http.StatusBadRequest, "parameter too long", "A query parameter or form field is too long.")
	ErrInvalidEncoding      = newError(RuleInvalidEncoding, http.StatusBadRequest, "invalid percent-encoding", "The request contains invalid percent-encoding.")
	ErrPathTraversal        = newError(RulePathTraversal, http.StatusBadRequest, "path traversal", "The request path or a file name contains dot segments, backslashes or an encoded variant of them.")
	ErrTooManyHeaders       = newError(RuleTooManyHeaders, http.StatusRequestHeaderFieldsTooLarge, "too many header fields", "The request has too many header fields.")
	ErrHeaderTooLarge       = newError(RuleHeaderTooLarge, http.StatusRequestHeaderFieldsTooLarge, "header fields too large", "A request header field, or all of them together, is too large.")
	ErrInvalidMultipart     = newError(RuleInvalidMultipart, http.StatusBadRequest, "malformed multipart body", "The multipart body is malformed.")
	ErrTooManyParts         = newError(RuleTooManyParts, http.StatusBadRequest, "too many multipart parts", "The multipart body has too many parts.")
	ErrFileTooLarge         = newError(RuleFileTooLarge, http.StatusRequestEntityTooLarge, "uploaded file too large", "An uploaded file is larger than this endpoint accepts.")
	ErrUploadTooLarge       = newError(RuleUploadTooLarge, http.StatusRequestEntityTooLarge, "upload too large", "The upload is larger than this endpoint accepts.")
	ErrFileType             = newError(RuleFileType, http.StatusUnsupportedMediaType, "file type not allowed", "An uploaded file's type is not accepted, or its content does not match its extension.")
	ErrUnicodeNotNFC        = newError(RuleUnicodeNotNFC, http.StatusBadRequest, "text not in normalization form c", "The request contains text that is not in Unicode Normalization Form C.")
	ErrUnicodeSmuggling     = newError(RuleUnicodeSmuggling, http.StatusBadRequest, "compatibility characters that normalize to syntax", "The request contains compatibility characters that normalize to markup or path syntax.")
	ErrMaliciousInput       = newError(RuleMaliciousInput, http.StatusBadRequest, "input looks malicious", "The request contains input that looks like an injection attack.")
)

// RuleOf returns the rule of a rejection returned by this package, or ""
// when err is not one.
func RuleOf(err error) Rule {
	if e := asError(err); e != nil {
		return e.Rule
	}
	return ""
}

// asError is errors.As for *Error without the allocation.
func asError(err error) *Error {
	for err != nil {
		if e, ok := err.(*Error); ok {
			return e
		}
		err = errors.Unwrap(err)
	}
	return nil
}

// DetectionError is the rejection of a value the Detector flagged, in
// DetectBlock mode. It matches ErrMaliciousInput and ErrRejected.
type DetectionError struct {
	Finding Finding
}

// Error names the class of the finding, never the input.
func (e *DetectionError) Error() string {
	return "sanitize: input looks like " + e.Finding.Class.String() + " in " + string(e.Finding.Location)
}

// Unwrap returns ErrMaliciousInput.
func (e *DetectionError) Unwrap() error { return ErrMaliciousInput }

// DefaultErrorHandler writes the rejection err as an application/problem+json
// response with the rule's status and code, and a fixed detail: nothing
// from the request is echoed. For anything that is not a rejection of this
// package it writes 400 with code "bad_request". It allocates nothing.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	if e == nil {
		badRequest.Write(w)
		return
	}
	if r != nil && r.ProtoMajor == 1 && e.Status == http.StatusRequestEntityTooLarge {
		// The unread rest of a body too large is not worth draining:
		// close the connection after this response.
		w.Header()["Connection"] = connectionClose
	}
	e.problem.Write(w)
}

var (
	badRequest      = problem.New(http.StatusBadRequest, "bad_request", "The request was rejected.")
	connectionClose = []string{"close"}
)
