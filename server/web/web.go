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
// the tab or the result view), "/docs" the API reference and "/static/…"
// their assets. The API is not
// here; mount it beside this handler on the same origin (/v1/, /openapi.json).
func Handler() http.Handler {
	assets := http.FileServerFS(Static())
	mux := http.NewServeMux()
	mux.Handle("GET /static/", withHeaders(http.StripPrefix("/static/", assets)))
	mux.Handle("GET /{$}", page("index.html"))
	// The API reference: Swagger UI from static/vendor over /openapi.json,
	// so it works without internet (Huma's own /docs loads its viewer from a
	// CDN and is turned off in server/api).
	mux.Handle("GET /docs", page("docs.html"))
	return mux
}

// page serves one embedded HTML file.
func page(name string) http.Handler {
	body, err := fs.ReadFile(Static(), name)
	if err != nil {
		panic(err) // the file is embedded at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	})
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
// "/", "/docs" and "/static/…" are the pages, every other path goes to api
// (/v1/…, /openapi.json, /healthz, /metrics).
func WithAPI(api http.Handler) http.Handler {
	pages := Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", pages)
	mux.Handle("GET /docs", pages)
	mux.Handle("GET /static/", pages)
	mux.Handle("/", api)
	return mux
}
