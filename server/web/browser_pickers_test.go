package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// options reads the labels a picker's list shows, top to bottom.
func options(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll("#%s-list li[role=option]:not(.lookup-more)")].map(li => li.firstChild.textContent)`, id))
}

// chosen reads the names a picker shows as chosen.
func chosen(t *testing.T, ctx context.Context, id string) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll("#%s-chosen .lookup-name")].map(s => s.textContent)`, id))
}

// searchPicker types text into a picker and waits until its list shows
// exactly want (labels, in order).
func searchPicker(t *testing.T, ctx context.Context, id, text string, want ...string) {
	t.Helper()
	wantJSON, _ := json.Marshal(want)
	err := chromedp.Do(ctx,
		focus(id),
		setInput("#"+id, ""),
		chromedp.KeyEvent(text),
		waitJS(fmt.Sprintf(`JSON.stringify([...document.querySelectorAll("#%s-list li[role=option]:not(.lookup-more)")].map(li => li.firstChild.textContent)) === %q && !document.querySelector("#%s-list").hidden`, id, wantJSON, id)))
	if err != nil {
		t.Fatalf("search %s for %q: %v; the box holds %q, the list shows %v; focus on %s", id, text, err, eval[string](t, ctx, fmt.Sprintf(`document.getElementById(%q).value`, id)), options(t, ctx, id),
			eval[string](t, ctx, `document.activeElement.id + "=" + document.activeElement.value + " hasFocus=" + document.hasFocus()`))
	}
}

// submitGenerate submits the generate form and waits for the dialog to close,
// or fails with the errors the form shows.
func submitGenerate(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "submit",
		jsClick("#submit-generate"),
		waitJS(`!document.querySelector("#generate-dialog").open || [...document.querySelectorAll("#generate-form .field-error, #form-error")].some(e => e.textContent)`))
	if errs := eval[[]string](t, ctx, `[...document.querySelectorAll("#generate-form .field-error, #form-error")].map(e => e.textContent).filter(Boolean)`); len(errs) > 0 {
		t.Fatalf("the form shows errors: %v", errs)
	}
}

