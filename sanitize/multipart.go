package sanitize

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"
)

// defaultUploads is the AllowedUploads default.
var defaultUploads = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".pdf":  "application/pdf",
	".txt":  "text/plain",
}

// activeExt lists extensions of content that a browser, web server or
// operating system may execute or render as active content. They cannot be
// allowed, and a file name carrying one before its last extension
// ("shell.php.png") is refused.
var activeExt = map[string]bool{
	".html": true, ".htm": true, ".xhtml": true, ".shtml": true, ".xht": true, ".mht": true, ".mhtml": true,
	".svg": true, ".svgz": true, ".xml": true, ".xsl": true, ".xslt": true, ".js": true, ".mjs": true,
	".php": true, ".php3": true, ".php4": true, ".php5": true, ".php7": true, ".php8": true, ".phtml": true,
	".phar": true, ".pht": true, ".phps": true, ".asp": true, ".aspx": true, ".ashx": true, ".asmx": true,
	".axd": true, ".cer": true, ".jsp": true, ".jspx": true, ".cgi": true, ".pl": true, ".py": true,
	".rb": true, ".sh": true, ".bash": true, ".bat": true, ".cmd": true, ".ps1": true, ".psm1": true,
	".exe": true, ".dll": true, ".so": true, ".msi": true, ".com": true, ".scr": true, ".vbs": true,
	".vbe": true, ".wsf": true, ".jar": true, ".war": true, ".swf": true, ".hta": true, ".htaccess": true,
	".config": true, ".lnk": true, ".reg": true,
}

// activeTypes are media types that may never be the expected type of an
// upload.
var activeTypes = map[string]bool{
	"text/html": true, "application/xhtml+xml": true, "image/svg+xml": true, "text/xml": true,
	"application/xml": true, "text/javascript": true, "application/javascript": true,
	"application/x-httpd-php": true, "application/x-sh": true, "application/x-msdownload": true,
}

func uploadTypes(m map[string]string) (map[string]string, error) {
	if m == nil {
		return defaultUploads, nil
	}
	out := make(map[string]string, len(m))
	for ext, typ := range m {
		if len(ext) < 2 || ext[0] != '.' || ext != strings.ToLower(ext) || !isToken(ext[1:]) || strings.Contains(ext[1:], ".") {
			return nil, fmt.Errorf("sanitize: upload extension %q must be lower case with one leading dot, like \".png\"", ext)
		}
		if activeExt[ext] {
			return nil, fmt.Errorf("sanitize: upload extension %q is active content and cannot be allowed", ext)
		}
		mr, err := parseMediaRange(typ)
		if err != nil || mr.typ == "*" || mr.sub == "*" {
			return nil, fmt.Errorf("sanitize: upload type %q for %q must be a media type like \"image/png\"", typ, ext)
		}
		t := mr.typ + "/" + mr.sub
		if activeTypes[t] {
			return nil, fmt.Errorf("sanitize: upload type %q is active content and cannot be allowed", t)
		}
		out[ext] = t
	}
	return out, nil
}

// uploadChunk is the read size for file parts; sniffing needs 512 bytes.
const uploadChunk = 32 << 10

// markerOverlap is the longest embedded marker minus one.
const markerOverlap = len("<script") - 1

// checkMultipart applies the upload rules to a multipart/form-data body.
func (s *Sanitizer) checkMultipart(body []byte, params string, sc *scratch) error {
	_, ps, err := mime.ParseMediaType("multipart/form-data;" + params)
	boundary := ps["boundary"]
	if err != nil || boundary == "" {
		return s.multipartErr()
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for parts := 1; ; parts++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return s.multipartErr()
		}
		if parts > s.maxParts && s.off&bitTooManyParts == 0 {
			return ErrTooManyParts
		}
		disp, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil || !strings.EqualFold(disp, "form-data") {
			if s.off&bitMultipart == 0 {
				return ErrInvalidMultipart
			}
			continue
		}
		if err := s.checkValue(sc, bytesOf(dp["name"]), false, LocationBody); err != nil {
			return err
		}
		if filename, ok := dp["filename"]; ok && filename == "" {
			// Browsers send an empty file input as filename="" with no
			// content: nothing was uploaded.
			err = s.checkEmptyFile(p)
		} else if ok {
			err = s.checkFile(p, filename, sc)
		} else {
			err = s.checkField(p, sc)
		}
		if err != nil {
			return err
		}
	}
}

func (s *Sanitizer) multipartErr() error {
	if s.off&bitMultipart == 0 {
		return ErrInvalidMultipart
	}
	return nil
}

