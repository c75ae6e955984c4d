package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInAs signs in with the form and switches the pages to lang.
func signInAs(t *testing.T, ctx context.Context, b testBundle, token, lang string) {
	t.Helper()
	signIn(t, ctx, b, token)
	if lang != "pt-BR" {
		do(t, ctx, "switch to "+lang,
			setInput("#lang", lang),
			waitJS(fmt.Sprintf(`document.documentElement.lang === %q && !!document.querySelector("#runs-table")`, lang)))
	}
}

func TestBrowser_AWaitingRunSaysItsPlaceAndWhatItWaitsFor(t *testing.T) {
	b := setup(t)
	shots := artifacts(t)
	// The blocking report (Chamadas Abandonadas) holds wallet 101 (Vendas:
	// the seed's first wallet of tenant 1) until canceled; service level on
	// the same wallet waits behind it.
	var blocking, waiting struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"`+blockingReport+`","filters":{"period":"2024-03-01..2024-03-02","wallet":101}}`), &blocking)
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.service_level","filters":{"period":"2024-03-01..2024-03-02","wallet":101}}`), &waiting)
	t.Cleanup(func() {
		b.apiPost(t, b.viewer, "/v1/runs/"+waiting.ID+"/cancel", "")
		b.apiPost(t, b.viewer, "/v1/runs/"+blocking.ID+"/cancel", "")
	})
	for _, c := range []struct{ lang, want string }{
		{"pt-BR", "2º na fila da carteira Vendas, aguardando Chamadas Abandonadas (detalhe)"},
		{"en", "2nd in the queue of wallet Vendas, waiting for Abandoned calls (detail)"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			jsErrors := collectJSErrors(ctx)
			defer func() {
				if errs := jsErrors(); len(errs) > 0 {
					t.Errorf("the page threw: %v", errs)
				}
			}()
			signInAs(t, ctx, b, b.viewer, c.lang)
			row := fmt.Sprintf(`#runs-body tr[data-run-id=%q] .queue-place`, waiting.ID)
			do(t, ctx, "list shows the place", waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, row)))
			if got := text(t, ctx, row); got != c.want {
				t.Errorf("list: %q, want %q", got, c.want)
			}
			screenshot(t, ctx, shots, "follow-queue-list-"+c.lang)
			do(t, ctx, "view shows the place",
				chromedp.Navigate(b.url+"/#/runs/"+waiting.ID),
				waitJS(`!!document.querySelector("#view-queue")`))
			if got := text(t, ctx, "#view-queue"); got != c.want {
				t.Errorf("view: %q, want %q", got, c.want)
			}
			screenshot(t, ctx, shots, "follow-queue-view-"+c.lang)
		})
	}
}

func TestBrowser_ListFiltersNarrowTheListAndSurviveAReload(t *testing.T) {
	b := setup(t)
	shots := artifacts(t)
	// Three runs of the viewer: two reports that finish, one that fails.
	var sl, failed struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.service_level","filters":{"period":"2024-03-01..2024-03-02"}}`), &sl)
	b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.abandonment_rate","filters":{"period":"2024-03-01..2024-03-02"}}`)
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"`+failingReport+`","filters":{"period":"2024-03-01..2024-03-02"}}`), &failed)
	listed := `[...document.querySelectorAll("#runs-body tr[data-run-id]")].map(tr => tr.dataset.runId).join(",")`
	for _, c := range []struct{ lang, one, three string }{{"pt-BR", "1 relatório", "3 relatórios"}, {"en", "1 report", "3 reports"}} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			jsErrors := collectJSErrors(ctx)
			defer func() {
				if errs := jsErrors(); len(errs) > 0 {
					t.Errorf("the page threw: %v", errs)
				}
			}()
			signInAs(t, ctx, b, b.manager, c.lang)
			do(t, ctx, "all runs",
				click("#scope-all"),
				waitJS(`document.querySelectorAll("#runs-body tr[data-run-id]").length === 3`))
			if got := text(t, ctx, "#runs-total"); got != c.three {
				t.Errorf("total %q, want %q", got, c.three)
			}
			do(t, ctx, "by report",
				setInput("#filter-report", "kpis.service_level"),
				waitJS(fmt.Sprintf(`location.hash.includes("report=kpis.service_level") && %s === %q`, listed, sl.ID)))
			if got := text(t, ctx, "#runs-total"); got != c.one {
				t.Errorf("total by report %q, want %q", got, c.one)
			}
			screenshot(t, ctx, shots, "follow-filters-"+c.lang)
			do(t, ctx, "reload keeps the filter",
				chromedp.Reload(),
				waitJS(fmt.Sprintf(`!!document.querySelector("#filter-report") && %s === %q`, listed, sl.ID)))
			if v := eval[string](t, ctx, `document.querySelector("#filter-report").value`); v != "kpis.service_level" {
				t.Errorf("after reload the report filter is %q", v)
			}
			do(t, ctx, "by status failed instead",
				click("#filters-clear"),
				waitJS(`document.querySelectorAll("#runs-body tr[data-run-id]").length === 3`),
				setInput("#filter-status", "failed"),
				waitJS(fmt.Sprintf(`location.hash.includes("status=failed") && %s === %q`, listed, failed.ID)))
			// Requested up to a day before the runs (the test's server runs now): none.
			do(t, ctx, "requested before today",
				setInput("#filter-to", "2024-03-19"),
				waitJS(`location.hash.includes("to=2024-03-19") && document.querySelectorAll("#runs-body tr[data-run-id]").length === 0`))
		})
	}
}
