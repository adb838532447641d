package sanitize_test

import (
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/gatehouse-go/gatehouse/sanitize"
)

// A JSON API behind the default rules: the duplicate-key trick that
// encoding/json would silently accept is refused, and a good body reaches
// the handler unchanged.
func Example() {
	s, err := sanitize.New(sanitize.Options{})
	if err != nil {
		log.Fatal(err)
	}
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println("handler got:", string(body))
	}))
	for _, body := range []string{
		`{"name":"O'Brien","note":"please update my plan"}`,
		`{"role":"user","r\u006fle":"admin"}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/profile", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
		}
	}
	// Output:
	// handler got: {"name":"O'Brien","note":"please update my plan"}
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"code":"json_duplicate_key","detail":"A JSON object in the body names the same member more than once."}
}

// Per-route configuration: copy a base Options value and change what
// differs. Here uploads take multipart bodies up to 20 MiB, and the chat
// route blocks what the detector flags instead of only logging it.
func Example_perRoute() {
	base := sanitize.Options{MaxBodyBytes: 256 << 10}

	uploadOpts := base
	uploadOpts.ContentTypes = map[string][]string{"POST": {"multipart/form-data"}}
	uploadOpts.MaxUploadBytes = 20 << 20

	chatOpts := base
	chatOpts.Detection = sanitize.DetectBlock

	api, err := sanitize.New(base)
	if err != nil {
		log.Fatal(err)
	}
	uploads, err := sanitize.New(uploadOpts)
	if err != nil {
		log.Fatal(err)
	}
	chat, err := sanitize.New(chatOpts)
	if err != nil {
		log.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("/api/", api.Handler(ok))
	mux.Handle("/upload", uploads.Handler(ok))
	mux.Handle("/chat", chat.Handler(ok))

	for _, msg := range []string{`{"text":"how do I select the best option?"}`, `{"text":"' OR 1=1 --"}`} {
		r := httptest.NewRequest(http.MethodPost, "/chat", strings.NewReader(msg))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 200
	// 400
}

// The detector on its own, on decoded input.
func ExampleDetector_Detect() {
	var d sanitize.Detector
	for _, in := range []string{
		"O'Brien",
		"please update my plan",
		"%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
		"admin'--",
		"..%252f..%252fetc%252fpasswd",
		"127.0.0.1; cat /etc/passwd",
	} {
		if f, ok := d.Detect(in); ok {
			fmt.Printf("%s (%s)\n", f.Class, f.Signal)
		} else {
			fmt.Println("ok")
		}
	}
	// Output:
	// ok
	// ok
	// xss (event_handler)
	// sqli (comment_truncation)
	// path_traversal (dot_segments)
	// command_injection (command_separator)
}

// One comparison key per account: the example server stores it with a
// unique index.
func ExampleIdentifierKey() {
	for _, name := range []string{"Alice", "ＡＬＩＣＥ", "alice"} {
		key, _ := sanitize.IdentifierKey(name)
		fmt.Println(key)
	}
	fmt.Println(sanitize.ValidUsername("pаypal")) // Cyrillic а
	// Output:
	// alice
	// alice
	// alice
	// sanitize: invalid username: mixed_scripts
}

func ExampleSafeFilename() {
	fmt.Println(sanitize.SafeFilename("../../etc/passwd"))
	fmt.Println(sanitize.SafeFilename("cat\u202egnp.exe"))
	fmt.Println(sanitize.SafeFilename("CON.txt"))
	// Output:
	// passwd
	// cat_gnp.exe
	// _CON.txt
}

// Input is stored as sent; escaping happens at output, for the context.
// html/template does it for every context; EscapeHTML is for HTML text
// written by hand.
func ExampleEscapeHTML() {
	name := `O'Brien <b>`
	fmt.Println(sanitize.EscapeHTML(name))

	t := template.Must(template.New("").Parse(`<p title="{{.}}">{{.}}</p>` + "\n"))
	_ = t.Execute(os.Stdout, name)
	// Output:
	// O&#39;Brien &lt;b&gt;
	// <p title="O&#39;Brien &lt;b&gt;">O&#39;Brien &lt;b&gt;</p>
}