// checkEmptyFile accepts a file part without a name only when it has no
// content either.
func (s *Sanitizer) checkEmptyFile(p *multipart.Part) error {
	var one [1]byte
	n, err := io.ReadFull(p, one[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return s.multipartErr()
	}
	if n > 0 && s.off&bitFileType == 0 {
		return ErrFileType
	}
	return nil
}

// checkField checks a non-file part as text.
func (s *Sanitizer) checkField(p *multipart.Part, sc *scratch) error {
	limit := s.maxField
	if s.off&bitValueTooLong != 0 {
		limit = int(s.maxUpload)
	}
	if cap(sc.buf) < limit+1 && limit < uploadChunk {
		sc.buf = make([]byte, 0, limit+1)
	}
	sc.buf = sc.buf[:0]
	n, err := readUpTo(p, &sc.buf, limit+1)
	if err != nil {
		return s.multipartErr()
	}
	if n > limit {
		return ErrValueTooLong
	}
	return s.checkValue(sc, sc.buf, true, LocationBody)
}

// readUpTo appends up to max bytes of r to *dst.
func readUpTo(r io.Reader, dst *[]byte, max int) (int, error) {
	for len(*dst) < max {
		if cap(*dst) == len(*dst) {
			*dst = append(*dst, 0)[:len(*dst)]
		}
		end := cap(*dst)
		if end > max {
			end = max
		}
		n, err := r.Read((*dst)[len(*dst):end])
		*dst = (*dst)[:len(*dst)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return len(*dst), err
		}
	}
	return len(*dst), nil
}

// checkFile checks an uploaded file: its name, size, extension, and that
// its content sniffs as the extension's type, streaming through the part in
// chunks so that no copy of the file is made.
func (s *Sanitizer) checkFile(p *multipart.Part, filename string, sc *scratch) error {
	if err := s.checkUploadName(filename); err != nil {
		return err
	}
	want := ""
	if s.off&bitFileType == 0 {
		var ok bool
		if want, ok = s.uploads[uploadExt(filename)]; !ok || innerActiveExt(filename) {
			return ErrFileType
		}
	}
	text := want == "text/plain"
	if cap(sc.buf) < uploadChunk+markerOverlap {
		sc.buf = make([]byte, uploadChunk+markerOverlap)
	}
	buf := sc.buf[:uploadChunk+markerOverlap]
	var (
		size  int64
		carry int // bytes kept at buf[:carry] from the previous chunk
		first = true
	)
	for {
		room := len(buf) - carry
		n, err := io.ReadFull(p, buf[carry:])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return s.multipartErr()
		}
		size += int64(n)
		if size > s.maxFile && s.off&bitFileTooLarge == 0 {
			return ErrFileTooLarge
		}
		chunk := buf[:carry+n]
		if want != "" {
			if first && !sniffs(chunk, want) {
				return ErrFileType
			}
			if text {
				if bytes.IndexByte(chunk, 0) >= 0 {
					return ErrFileType
				}
				complete := utf8Prefix(chunk, n < room)
				if !utf8.Valid(chunk[:complete]) {
					return ErrFileType
				}
				carry = copy(buf, chunk[complete:])
			} else {
				if hasActiveMarker(chunk) {
					return ErrFileType
				}
				carry = copy(buf, chunk[max(len(chunk)-markerOverlap, 0):])
			}
		}
		first = false
		if n < room || err != nil {
			if text && carry > 0 {
				return ErrFileType // a truncated character at the end
			}
			return nil
		}
	}
}

// sniffs reports whether content starts like the media type want.
func sniffs(content []byte, want string) bool {
	got := http.DetectContentType(content)
	mt, params, _ := strings.Cut(got, ";")
	if !strings.EqualFold(strings.TrimSpace(mt), want) {
		return false
	}
	if want == "text/plain" {
		return strings.EqualFold(strings.TrimSpace(params), "charset=utf-8")
	}
	return true
}

// utf8Prefix returns the length of the longest prefix of b that does not end
// inside a multi-byte character; at the end of the data, all of b.
func utf8Prefix(b []byte, final bool) int {
	if final {
		return len(b)
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// hasActiveMarker reports whether binary content embeds the start of a PHP
// block, a script or an HTML document, the payload of polyglot files that a
// misconfigured server or a sniffing browser would execute.
func hasActiveMarker(b []byte) bool {
	for i := 0; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			return false
		}
		i += j
		rest := b[i:]
		if hasPrefixFold(rest, "<?php") || hasPrefixFold(rest, "<script") || hasPrefixFold(rest, "<html") {
			return true
		}
	}
	return false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// checkUploadName applies the text and traversal rules to a client's file
// name: no control or bidi formatting characters, valid UTF-8, no
// backslash, no absolute path or drive, no dot segment.
func (s *Sanitizer) checkUploadName(name string) error {
	for _, r := range name {
		if r == utf8.RuneError && s.off&bitUTF8 == 0 && !utf8.ValidString(name) {
			return ErrInvalidUTF8
		}
		if (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r)) && s.off&bitControl == 0 {
			return ErrControlCharacter
		}
	}
	if s.off&bitTraversal == 0 {
		if strings.ContainsRune(name, '\\') || strings.HasPrefix(name, "/") || hasDrive(name) || hasDotSegment(bytesOf(name)) {
			return ErrPathTraversal
		}
	}
	return s.checkUnicode(bytesOf(name))
}

func hasDrive(name string) bool {
	return len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z')
}

// uploadExt returns the lower-case extension of a file name's base name,
// with the dot, or "" when the base name has no stem and extension.
func uploadExt(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	return strings.ToLower(name[i:])
}

// innerActiveExt reports whether a dot-separated part of the base name
// other than the stem and the last extension is an active extension.
func innerActiveExt(name string) bool {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	parts := strings.Split(strings.ToLower(name), ".")
	for _, p := range parts[1 : len(parts)-1] {
		if activeExt["."+strings.TrimRight(p, " ")] {
			return true
		}
	}
	return false
}
