package api

import (
	"net/http"
	"slices"
	"strings"
)

// Router registers routes on an http.ServeMux and makes its errors problem
// documents too: a known path asked with another method gets 405 with an
// Allow header, an unknown path 404, both with a problem body (ServeMux's
// own answers are text/plain).
type Router struct {
	mux     *http.ServeMux
	methods map[string][]string // path -> methods registered
	paths   []string            // paths in registration order
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{mux: http.NewServeMux(), methods: map[string][]string{}}
}

// Handle registers h for pattern, which must be "METHOD /path" (a path may
// hold ServeMux wildcards such as {id}).
func (rt *Router) Handle(pattern string, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic("api: route pattern must be \"METHOD /path\": " + pattern) // a programming error, at start-up
	}
	rt.mux.Handle(pattern, h)
	if _, seen := rt.methods[path]; !seen {
		rt.paths = append(rt.paths, path)
	}
	rt.methods[path] = append(rt.methods[path], method)
}

// Mux registers the 405 and 404 answers and returns the ServeMux. Call it
// once, after the last Handle.
func (rt *Router) Mux() *http.ServeMux {
	for _, path := range rt.paths {
		allowed := slices.Clone(rt.methods[path])
		if slices.Contains(allowed, http.MethodGet) && !slices.Contains(allowed, http.MethodHead) {
			allowed = append(allowed, http.MethodHead) // ServeMux serves HEAD with GET routes
		}
		slices.Sort(allowed)
		allow := strings.Join(allowed, ", ")
		rt.mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", allow)
			errMethod.Write(w)
		}))
	}
	rt.mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { ErrNotFound.Write(w) }))
	return rt.mux
}

var errMethod = Problem{http.StatusMethodNotAllowed, "method_not_allowed", "This path does not accept this method; see the Allow header."}