// jsClick clicks the element the selector finds now (the dialog's content is
// rebuilt per report, so a node found earlier may be gone).
func jsClick(sel string) step {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// focus puts the keyboard in the element with that id (keys typed with
// chromedp.KeyEvent go to it).
func focus(id string) step {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).focus()`, id))
}

// pickFirstByKeyboard moves to the list's first option and picks it.
func pickFirstByKeyboard(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	do(t, ctx, "pick "+id,
		focus(id),
		chromedp.KeyEvent(kb.ArrowDown),
		waitJS(fmt.Sprintf(`document.querySelector("#%s").getAttribute("aria-activedescendant") === "%s-opt-0"`, id, id)),
		chromedp.KeyEvent(kb.Enter))
}

// Wallet, channels and event type of KPI Eventos are picked by name in each
// language; the run is created with their ids and codes. Expected ids from
// the seed: tenant 1's wallets are 1*100 + n in the order Vendas, Cobrança…,
// so Vendas is 101; the event labelled Venda is the code sale.
func TestBrowser_LookupFiltersArePickedByName(t *testing.T) {
	b := setup(t)
	shots := artifacts(t)
	ctx := browserCtx(t, t.TempDir())
	jsErrors := collectJSErrors(ctx)
	defer func() {
		if errs := jsErrors(); len(errs) > 0 {
			t.Errorf("the page threw: %v", errs)
		}
	}()
	// The pipeline cards are an extraction: the user holds personal_data.
	signIn(t, ctx, b, b.keeper)

	for _, c := range []struct {
		lang, walletLabel, channelsLabel, voice, hintOne, more string
		// issue 12, "Runs carry names": the list's line and the view's filters
		listNames string
		viewWords []string
	}{
		{"pt-BR", "Carteira", "Canais", "Voz", "busque pelo nome e escolha um", "Mostrar mais",
			"Carteira: Vendas · Canal: WhatsApp · Tipo de evento: Venda",
			// the period's both days are included: 01/03 to 07/03
			[]string{"Período=01/03/2024 a 07/03/2024", "Carteira=Vendas", "Canais=WhatsApp", "Tipo de evento=Venda"}},
		{"en", "Wallet", "Channels", "Voice", "search by name and pick one", "Show more",
			"Wallet: Vendas · Channel: WhatsApp · Event type: Venda",
			[]string{"Period=2024-03-01 to 2024-03-07", "Wallet=Vendas", "Channels=WhatsApp", "Event type=Venda"}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			do(t, ctx, "language",
				chromedp.Navigate(b.url+"/#/runs"),
				chromedp.WaitVisible(chromedp.CSS("#runs-table")),
				setInput("#lang", c.lang),
				waitJS(fmt.Sprintf(`document.documentElement.lang === %q && !!document.querySelector("#runs-table")`, c.lang)))
			do(t, ctx, "open KPI Eventos",
				click("#generate"),
				chromedp.WaitVisible(chromedp.CSS("#template-search")),
				click(`#template-list input[value="kpis.kpi_events"]`),
				chromedp.WaitVisible(chromedp.CSS("#f-wallet")))

			// Each lookup is a labelled combobox, not an id box.
			if got := eval[string](t, ctx, `document.querySelector('label[for="f-wallet"]').textContent`); got != c.walletLabel {
				t.Errorf("wallet label %q", got)
			}
			for _, id := range []string{"f-wallet", "f-channels", "f-event_type", "f-users"} {
				if role, controls := attr(t, ctx, "#"+id, "role"), attr(t, ctx, "#"+id, "aria-controls"); role != "combobox" || controls != id+"-list" {
					t.Errorf("%s: role %q, aria-controls %q", id, role, controls)
				}
			}
			if hint := text(t, ctx, "#f-wallet-hint"); !strings.Contains(hint, c.hintOne) {
				t.Errorf("wallet hint %q", hint)
			}
			if multi := attr(t, ctx, "#f-channels-list", "aria-multiselectable"); multi != "true" {
				t.Errorf("channels list aria-multiselectable %q", multi)
			}

			// Wallet: "vend" finds only Vendas (of Vendas, Cobrança, SAC,
			// Suporte Técnico, Retenção, Ouvidoria); picked with the keyboard.
			searchPicker(t, ctx, "f-wallet", "vend", "Vendas")
			if expanded := attr(t, ctx, "#f-wallet", "aria-expanded"); expanded != "true" {
				t.Errorf("open list: aria-expanded %q", expanded)
			}
			screenshot(t, ctx, shots, "pickers-"+c.lang+"-1-wallet-search")
			pickFirstByKeyboard(t, ctx, "f-wallet")
			do(t, ctx, "wallet chosen", waitJS(`document.querySelector("#f-wallet-list").hidden`))
			if got := chosen(t, ctx, "f-wallet"); strings.Join(got, ",") != "Vendas" {
				t.Errorf("wallet chosen %v", got)
			}

			// Channels, in the reader's language: "vo" finds the voice channel.
			searchPicker(t, ctx, "f-channels", "vo", c.voice)
			searchPicker(t, ctx, "f-channels", "whats", "WhatsApp")
			do(t, ctx, "click WhatsApp",
				chromedp.Click(chromedp.CSS(`#f-channels-list li[data-value="whatsapp"]`), chromedp.NodeVisible),
				waitJS(`document.querySelector('#f-channels-list li[data-value="whatsapp"]').getAttribute("aria-selected") === "true"`))
			screenshot(t, ctx, shots, "pickers-"+c.lang+"-2-channels")
			do(t, ctx, "close channels", focus("f-channels"), chromedp.KeyEvent(kb.Escape), waitJS(`document.querySelector("#f-channels-list").hidden`))
			if got := chosen(t, ctx, "f-channels"); strings.Join(got, ",") != "WhatsApp" {
				t.Errorf("channels chosen %v", got)
			}

			// Event type by its label.
			searchPicker(t, ctx, "f-event_type", "Venda", "Venda")
			pickFirstByKeyboard(t, ctx, "f-event_type")
			if got := chosen(t, ctx, "f-event_type"); strings.Join(got, ",") != "Venda" {
				t.Errorf("event type chosen %v", got)
			}

			// Users: a long list comes a page at a time.
			do(t, ctx, "users", focus("f-users"),
				waitJS(`document.querySelectorAll("#f-users-list li[role=option]").length > 0`))
			if more := text(t, ctx, "#f-users-list .lookup-more"); more != "" && !strings.HasPrefix(more, c.more) {
				t.Errorf("users: more option %q", more)
			}
			do(t, ctx, "close users", focus("f-users"), chromedp.KeyEvent(kb.Escape))

			do(t, ctx, "period",
				setInput("#f-period-from", "2024-03-01"),
				setInput("#f-period-to", "2024-03-07"))
			screenshot(t, ctx, shots, "pickers-"+c.lang+"-3-filled")
			submitGenerate(t, ctx)
			id := eval[string](t, ctx, `document.querySelector("#runs-body tr[data-run-id]").dataset.runId`)
			var run struct {
				Report  string
				Filters map[string]any
			}
			json.Unmarshal(b.apiGet(t, b.keeper, "/v1/runs/"+id), &run)
			got, _ := json.Marshal(run.Filters)
			if run.Report != "kpis.kpi_events" || string(got) != `{"channels":["whatsapp"],"event_type":"sale","period":"2024-03-01..2024-03-07","wallet":101}` {
				t.Errorf("run %s of %s with filters %s", id, run.Report, got)
			}

			// The list names the requester and the run's wallet, channel and
			// event type; the view shows every filter in words.
			row := fmt.Sprintf(`#runs-body tr[data-run-id=%q]`, id)
			if got := text(t, ctx, row+` td:nth-of-type(3)`); got != "Encarregada" {
				t.Errorf("list: requester %q", got)
			}
			if got := text(t, ctx, row+` td:nth-of-type(7)`); got != c.listNames {
				t.Errorf("list: details %q, want %q", got, c.listNames)
			}
			do(t, ctx, "open the run",
				chromedp.Navigate(b.url+"/#/runs/"+id),
				chromedp.WaitVisible(chromedp.CSS("#view-filters")))
			words := eval[[]string](t, ctx, `[...document.querySelectorAll("#view-filters > div")].map(d => d.querySelector("dt").textContent + "=" + d.querySelector("dd").textContent)`)
			if strings.Join(words, " | ") != strings.Join(c.viewWords, " | ") {
				t.Errorf("view: filters %q, want %q", words, c.viewWords)
			}
			screenshot(t, ctx, shots, "pickers-"+c.lang+"-4-run-in-words")
			do(t, ctx, "back to the list", chromedp.Navigate(b.url+"/#/runs"), chromedp.WaitVisible(chromedp.CSS("#runs-table")))
		})
	}

	// The pipeline picker lists the tenant's pipelines by name (tenant 1:
	// Vendas 101, Pós-venda 102, Cobrança 103, listed by name); "pos" finds
	// Pós-venda without its accent.
	do(t, ctx, "portuguese", setInput("#lang", "pt-BR"), waitJS(`document.documentElement.lang === "pt-BR" && !!document.querySelector("#runs-table")`))
	do(t, ctx, "open pipeline cards",
		click("#generate"),
		chromedp.WaitVisible(chromedp.CSS("#template-search")),
		click(`#template-list input[value="extraction.pipeline_cards"]`),
		chromedp.WaitVisible(chromedp.CSS("#f-pipeline")),
		focus("f-pipeline"),
		waitJS(`document.querySelectorAll("#f-pipeline-list li[role=option]").length === 3`))
	if got := options(t, ctx, "f-pipeline"); strings.Join(got, ",") != "Cobrança,Pós-venda,Vendas" {
		t.Errorf("pipelines listed %v", got)
	}
	screenshot(t, ctx, shots, "pickers-pt-BR-4-pipelines")
	searchPicker(t, ctx, "f-pipeline", "pos", "Pós-venda")
	pickFirstByKeyboard(t, ctx, "f-pipeline")
	submitGenerate(t, ctx)
	id := eval[string](t, ctx, `document.querySelector("#runs-body tr[data-run-id]").dataset.runId`)
	var run struct{ Filters map[string]any }
	json.Unmarshal(b.apiGet(t, b.keeper, "/v1/runs/"+id), &run)
	if run.Filters["pipeline"] != float64(102) {
		t.Errorf("pipeline cards run filters %v, want pipeline 102", run.Filters)
	}

	// The schedule form uses the same pickers.
	do(t, ctx, "schedule form",
		chromedp.Navigate(b.url+"/#/schedules/new"),
		chromedp.WaitVisible(chromedp.CSS("#schedule-form")),
		click(`#s-template-list input[value="kpis.kpi_events"]`),
		chromedp.WaitVisible(chromedp.CSS("#sf-wallet")))
	searchPicker(t, ctx, "sf-wallet", "cobr", "Cobrança")
	pickFirstByKeyboard(t, ctx, "sf-wallet")
	if got := chosen(t, ctx, "sf-wallet"); strings.Join(got, ",") != "Cobrança" {
		t.Errorf("schedule wallet chosen %v", got)
	}
	screenshot(t, ctx, shots, "pickers-pt-BR-5-schedule")
}
