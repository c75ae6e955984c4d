package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/relato/relato/server/servertest"
)

// refs finds the addresses an HTML page or a script loads: src and href
// attributes, CSS url(…), and http(s) addresses in script text.
var refs = regexp.MustCompile(`(?:src|href)="([^"]+)"|url\(["']?([^"')]+)|["'](https?://[^"']+)["']`)

func TestDocs_TheAPIReferenceLoadsNothingFromAnotherHost(t *testing.T) {
	h := servertest.Start(t, servertest.Options{}).Handler()
	rec := get(t, h, "/docs")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("/docs CSP %q lets the page load from elsewhere", csp)
	}
	page := rec.Body.String()
	if !strings.Contains(page, "/static/vendor/swagger-ui-bundle.js") {
		t.Fatalf("/docs does not load the vendored viewer:\n%s", page)
	}
	// Every address the page and its own script name is on this origin, and
	// each one it loads is served.
	docsJS := get(t, h, "/static/docs.js").Body.String()
	for _, src := range []string{page, docsJS} {
		for _, m := range refs.FindAllStringSubmatch(src, -1) {
			ref := m[1] + m[2] + m[3]
			u, err := url.Parse(ref)
			if err != nil || u.Host != "" || u.Scheme != "" {
				t.Errorf("references another host: %q", ref)
				continue
			}
			if strings.HasPrefix(ref, "/static/") || ref == "/openapi.json" {
				if r := get(t, h, ref); r.Code != 200 {
					t.Errorf("%s: %d", ref, r.Code)
				}
			}
		}
	}
	if !strings.Contains(docsJS, `"/openapi.json"`) || !strings.Contains(docsJS, "validatorUrl: null") {
		t.Errorf("docs.js does not read this instance's document with the online validator off:\n%s", docsJS)
	}
	// Huma's own page, which loads its viewer from a CDN, is off.
	if strings.Contains(page, "unpkg.com") || strings.Contains(page, "stoplight") {
		t.Errorf("/docs is Huma's CDN page")
	}
}

func TestBrowser_DocsRendersTheAPIFromThisOriginOnly(t *testing.T) {
	srv := servertest.Start(t, servertest.Options{})
	ctx := browserCtx(t, t.TempDir())
	do(t, ctx, "open /docs",
		chromedp.Navigate(srv.URL+"/docs"),
		waitJS(`(document.querySelector(".swagger-ui .info .title") || {}).textContent?.includes("relato") && document.querySelectorAll(".opblock").length > 20`))
	// Everything the browser fetched, the document included.
	loaded := eval[[]string](t, ctx, `[location.href, ...performance.getEntriesByType("resource").map(e => e.name)]`)
	origin, _ := url.Parse(srv.URL)
	for _, l := range loaded {
		if u, err := url.Parse(l); err != nil || u.Host != origin.Host {
			t.Errorf("/docs loaded %s from another host", l)
		}
	}
	if len(loaded) < 4 { // the page, the bundle, its CSS, docs.js, /openapi.json
		t.Errorf("only %d resources seen: %v", len(loaded), loaded)
	}
}
