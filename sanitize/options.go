package sanitize

import (
	"net/http"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Defaults of Options; each applies when its field is zero.
const (
	DefaultMaxBodyBytes        = 1 << 20   // 1 MiB
	DefaultMaxJSONDepth        = 32        // nested arrays and objects
	DefaultMaxJSONStringBytes  = 256 << 10 // 256 KiB, encoded
	DefaultMaxJSONArrayLen     = 10000     // elements of one array
	DefaultMaxJSONObjectKeys   = 1000      // members of one object
	DefaultMaxURLBytes         = 8 << 10   // 8 KiB request target
	DefaultMaxParams           = 100       // query parameters; urlencoded form fields
	DefaultMaxValueBytes       = 4 << 10   // 4 KiB per decoded query parameter
	DefaultMaxFieldBytes       = 64 << 10  // 64 KiB per decoded form field
	DefaultMaxHeaders          = 100       // header field lines
	DefaultMaxHeaderBytes      = 32 << 10  // 32 KiB of names and values
	DefaultMaxHeaderValueBytes = 8 << 10   // 8 KiB per header value
	DefaultMaxUploadBytes      = 10 << 20  // 10 MiB per multipart body
	DefaultMaxParts            = 32        // parts of one multipart body
)

// Upper bounds: larger settings are errors from New, because the bodies a
// Sanitizer inspects are held in memory, and nesting that deep breaks
// decoders downstream.
const (
	maxBodyCeiling  = 1 << 30 // 1 GiB
	maxDepthCeiling = 10000   // encoding/json's own nesting limit
)

// Mode selects what a Detector finding does.
type Mode uint8

// Detection modes.
const (
	// DetectLog records the finding as a malicious_* audit event and lets
	// the request through; the handler can read it with FindingFrom. It is
	// the default: detection is a signal for monitoring, and a false
	// positive costs nothing.
	DetectLog Mode = iota
	// DetectBlock records the finding and rejects the request with 400 and
	// code "malicious_input".
	DetectBlock
	// DetectOff does not run the detector.
	DetectOff
)

// UnicodeCheck selects optional Unicode normalization checks, applied to
// the decoded path, query parameters, form fields, JSON strings and member
// names, and text bodies.
type UnicodeCheck uint8

// Unicode checks; combine with |.
const (
	// UnicodeNFC rejects text that is not in Normalization Form C (rule
	// unicode_not_nfc): "e" + U+0301 instead of "é". Systems that compare
	// or store text in NFC then agree with what was checked.
	UnicodeNFC UnicodeCheck = 1 << iota
	// UnicodeSmuggling rejects compatibility characters whose NFKC form
	// contains < > " ' ` / \ . & | or $ (rule unicode_smuggling): fullwidth
	// "＜script＞", "．．／", U+2025 "‥". A later NFKC step (search
	// indexing, identifier keys, some databases' collations) would turn
	// them into syntax. Fullwidth CJK punctuation in ordinary use (，。：；
	// （）！？％) is not affected.
	UnicodeSmuggling
)

// Options configures a Sanitizer. The zero value is a working, strict
// configuration for a JSON API; every default is stated on its field.
// Negative limits, limits above the ceilings, dangerous upload types and
// unknown rules are errors from New.
//
// For several routes with different needs (a JSON API, an upload
// endpoint, a chat endpoint in blocking mode), copy a base Options value,
// change what differs, and build one Sanitizer per route.
type Options struct {
	// MaxBodyBytes bounds a request body other than multipart/form-data
	// (413 body_too_large). A declared Content-Length above it is refused
	// before anything is read, so an "Expect: 100-continue" client is never
	// told to send. Default 1 MiB; at most 1 GiB. JSON, text and form bodies
	// are read into one buffer of this size at most.
	MaxBodyBytes int64

	// ContentTypes lists the media types allowed for a request body, by
	// method; the key "" applies to methods not listed. Entries are
	// "type/subtype", "type/*" or "*/*", compared case-insensitively
	// without parameters. A body with another type, or without a
	// Content-Type, is refused (415 unsupported_media_type), as is a
	// charset other than UTF-8 on JSON, text and forms. Requests without a
	// body are not affected. Default {"": {"application/json"}}: JSON only,
	// which also keeps out the form and text/plain bodies that browsers send
	// cross-site without a CORS preflight.
	//
	// JSON (application/json, */*+json), text/*, */*+xml,
	// application/x-www-form-urlencoded and multipart/form-data bodies are
	// read and checked; other allowed types are only size-limited while the
	// handler streams them (reads past the limit fail with
	// *http.MaxBytesError).
	ContentTypes map[string][]string

	// MaxJSONDepth bounds the nesting of arrays and objects (json_too_deep).
	// Default 32; at most 10000.
	MaxJSONDepth int
	// MaxJSONStringBytes bounds one string, member name or number, as
	// encoded in the body (json_string_too_long). Default 256 KiB.
	MaxJSONStringBytes int
	// MaxJSONArrayLen bounds the elements of one array (json_array_too_long).
	// Default 10000.
	MaxJSONArrayLen int
	// MaxJSONObjectKeys bounds the members of one object
	// (json_object_too_large). Default 1000. Duplicate detection stays
	// linear whatever the setting.
	MaxJSONObjectKeys int
	// JSONCaseSensitiveKeys compares member names exactly (after
	// unescaping) when looking for duplicates. Default false: names are
	// compared the way encoding/json matches them to struct fields, with
	// Unicode case folding, so {"role":"user","Role":"admin"} and
	// {"role":"user","r\u006fle":"admin"} are both duplicates.
	JSONCaseSensitiveKeys bool

	// MaxURLBytes bounds the request target, path and query (414
	// uri_too_long). Default 8 KiB.
	MaxURLBytes int
	// MaxParams bounds the query parameters, and separately the fields of
	// an application/x-www-form-urlencoded body (too_many_params). Default
	// 100.
	MaxParams int
	// MaxValueBytes bounds one decoded query parameter name or value
	// (value_too_long). Default 4 KiB.
	MaxValueBytes int
	// MaxFieldBytes bounds one decoded form field, urlencoded or multipart
	// (value_too_long). Default 64 KiB.
	MaxFieldBytes int

	// MaxHeaders bounds the header field lines (431 too_many_headers).
	// Default 100.
	MaxHeaders int
	// MaxHeaderBytes bounds the names and values of all header fields
	// together (431 header_too_large). Default 32 KiB.
	MaxHeaderBytes int
	// MaxHeaderValueBytes bounds one header value (431 header_too_large).
	// Default 8 KiB.
	MaxHeaderValueBytes int

	// MaxUploadBytes bounds a multipart/form-data body, all parts together
	// (413 upload_too_large); it replaces MaxBodyBytes for such bodies.
	// Default 10 MiB; at most 1 GiB. The body is held in memory while it is
	// checked.
	MaxUploadBytes int64
	// MaxParts bounds the parts of a multipart body (too_many_parts).
	// Default 32.
	MaxParts int
	// MaxFileBytes bounds one uploaded file (413 file_too_large). Default
	// MaxUploadBytes.
	MaxFileBytes int64
	// AllowedUploads maps the file extensions an upload may have (lower
	// case, with the dot) to the media type its content must sniff as
	// (http.DetectContentType, parameters ignored). Any other extension, a
	// name with a second executable extension ("x.php.png"), content that
	// sniffs as another type, and binary content with an embedded
	// "<?php", "<script" or "<html" are refused (415 file_type_not_allowed).
	// "text/plain" files must also be valid UTF-8 without NUL. Default:
	// .png image/png, .jpg and .jpeg image/jpeg, .gif image/gif, .webp
	// image/webp, .pdf application/pdf, .txt text/plain. Active content
	// (.html, .svg, .xml, .js, scripts, executables) is an error from New.
	AllowedUploads map[string]string

	// Unicode enables optional normalization checks. Default none.
	Unicode UnicodeCheck

	// Detection is what a Detector finding does: DetectLog (default),
	// DetectBlock or DetectOff. The detector looks at the decoded path,
	// query parameters, JSON string values, form fields and text bodies, and
	// at the headers named in DetectHeaders. It never changes them.
	Detection Mode
	// Detector is the detector to run. Default: a zero Detector (every
	// class).
	Detector *Detector
	// DetectHeaders names request headers whose values the detector also
	// examines, such as "User-Agent" and "Referer" (Shellshock-style
	// payloads arrive there). Default none.
	DetectHeaders []string

	// Disable switches rules off by name (RuleJSONDuplicateKey, ...).
	// RuleBodyTooLarge and RuleUploadTooLarge bound memory and cannot be
	// disabled; raise the limits instead. Default none.
	Disable []Rule

	// ErrorHandler writes rejections. Default DefaultErrorHandler: the
	// rule's status and an application/problem+json body whose code is the
	// rule, without any of the input. err is an *Error (errors.As), or a
	// *DetectionError for a blocked finding.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Audit receives an input_validation_fail event for every rejection
	// (the rule in Details["rule"]) and a malicious_* event for every
	// finding. nil: none.
	Audit audit.Recorder
}
