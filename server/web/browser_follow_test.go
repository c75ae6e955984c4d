package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

// runFilters is the API's view of a run's filters, as given and as resolved.
func (b testBundle) runFilters(t *testing.T, id string) (status string, given, resolved map[string]any) {
	t.Helper()
	var v struct {
		Status          string         `json:"status"`
		Filters         map[string]any `json:"filters"`
		FiltersResolved map[string]any `json:"filters_resolved"`
	}
	if err := json.Unmarshal(b.apiGet(t, b.viewer, "/v1/runs/"+id), &v); err != nil {
		t.Fatal(err)
	}
	return v.Status, v.Filters, v.FiltersResolved
}

func TestBrowser_RepeatAndShareARun(t *testing.T) {
	b := setup(t)
	shots := artifacts(t)
	// A run of yesterday (relative): the test's clock is 2024-03-20 09:00 in
	// São Paulo, so yesterday is 2024-03-19 from 00:00 to 24:00 there.
	var orig struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.service_level","filters":{"period":"yesterday","interval":"1d"}}`), &orig)
	for _, lang := range []string{"pt-BR", "en"} {
		t.Run(lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			jsErrors := collectJSErrors(ctx)
			defer func() {
				if errs := jsErrors(); len(errs) > 0 {
					t.Errorf("the page threw: %v", errs)
				}
			}()
			signInAs(t, ctx, b, b.viewer, lang)
			openOrig := func(what string) {
				t.Helper()
				do(t, ctx, what,
					chromedp.Navigate(b.url+"/#/runs/"+orig.ID),
					waitJS(`!!document.querySelector("#rerun") && document.querySelector("#view-status").classList.contains("status-finished")`))
			}
			newRun := func() string {
				t.Helper()
				do(t, ctx, "a new run opens", waitJS(fmt.Sprintf(`/^#\/runs\/[A-Za-z0-9_-]+$/.test(location.hash) && location.hash !== "#/runs/%s"`, orig.ID)))
				return eval[string](t, ctx, `location.hash.slice("#/runs/".length)`)
			}
			_, _, origResolved := b.runFilters(t, orig.ID)

			// Re-run with the same absolute period.
			openOrig("open the run")
			screenshot(t, ctx, shots, "follow-run-actions-"+lang)
			do(t, ctx, "re-run, same period", click("#rerun"), click("#rerun-same"))
			same := newRun()
			if _, given, resolved := b.runFilters(t, same); fmt.Sprint(resolved["period"]) != fmt.Sprint(origResolved["period"]) || given["period"] == "yesterday" || given["interval"] != "1d" {
				t.Errorf("same-period re-run: given %v resolved %v; want the period %v as an absolute range and interval 1d", given, resolved, origResolved["period"])
			}
			// Re-run with the relative period worked out anew.
			openOrig("open the run again")
			do(t, ctx, "re-run, relative", click("#rerun"), click("#rerun-relative"))
			relative := newRun()
			if _, given, _ := b.runFilters(t, relative); given["period"] != "yesterday" || given["interval"] != "1d" {
				t.Errorf("relative re-run given %v; want period yesterday, interval 1d", given)
			}
			// The estimate below counts the runs ahead: let the re-runs end
			// (under load one was still waiting, and the place read 2nd).
			b.waitRun(t, same)
			b.waitRun(t, relative)
			// Duplicate into the generate form: the filters are filled in.
			openOrig("open the run to duplicate")
			do(t, ctx, "duplicate",
				click("#duplicate"),
				waitJS(`!!document.querySelector("#generate-form") && document.querySelector("#f-period-preset").value === "yesterday"`))
			if v := eval[string](t, ctx, `document.querySelector("#f-interval").value`); v != "1d" {
				t.Errorf("duplicated interval %q, want 1d", v)
			}
			// The estimate line: a dry run, nothing queued.
			do(t, ctx, "estimate", click("#estimate"), waitJS(`document.querySelector("#estimate-line").textContent.length > 1`))
			wantPlace := map[string]string{"pt-BR": "entraria como 1º na fila", "en": "it would be 1st in the queue"}[lang]
			if line := text(t, ctx, "#estimate-line"); !strings.HasSuffix(line, wantPlace) || !strings.Contains(line, map[string]string{"pt-BR": "linhas em", "en": "rows in"}[lang]) {
				t.Errorf("estimate line %q; want rows and %q", line, wantPlace)
			}
			screenshot(t, ctx, shots, "follow-duplicate-"+lang)
			do(t, ctx, "submit the duplicate", click("#submit-generate"), waitJS(`!document.querySelector("#generate-dialog").open`))
			var latest struct {
				Runs []struct {
					ID string `json:"id"`
				} `json:"runs"`
			}
			json.Unmarshal(b.apiGet(t, b.viewer, "/v1/runs?scope=mine&limit=1"), &latest)
			if len(latest.Runs) != 1 || latest.Runs[0].ID == orig.ID {
				t.Fatalf("no new run after the duplicate: %+v", latest)
			}
			if _, given, _ := b.runFilters(t, latest.Runs[0].ID); given["period"] != "yesterday" || given["interval"] != "1d" {
				t.Errorf("duplicate given %v", given)
			}
			// Copy link: the link opens the same run.
			openOrig("open the run to share")
			do(t, ctx, "copy link", click("#copy-link"), waitJS(`!document.querySelector("#run-link").hidden`))
			link := eval[string](t, ctx, `document.querySelector("#run-link").value`)
			if link != b.url+"/#/runs/"+orig.ID {
				t.Errorf("link %q", link)
			}
			// Schedule from the run: the schedule form has the report and its filters.
			do(t, ctx, "schedule this report",
				click("#schedule-run"),
				waitJS(`location.hash === "#/schedules/new" && !!document.querySelector("#sf-interval")`))
			if picked := eval[string](t, ctx, `(document.querySelector("#s-template-list input:checked") || {}).value || ""`); picked != "kpis.service_level" {
				t.Errorf("schedule form picked %q", picked)
			}
			if v := eval[string](t, ctx, `document.querySelector("#sf-interval").value`); v != "1d" {
				t.Errorf("schedule form interval %q, want 1d", v)
			}
			// Delete the same-period copy, confirmed: it leaves the list.
			do(t, ctx, "delete a copy",
				chromedp.Navigate(b.url+"/#/runs/"+same),
				waitJS(`!!document.querySelector("#delete-run")`),
				chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
				click("#delete-run"),
				waitJS(`location.hash === "#/runs" && !!document.querySelector("#runs-table")`),
				waitJS(fmt.Sprintf(`!document.querySelector('#runs-body tr[data-run-id="%s"]')`, same)))
		})
	}
}

