package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue 12 in the pages: the result view shows coded values by their label
// in the page's language (Voz, Receptivo / Voice, Inbound), and searching the
// label finds the rows.
func TestBrowser_ResultViewShowsLabelsOfCodesInThePagesLanguage(t *testing.T) {
	b := setup(t)
	ctx := browserCtx(t, t.TempDir())
	shots := artifacts(t)

	var run struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"contacts.all_contacts","filters":{"period":"2024-03-18..2024-03-19"}}`), &run)

	do(t, ctx, "sign in",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.viewer),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")))
	do(t, ctx, "open the result",
		chromedp.Navigate(b.url+"/#/runs/"+run.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 1`))
	// Columns: started (0), protocol (1), channel (2), direction (3).
	allowed := func(vals []string, ok ...string) []string {
		var bad []string
		for _, v := range vals {
			if !strings.Contains("|"+strings.Join(ok, "|")+"|", "|"+v+"|") {
				bad = append(bad, v)
			}
		}
		return bad
	}
	if bad := allowed(column(t, ctx, 2), "WhatsApp", "WebChat", "Voz", "E-mail"); len(bad) > 0 {
		t.Errorf("pt-BR channel cells not labelled: %v", bad)
	}
	if bad := allowed(column(t, ctx, 3), "Receptivo", "Ativo"); len(bad) > 0 {
		t.Errorf("pt-BR direction cells not labelled: %v", bad)
	}
	do(t, ctx, "search the label",
		chromedp.SendKeys(chromedp.CSS("#result-search"), "Voz"),
		click("#result-search-form button[type=submit]"),
		waitJS(`[...document.querySelectorAll("#result-table tbody tr")].every(tr => tr.children[2].dataset.value === "Voz")`))
	if n := len(column(t, ctx, 2)); n == 0 {
		t.Error("searching Voz shows no row")
	}
	screenshot(t, ctx, shots, "labels-01-pt-BR")

	do(t, ctx, "english",
		chromedp.Navigate(b.url+"/#/runs"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")),
		setInput("#lang", "en"),
		waitJS(`document.documentElement.lang === "en" && !!document.querySelector("#runs-table")`),
		chromedp.Navigate(b.url+"/#/runs/"+run.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 1`))
	if bad := allowed(column(t, ctx, 2), "WhatsApp", "WebChat", "Voice", "E-mail"); len(bad) > 0 {
		t.Errorf("English channel cells not labelled: %v", bad)
	}
	if bad := allowed(column(t, ctx, 3), "Inbound", "Outbound"); len(bad) > 0 {
		t.Errorf("English direction cells not labelled: %v", bad)
	}
	screenshot(t, ctx, shots, "labels-02-en")
}
