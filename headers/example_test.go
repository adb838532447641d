package headers_test

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/gatehouse-go/gatehouse/headers"
)

func Example() {
	h, err := headers.New(headers.Options{})
	if err != nil {
		panic(err)
	}
	api := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://api.example.com/", nil))
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "Cache-Control", "Strict-Transport-Security"} {
		fmt.Printf("%s: %q\n", k, rec.Header().Get(k))
	}
	// Output:
	// Content-Security-Policy: "default-src 'none'; frame-ancestors 'none'"
	// X-Frame-Options: "DENY"
	// Cache-Control: "no-store"
	// Strict-Transport-Security: ""
}

func ExampleNonce() {
	h, err := headers.New(headers.HTMLApp())
	if err != nil {
		panic(err)
	}
	page := template.Must(template.New("page").Parse(`<script nonce="{{.}}">boot()</script>`))
	app := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, headers.Nonce(r.Context()))
	}))
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))

	// html/template writes the base64 '+', '/' and '=' as character
	// references; the browser decodes them before comparing.
	body := html.UnescapeString(rec.Body.String())
	nonce := strings.TrimSuffix(strings.TrimPrefix(body, `<script nonce="`), `">boot()</script>`)
	fmt.Println(len(nonce))
	fmt.Println(strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self' 'nonce-"+nonce+"'"))
	// Output:
	// 24
	// true
}

func ExamplePolicy() {
	p := headers.Policy{
		DefaultSrc:     []string{headers.Self},
		ScriptSrc:      []string{headers.Self, headers.NonceSource},
		ObjectSrc:      []string{headers.None},
		FrameAncestors: []string{headers.None},
		ReportTo:       "csp",
	}
	_, err := headers.New(headers.Options{
		ContentSecurityPolicyReportOnly: p.String(), // trial first; enforce later
		ReportingEndpoints:              map[string]string{"csp": "https://reports.example.com/csp"},
	})
	fmt.Println(p.String())
	fmt.Println(err)
	// Output:
	// default-src 'self'; script-src 'self' {nonce}; object-src 'none'; frame-ancestors 'none'; report-to csp
	// <nil>
}

func ExampleOptions_allowedHosts() {
	h, err := headers.New(headers.Options{
		AllowedHosts:  []string{"example.com", "*.example.com"},
		RedirectHTTPS: true,
	})
	if err != nil {
		panic(err)
	}
	app := h.Handler(http.NotFoundHandler())
	for _, host := range []string{"www.example.com", "evil.com"} {
		r := httptest.NewRequest(http.MethodPost, "http://"+host+"/orders?id=7", nil)
		r.Header.Set("X-Forwarded-Host", "evil.com") // never read
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, r)
		fmt.Println(host, rec.Code, rec.Header().Get("Location"))
	}
	// Output:
	// www.example.com 308 https://www.example.com/orders?id=7
	// evil.com 400
}

func ExampleNew_error() {
	_, err := headers.New(headers.Options{XSSProtection: "1; mode=block"})
	fmt.Fprintln(os.Stdout, err)
	// Output:
	// headers: X-Xss-Protection must be one of 0
}