func TestBrowser_ScheduleByDateAndTimeShowsTheNextFiveFires(t *testing.T) {
	b := setup(t) // the clock: 2024-03-20 09:00 in São Paulo
	// The last business day at 07:00 from 21 March 2024: March ends on Sunday
	// 31, so Friday 29; April on Tuesday 30; May on Friday 31; June on Sunday
	// 30, so Friday 28; July on Wednesday 31.
	var sch struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.manager, "/v1/schedules", `{"report":"kpis.service_level","filters":{"period":"yesterday"},
		"repeat":{"every":"last_business_day"},"starts_at":"2024-03-21T07:00",
		"destinations":[{"kind":"ftp","config":{"host":"127.0.0.1","username":"u","password":"p"}}]}`), &sch)
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"pt-BR", []string{"sexta-feira, 29/03/2024 07:00", "terça-feira, 30/04/2024 07:00", "sexta-feira, 31/05/2024 07:00", "sexta-feira, 28/06/2024 07:00", "quarta-feira, 31/07/2024 07:00"}},
		{"en", []string{"Friday, 2024-03-29 07:00", "Tuesday, 2024-04-30 07:00", "Friday, 2024-05-31 07:00", "Friday, 2024-06-28 07:00", "Wednesday, 2024-07-31 07:00"}},
	} {
		t.Run(c.lang, func(t *testing.T) {
			ctx := browserCtx(t, t.TempDir())
			jsErrors := collectJSErrors(ctx)
			defer func() {
				if errs := jsErrors(); len(errs) > 0 {
					t.Errorf("the page threw: %v", errs)
				}
			}()
			signInAs(t, ctx, b, b.manager, c.lang)
			do(t, ctx, "open the schedule",
				chromedp.Navigate(b.url+"/#/schedules/"+sch.ID),
				waitJS(`document.querySelectorAll("#s-next-runs li").length === 5`))
			if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#s-next-runs li")].map(li => li.textContent)`); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("next runs %q\nwant %q", got, c.want)
			}
			if mode, every, date, tm := eval[string](t, ctx, `document.querySelector("#s-when-mode").value`), eval[string](t, ctx, `document.querySelector("#s-repeat").value`),
				eval[string](t, ctx, `document.querySelector("#s-start-date").value`), eval[string](t, ctx, `document.querySelector("#s-start-time").value`); mode != "words" || every != "last_business_day" || date != "2024-03-21" || tm != "07:00" {
				t.Errorf("form: mode %q repeat %q start %q %q", mode, every, date, tm)
			}
			screenshot(t, ctx, artifacts(t), "follow-schedule-when-"+c.lang)
			// Changed to weekly on Monday and Thursday and saved: the API has it.
			do(t, ctx, "weekly on monday and thursday",
				setInput("#s-repeat", "weekly"),
				waitJS(`!document.querySelector("#s-days").closest(".field").hidden`),
				click(`#s-days input[value="mon"]`),
				click(`#s-days input[value="thu"]`),
				click("#save-schedule"),
				waitJS(`location.hash === "#/schedules"`))
			var saved struct {
				Recurrence string `json:"recurrence"`
				Repeat     struct {
					Every string   `json:"every"`
					Days  []string `json:"days"`
				} `json:"repeat"`
			}
			json.Unmarshal(b.apiGet(t, b.manager, "/v1/schedules/"+sch.ID), &saved)
			if saved.Recurrence != "0 7 * * 1,4" || saved.Repeat.Every != "weekly" || fmt.Sprint(saved.Repeat.Days) != "[mon thu]" {
				t.Errorf("saved %+v", saved)
			}
			// Back to the last business day for the next language.
			do(t, ctx, "back to the last business day",
				chromedp.Navigate(b.url+"/#/schedules/"+sch.ID),
				waitJS(`!!document.querySelector("#s-repeat")`),
				setInput("#s-repeat", "last_business_day"),
				click("#save-schedule"),
				waitJS(`location.hash === "#/schedules"`))
		})
	}
}

