package sanitize

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	pngData  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0x10}, 200)...)
	jpegData = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{0x20}, 200)...)
	pdfData  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")
	phpData  = []byte("<?php system($_GET['c']); ?>")
)

type part struct {
	field, filename string
	data            []byte
}

// noFile stands for the filename="" a browser sends for an empty file input.
const noFile = "\x00none"

func multipartRequest(t *testing.T, parts ...part) *http.Request {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			name := p.filename
			if name == noFile {
				name = ""
			}
			// The name is written raw, as browsers do, not Go-quoted.
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="%s"`, p.field, name))
			h.Set("Content-Type", "application/octet-stream")
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.field))
		}
		pw, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = pw.Write(p.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	r := httptest.NewRequest(http.MethodPost, "/upload", &body)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

var uploadOpts = Options{ContentTypes: map[string][]string{"POST": {"multipart/form-data"}}}

func TestUploadRules(t *testing.T) {
	t.Parallel()
	big := append(append([]byte{}, pngData...), bytes.Repeat([]byte{1}, 5000)...)
	polyglot := append(append([]byte{}, pngData...), []byte("tEXt<?php system($_GET[c]); ?>")...)
	tests := []struct {
		name   string
		opts   Options
		parts  []part
		status int
		rule   Rule
	}{
		{"a PNG named .png passes", uploadOpts, []part{{"avatar", "cat.png", pngData}, {"caption", "", []byte("my cat, O'Brien")}}, 204, ""},
		{"a JPEG named .JPG passes", uploadOpts, []part{{"photo", "IMG_0001.JPG", jpegData}}, 204, ""},
		{"a PDF passes", uploadOpts, []part{{"doc", "report.pdf", pdfData}}, 204, ""},
		{"UTF-8 text named .txt passes", uploadOpts, []part{{"notes", "notes.txt", []byte("héllo\nworld\t!\n")}}, 204, ""},
		{"a directory name in the file name passes", uploadOpts, []part{{"f", "photos/cat.png", pngData}}, 204, ""},
		{"PHP renamed cat.png is refused", uploadOpts, []part{{"avatar", "cat.png", phpData}}, 415, RuleFileType},
		{"a PNG named .jpg is refused", uploadOpts, []part{{"avatar", "cat.jpg", pngData}}, 415, RuleFileType},
		{"a PHP file is refused", uploadOpts, []part{{"avatar", "evil.php", phpData}}, 415, RuleFileType},
		{"a double extension is refused", uploadOpts, []part{{"avatar", "evil.php.png", pngData}}, 415, RuleFileType},
		{"a PNG with embedded PHP is refused", uploadOpts, []part{{"avatar", "cat.png", polyglot}}, 415, RuleFileType},
		{"an SVG is refused", uploadOpts, []part{{"avatar", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}}, 415, RuleFileType},
		{"HTML named .txt is refused", uploadOpts, []part{{"notes", "notes.txt", []byte("<html><script>alert(1)</script></html>")}}, 415, RuleFileType},
		{"binary named .txt is refused", uploadOpts, []part{{"notes", "notes.txt", []byte("abc\x00\x01\x02def")}}, 415, RuleFileType},
		{"latin-1 text named .txt is refused", uploadOpts, []part{{"notes", "notes.txt", []byte("caf\xe9 au lait")}}, 415, RuleFileType},
		{"an empty optional file input passes", uploadOpts, []part{{"avatar", noFile, nil}, {"caption", "", []byte("no picture today")}}, 204, ""},
		{"a nameless file with content is refused", uploadOpts, []part{{"avatar", noFile, pngData}}, 415, RuleFileType},
		{"a file without extension is refused", uploadOpts, []part{{"f", "README", []byte("hello")}}, 415, RuleFileType},
		{"an empty file is refused", uploadOpts, []part{{"f", "empty.png", nil}}, 415, RuleFileType},
		{"a file name with traversal is refused", uploadOpts, []part{{"f", "../../etc/cron.d/x.png", pngData}}, 400, RulePathTraversal},
		{"a Windows path is refused", uploadOpts, []part{{"f", `C:\Users\x\cat.png`, pngData}}, 400, RulePathTraversal},
		{"an absolute path is refused", uploadOpts, []part{{"f", "/etc/x.png", pngData}}, 400, RulePathTraversal},
		{"a raw NUL in the part header is malformed", uploadOpts, []part{{"f", "evil.php\x00.png", pngData}}, 400, RuleInvalidMultipart},
		{"a bidi override in the file name is refused", uploadOpts, []part{{"f", "cat\u202egnp.exe", pngData}}, 400, RuleControlCharacter},
		{"a file over the limit is refused", Options{ContentTypes: uploadOpts.ContentTypes, MaxFileBytes: 1000}, []part{{"f", "big.png", big}}, 413, RuleFileTooLarge},
		{"too many parts are refused", Options{ContentTypes: uploadOpts.ContentTypes, MaxParts: 2}, []part{{"a", "", []byte("1")}, {"b", "", []byte("2")}, {"c", "", []byte("3")}}, 400, RuleTooManyParts},
		{"a long field is refused", Options{ContentTypes: uploadOpts.ContentTypes, MaxFieldBytes: 10}, []part{{"a", "", []byte("01234567890")}}, 400, RuleValueTooLong},
		{"a NUL in a field is refused", uploadOpts, []part{{"a", "", []byte("x\x00y")}}, 400, RuleControlCharacter},
		{"an allowed extension of the caller's list passes", Options{ContentTypes: uploadOpts.ContentTypes, AllowedUploads: map[string]string{".csv": "text/plain"}}, []part{{"f", "data.csv", []byte("a,b\n1,2\n")}}, 204, ""},
		{"a default extension outside the caller's list is refused", Options{ContentTypes: uploadOpts.ContentTypes, AllowedUploads: map[string]string{".csv": "text/plain"}}, []part{{"f", "cat.png", pngData}}, 415, RuleFileType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := multipartRequest(t, tt.parts...)
			rec, got, events := serve(t, tt.opts, r)
			if tt.rule == "" {
				require.Equal(t, tt.status, rec.Code, rec.Body.String())
				require.NotEmpty(t, got)
				return
			}
			requireRejected(t, rec, events, tt.status, tt.rule, "")
		})
	}
}

func TestUploadBodyLimit(t *testing.T) {
	t.Parallel()
	r := multipartRequest(t, part{"f", "cat.png", append(append([]byte{}, pngData...), make([]byte, 3000)...)})
	rec, _, events := serve(t, Options{ContentTypes: uploadOpts.ContentTypes, MaxUploadBytes: 2000}, r)
	requireRejected(t, rec, events, http.StatusRequestEntityTooLarge, RuleUploadTooLarge, "")
}

func TestMalformedMultipart(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, ct, body string }{
		{"a missing boundary parameter", "multipart/form-data", "--x\r\n\r\n--x--"},
		{"a body without the final boundary", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue"},
		{"a part that is not form-data", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: attachment; filename=\"a.png\"\r\n\r\nv\r\n--x--\r\n"},
		{"garbage", "multipart/form-data; boundary=x", "not multipart at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			rec, _, events := serve(t, uploadOpts, r)
			requireRejected(t, rec, events, http.StatusBadRequest, RuleInvalidMultipart, "")
		})
	}
}

func TestUploadIsRereadableByTheHandler(t *testing.T) {
	t.Parallel()
	s := mustNew(t, uploadOpts)
	var name string
	var size int64
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseMultipartForm(1<<20))
		fh := r.MultipartForm.File["avatar"][0]
		name, size = SafeFilename(fh.Filename), fh.Size
	}))
	h.ServeHTTP(httptest.NewRecorder(), multipartRequest(t, part{"avatar", "cat.png", pngData}))
	require.Equal(t, "cat.png", name)
	require.EqualValues(t, len(pngData), size)
}

func TestLargeUploadsAreCheckedInChunks(t *testing.T) {
	t.Parallel()
	data := append(append([]byte{}, pngData...), bytes.Repeat([]byte{7}, 3*uploadChunk)...)
	rec, _, _ := serve(t, uploadOpts, multipartRequest(t, part{"f", "big.png", data}))
	require.Equal(t, http.StatusNoContent, rec.Code)
	// A marker straddling two chunks is found.
	data = append(append([]byte{}, pngData...), bytes.Repeat([]byte{7}, uploadChunk-len(pngData)-3)...)
	data = append(data, []byte("<script>alert(1)</script>")...)
	rec, _, _ = serve(t, uploadOpts, multipartRequest(t, part{"f", "big.png", data}))
	require.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
	// A multi-byte character straddling two chunks of a text file is fine.
	text := append(bytes.Repeat([]byte("a"), uploadChunk-1), []byte("é and more")...)
	rec, _, _ = serve(t, uploadOpts, multipartRequest(t, part{"f", "notes.txt", text}))
	require.Equal(t, http.StatusNoContent, rec.Code)
}

func TestEncodedFileNamesAreDecodedBeforeTheChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, disposition string
		rule              Rule
	}{
		{"an RFC 2231 name passes", `form-data; name="f"; filename*=UTF-8''caf%C3%A9.png`, ""},
		{"an RFC 2231 encoded NUL is refused", `form-data; name="f"; filename*=UTF-8''evil.php%00.png`, RuleControlCharacter},
		{"an RFC 2231 encoded traversal is refused", `form-data; name="f"; filename*=UTF-8''..%2F..%2Fx.png`, RulePathTraversal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := "--b\r\nContent-Disposition: " + tt.disposition + "\r\n\r\n" + string(pngData) + "\r\n--b--\r\n"
			r := httptest.NewRequest(http.MethodPost, "/upload", strings.NewReader(body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			rec, _, events := serve(t, uploadOpts, r)
			if tt.rule == "" {
				require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
				return
			}
			requireRejected(t, rec, events, http.StatusBadRequest, tt.rule, "")
		})
	}
}
