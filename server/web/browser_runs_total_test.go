package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// After "Gerar" the list's count and its rows change in one update: the new
// run never sits on the list beside the old count ("2 relatórios" over
// three rows until the next poll).
func TestBrowser_RunsCountChangesWithTheNewRow(t *testing.T) {
	b := setup(t)
	ctx := browserCtx(t, t.TempDir())
	for range 2 {
		b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.abandonment_rate","filters":{"period":"2024-03-01..2024-03-02"}}`)
	}
	do(t, ctx, "sign in",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.viewer),
		click("#sign-in"),
		waitJS(`document.querySelectorAll("#runs-body tr[data-run-id]").length === 2 && document.querySelector("#runs-total").textContent === "2 relatórios"`))

	// Every change of the page is checked: as many rows as the count says.
	do(t, ctx, "watch the list",
		chromedp.Evaluate[chromedp.Void](`(() => {
			window.__mismatch = [];
			new MutationObserver(() => {
				const rows = document.querySelectorAll("#runs-body tr[data-run-id]").length;
				const total = document.querySelector("#runs-total")?.textContent;
				if (rows && total && total !== (rows === 1 ? "1 relatório" : rows + " relatórios")) window.__mismatch.push(rows + " rows, " + total);
			}).observe(document.body, { subtree: true, childList: true, characterData: true });
			return null;
		})()`, chromedp.EvalAsValue))
	do(t, ctx, "generate a service level",
		click("#generate"),
		chromedp.WaitVisible(chromedp.CSS("#template-search")),
		click(`#template-list input[value="kpis.service_level"]`),
		chromedp.WaitVisible(chromedp.CSS("#generate-form")),
		setInput("#f-period-from", "2024-03-01"),
		setInput("#f-period-to", "2024-03-02"),
		click("#submit-generate"),
		waitJS(`document.querySelectorAll("#runs-body tr[data-run-id]").length === 3 && document.querySelector("#runs-total").textContent === "3 relatórios"`))
	if m := eval[[]string](t, ctx, `window.__mismatch`); len(m) > 0 {
		t.Errorf("the list showed rows beside another count: %v", m)
	}
}