func TestBrowser_NotifyWhenARunEndsWhileThePageIsOpen(t *testing.T) {
	b := setup(t)
	for _, c := range []struct{ lang, title, body string }{
		{"pt-BR", "Nível de Serviço (NS)", "Cancelado"},
		{"en", "Service level (SL)", "Canceled"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			// Service level waits behind the blocking report on wallet 101 until canceled.
			var blocking, waiting struct{ ID string }
			json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"`+blockingReport+`","filters":{"period":"2024-03-01..2024-03-02","wallet":101}}`), &blocking)
			json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.service_level","filters":{"period":"2024-03-01..2024-03-02","wallet":101}}`), &waiting)
			t.Cleanup(func() { b.apiPost(t, b.viewer, "/v1/runs/"+blocking.ID+"/cancel", "") })
			ctx := browserCtx(t, t.TempDir())
			signInAs(t, ctx, b, b.viewer, c.lang)
			// The browser's notifications, recorded instead of shown (headless).
			do(t, ctx, "ask to be notified",
				chromedp.Navigate(b.url+"/#/runs/"+waiting.ID),
				waitJS(`!!document.querySelector("#notify-me")`),
				chromedp.Evaluate[chromedp.Void](`window.Notification = class { static permission = "granted"; static requestPermission() { return Promise.resolve("granted"); } constructor(title, opts) { (window.notices ||= []).push([title, opts.body]); } }; null`, chromedp.EvalAsValue),
				click("#notify-me"),
				waitJS(`document.querySelector("#notify-me").getAttribute("aria-pressed") === "true"`))
			b.apiPost(t, b.viewer, "/v1/runs/"+waiting.ID+"/cancel", "")
			do(t, ctx, "the notice comes", waitJS(`(window.notices || []).length > 0`))
			if got := eval[[][]string](t, ctx, `window.notices`); len(got) != 1 || got[0][0] != c.title || got[0][1] != c.body {
				t.Errorf("notices %q; want one [%q %q]", got, c.title, c.body)
			}
		})
	}
}
