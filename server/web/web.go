package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var files embed.FS

// Static is the embedded page assets (index.html, app JS, CSS, vendored
// charting library), rooted at the static folder.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// Handler serves the pages: "/" is the single page (its own hash routes pick
// the tab or the result view) and "/static/…" its assets. The API is not
// here; mount it beside this handler on the same origin (/v1/, /openapi.json).
func Handler() http.Handler {
	assets := http.FileServerFS(Static())
	index, err := fs.ReadFile(Static(), "index.html")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", withHeaders(http.StripPrefix("/static/", assets)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(index)
	})
	return mux
}

func withHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		// Assets are embedded in the binary: a new binary may change them,
		// so browsers revalidate (ETag-less; Last-Modified is zero for embed).
		w.Header().Set("Cache-Control", "no-cache")
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		h.ServeHTTP(w, r)
	})
}

// setSecurityHeaders keeps the pages to their own origin: scripts and styles
// only from here, API calls only to here, no framing.
func setSecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// WithAPI puts the pages and the API on one origin, as the pages expect:
// "/" and "/static/…" are the pages, every other path goes to api (/v1/…,
// /openapi.json, /docs, /healthz, /metrics).
func WithAPI(api http.Handler) http.Handler {
	pages := Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /static/", pages)
	mux.Handle("/", api)
	return mux
}
