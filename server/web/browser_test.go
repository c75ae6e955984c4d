package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
	"github.com/relato/relato/server/servertest"
)

const (
	chromiumPath   = "/usr/bin/chromium"
	failingReport  = "kpis.average_talk_time"
	failingMessage = "o armazém recusou a consulta"
	blockingReport = "kpis.abandoned_calls"
)

type testBundle struct {
	url             string
	manager, viewer string // tenant 1
	// keeper is a manager of tenant 1 holding the personal_data permission
	// (extractions need it).
	keeper    string
	schedules *schedules.Service
}

// now is the test's clock for the API and the scheduler: 09:00 in São Paulo.
var now = time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)

// setup serves the pages and the real API on one loopback origin: SQLite
// store, the embedded warehouse seeded at the test scale, a worker pool, and
// a scheduler (its own SQLite file, loopback destinations allowed) that the
// test ticks itself.
func setup(t *testing.T) testBundle {
	t.Helper()
	// Two reports stand in for the failures the warehouse can produce: one
	// fails at once, one runs until it is canceled.
	wrap := func(next func(context.Context, *runs.Run) (runs.Result, error)) func(context.Context, *runs.Run) (runs.Result, error) {
		return func(ctx context.Context, r *runs.Run) (runs.Result, error) {
			switch r.ReportID {
			case failingReport:
				return runs.Result{}, runs.UserError(failingMessage, errors.New("injected by the test"))
			case blockingReport:
				<-ctx.Done()
				return runs.Result{}, ctx.Err()
			}
			return next(ctx, r)
		}
	}
	srv := servertest.Start(t, servertest.Options{Now: func() time.Time { return now }, WrapExecute: wrap})
	keeper, _ := srv.PersonalDataToken(1, "Encarregada", auth.Manager)
	return testBundle{url: srv.URL, manager: srv.Token(1, "Gestora", auth.Manager), viewer: srv.Token(1, "Operador", auth.Viewer), keeper: keeper, schedules: srv.Schedules}
}

// apiGet is the test's own view of the API, to compare the pages against.
func (b testBundle) apiGet(t *testing.T, token, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", b.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, data)
	}
	return data
}

func (b testBundle) apiPost(t *testing.T, token, path, body string) []byte {
	t.Helper()
	req, _ := http.NewRequest("POST", b.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	return data
}

// browser starts Debian's Chromium headless with a throw-away profile and
// downloads going to dir. Without Chromium the test is skipped locally and
// fails in CI.
func browserCtx(t *testing.T, dir string) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI (apt-get install -y chromium): %v", err)
		}
		t.Skipf("chromium not installed (apt-get install -y chromium): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "pt-BR"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// artifacts is where screenshots go: $RELATO_ARTIFACTS/web, else a kept
// temporary folder whose path the test logs.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RELATO_ARTIFACTS")
	if dir != "" {
		dir = filepath.Join(dir, "web")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if dir, err = os.MkdirTemp("", "relato-web-screenshots-"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond) // let a chart or a transition settle
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

type step = chromedp.Action[chromedp.Void]

func do(t *testing.T, ctx context.Context, what string, steps ...step) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel))
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute(%q) || ""`, sel, name))
}

// setInput edits a date or text input the way a user's edit ends: the value
// changes and input and change events fire (date inputs take keys by locale,
// so the value is set directly).
func setInput(sel, value string) step {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); return null; })()`, sel, value), chromedp.EvalAsValue)
}

// column reads the raw values (data-value, as the API sent them) of one
// column of the result table, top to bottom; an empty cell reads "".
func column(t *testing.T, ctx context.Context, i int) []string {
	t.Helper()
	return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll("#result-table tbody tr")].map(tr => tr.children[%d].dataset.value ?? "")`, i))
}

// waitJS polls a JS condition until it is true.
// waitJS polls cond until it is true. The page re-renders parts of itself
// (the runs list, its toolbar) while a test waits, so an element cond reads
// may be missing for a moment: a condition that throws counts as not yet
// true (a test once failed on "Cannot read properties of null" mid-render),
// and one that never holds still fails at the timeout.
func waitJS(cond string) step {
	safe := "(() => { try { return !!(" + cond + "); } catch (e) { return false; } })()"
	return chromedp.Poll[chromedp.Void](safe, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))
}

func click(sel string) step { return chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible) }

type rowsPage struct {
	Rows  [][]*string `json:"rows"`
	Total int64       `json:"total"`
}

func (b testBundle) rows(t *testing.T, token, id string, q url.Values) rowsPage {
	t.Helper()
	var p rowsPage
	q.Set("numbers", "text") // every cell as the warehouse's text
	if err := json.Unmarshal(b.apiGet(t, token, "/v1/runs/"+id+"/rows?"+q.Encode()), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func firstColumn(p rowsPage) []string {
	out := make([]string, len(p.Rows))
	for i, r := range p.Rows {
		if r[0] != nil {
			out[i] = *r[0]
		}
	}
	return out
}

// waitForFile waits for a finished download (Chromium writes name.crdownload
// first, then renames).
func waitForFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return data
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	t.Fatalf("download %s did not arrive; folder has %v", filepath.Base(path), entries)
	return nil
}

func TestBrowser_GenerateFollowViewChartAndDownload(t *testing.T) {
	b := setup(t)
	downloads := t.TempDir()
	shots := artifacts(t)
	ctx := browserCtx(t, downloads)

	// A viewer's run: the manager sees it under "Todos", not under "Meus".
	var viewerRun struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"kpis.abandonment_rate","filters":{"period":"2024-03-01..2024-03-02"}}`), &viewerRun)

	// Sign in: a wrong token is refused on the form, the right one enters.
	do(t, ctx, "open sign-in",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), "not-a-token"),
		click("#sign-in"),
		waitJS(`document.querySelector("#signin-error").textContent !== ""`))
	if msg := text(t, ctx, "#signin-error"); msg != "Token inválido ou revogado." {
		t.Errorf("bad token message %q", msg)
	}
	screenshot(t, ctx, shots, "01-sign-in")
	do(t, ctx, "sign in",
		setInput("#token", ""),
		chromedp.SendKeys(chromedp.CSS("#token"), b.manager),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")))

	// Scope toggle.
	listed := `[...document.querySelectorAll("#runs-body tr[data-run-id]")].map(tr => tr.dataset.runId)`
	do(t, ctx, "scope all",
		click("#scope-all"),
		waitJS(`document.querySelector("#scope-all")?.getAttribute("aria-pressed") === "true" && document.querySelectorAll("#runs-body tr[data-run-id]").length > 0`))
	if shown := eval[[]string](t, ctx, listed); len(shown) != 1 || shown[0] != viewerRun.ID {
		t.Errorf("Todos os relatórios shows %v, want the viewer's run %s", shown, viewerRun.ID)
	}
	screenshot(t, ctx, shots, "02-runs-all")
	do(t, ctx, "scope mine",
		click("#scope-mine"),
		waitJS(`document.querySelector("#scope-mine")?.getAttribute("aria-pressed") === "true"`))
	if shown := eval[[]string](t, ctx, listed); len(shown) != 0 {
		t.Errorf("Meus relatórios shows %v, want none", shown)
	}

	// Generate dialog: search the templates, pick service level.
	do(t, ctx, "open generate dialog",
		click("#generate"),
		chromedp.WaitVisible(chromedp.CSS("#template-search")),
		chromedp.SendKeys(chromedp.CSS("#template-search"), "nível de serv"))
	if visible := eval[[]string](t, ctx, `[...document.querySelectorAll("#template-list input[name=template]")].map(i => i.value)`); len(visible) != 1 || visible[0] != "kpis.service_level" {
		t.Errorf("search 'nível de serv' lists %v", visible)
	}
	do(t, ctx, "pick service level",
		click(`#template-list input[value="kpis.service_level"]`),
		chromedp.WaitVisible(chromedp.CSS("#generate-form")))
	screenshot(t, ctx, shots, "03-generate-dialog")

	// A period over the 31-day maximum: the API's message sits next to the period.
	do(t, ctx, "submit a 75-day period",
		setInput("#f-period-from", "2024-01-01"),
		setInput("#f-period-to", "2024-03-15"),
		setInput("#f-interval", "1d"),
		click("#submit-generate"),
		waitJS(`document.querySelector("#err-period").textContent !== ""`))
	// In the page's language (pt-BR; issue 12): 2024-01-01..2024-03-15 is 31 + 29 + 15 = 75 days.
	if msg := text(t, ctx, `[data-filter="period"] .field-error`); msg != "abrange 75 dias, mais que o máximo de 31 dias" {
		t.Errorf("period error %q", msg)
	}
	if formErr, invalid := text(t, ctx, "#form-error"), attr(t, ctx, "#f-period-from", "aria-invalid"); formErr != "" || invalid != "true" {
		t.Errorf("form error %q, aria-invalid %q", formErr, invalid)
	}
	if preset := eval[string](t, ctx, `document.querySelector("#f-period-preset").value`); preset != "custom" {
		t.Errorf("typing dates left the preset at %q", preset)
	}
	screenshot(t, ctx, shots, "04-validation-error")

	// A valid week: the dialog closes and the new run is first in the list.
	do(t, ctx, "submit a week",
		setInput("#f-period-from", "2024-03-01"),
		setInput("#f-period-to", "2024-03-07"),
		click("#submit-generate"),
		waitJS(`!document.querySelector("#generate-dialog").open`))
	firstID := eval[string](t, ctx, `document.querySelector("#runs-body tr[data-run-id]").dataset.runId`)
	var runInfo struct {
		Report  string
		Filters map[string]any
	}
	json.Unmarshal(b.apiGet(t, b.manager, "/v1/runs/"+firstID), &runInfo)
	if runInfo.Report != "kpis.service_level" || runInfo.Filters["period"] != "2024-03-01..2024-03-07" || runInfo.Filters["interval"] != "1d" {
		t.Errorf("the run created is %+v", runInfo)
	}

	// Its status reaches Finalizado without a reload.
	row := fmt.Sprintf(`#runs-body tr[data-run-id="%s"]`, firstID)
	do(t, ctx, "wait for Finalizado", waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.status === "finished"`, row)))
	if label, rows, period := text(t, ctx, row+" .status"), text(t, ctx, row+" td:nth-child(6)"), text(t, ctx, row+" td:nth-child(5)"); label != "Finalizado" || rows != "7" || period != "01/03/2024 – 07/03/2024" {
		t.Errorf("finished row: status %q, rows %q, period %q", label, rows, period)
	}
	if eval[bool](t, ctx, `document.querySelector("#load-more").offsetParent !== null`) {
		t.Error(`"Carregar mais" shown with no further page`)
	}
	screenshot(t, ctx, shots, "05-runs-finished")

	// In Portuguese the CSV picker starts at the pt-BR Excel dialect (issue 13:
	// the comma CSV opens as one column in Brazilian Excel).
	if v := eval[string](t, ctx, `document.querySelector("#dialect").value`); v != "csv-excel" {
		t.Errorf("the CSV picker starts at %q, want csv-excel in pt-BR", v)
	}
	// CSV from the list, in each dialect, byte for byte the API's download.
	for _, dialect := range []string{"csv", "csv-excel"} {
		file := filepath.Join(downloads, "service_level_2024-03-01_2024-03-07_"+firstID+".csv")
		os.Remove(file)
		do(t, ctx, "download "+dialect,
			setInput("#dialect", dialect),
			click(row+" .download-csv"))
		want := b.apiGet(t, b.manager, "/v1/runs/"+firstID+"/download?format="+dialect+"&lang=pt-BR")
		got := waitForFile(t, file)
		if string(got) != string(want) {
			t.Errorf("%s download differs from the API's:\n%q\n%q", dialect, got, want)
		}
		if bom := strings.HasPrefix(string(got), "\ufeff"); bom != (dialect == "csv-excel") {
			t.Errorf("%s download starts %q", dialect, got[:min(len(got), 20)])
		}
	}

	// Result view: header, table of 7 days, the chart of the SL over intervals.
	do(t, ctx, "open the view",
		click(row+` a[href^="#/runs/"]`),
		chromedp.WaitVisible(chromedp.CSS("#result-table tbody tr")),
		waitJS(`document.querySelector("#chart canvas") !== null`))
	if status, info := text(t, ctx, "#view-status"), text(t, ctx, "#page-info"); status != "Finalizado" || info != "1–7 de 7" {
		t.Errorf("view: status %q, page %q", status, info)
	}
	if title, label := text(t, ctx, "#chart-title"), attr(t, ctx, "#chart", "aria-label"); title != "NS (%) por intervalo" || label != "NS (%) por intervalo: 7 linhas" {
		t.Errorf("chart title %q, label %q", title, label)
	}
	if header := text(t, ctx, "#main > section.card"); strings.Contains(header, "null") || strings.Contains(header, "undefined") {
		t.Errorf("header shows a missing value: %q", header)
	}
	if first := text(t, ctx, "#result-table tbody tr td"); first != "01/03/2024 00:00:00" { // a date-time cell keeps its :00 seconds
		t.Errorf("first interval shown as %q", first)
	}
	screenshot(t, ctx, shots, "06-result-view-chart")

	// Sorting by SL, then again for descending, shows the API's order.
	do(t, ctx, "sort by SL descending",
		click(`th[data-col="service_level"] button`),
		waitJS(`document.querySelector('th[data-col="service_level"]').getAttribute("aria-sort") === "ascending"`),
		click(`th[data-col="service_level"] button`),
		waitJS(`document.querySelector('th[data-col="service_level"]').getAttribute("aria-sort") === "descending"`))
	intervals := column(t, ctx, 0)
	want := firstColumn(b.rows(t, b.manager, firstID, url.Values{"sort": {"service_level"}, "desc": {"true"}, "limit": {"50"}}))
	if strings.Join(intervals, "|") != strings.Join(want, "|") {
		t.Errorf("sorted intervals %v, API %v", intervals, want)
	}
	screenshot(t, ctx, shots, "07-result-sorted")

	// Search needs a text column: contacts served per user, searched by one
	// user's name, shows exactly the API's search result.
	var served struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.manager, "/v1/runs", `{"report":"contacts.served_per_user","filters":{"period":"2024-03-01..2024-03-19"}}`), &served)
	do(t, ctx, "open served per user",
		chromedp.Navigate(b.url+"/#/runs/"+served.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 1`))
	allNames := column(t, ctx, 0)
	needle := allNames[len(allNames)-1]
	do(t, ctx, "search",
		chromedp.SendKeys(chromedp.CSS("#result-search"), needle),
		click("#result-search-form button[type=submit]"),
		waitJS(fmt.Sprintf(`[...document.querySelectorAll("#result-table tbody tr")].every(tr => tr.children[0].textContent.toLowerCase().includes(%q))`, strings.ToLower(needle))))
	found := column(t, ctx, 0)
	apiPage := b.rows(t, b.manager, served.ID, url.Values{"q": {needle}, "limit": {"50"}})
	if strings.Join(found, "|") != strings.Join(firstColumn(apiPage), "|") || len(found) >= len(allNames) {
		t.Errorf("search %q shows %v (of %d), API %v", needle, found, len(allNames), firstColumn(apiPage))
	}
	if info := text(t, ctx, "#page-info"); !strings.HasSuffix(info, fmt.Sprintf("de %d", apiPage.Total)) {
		t.Errorf("page info %q, API total %d", info, apiPage.Total)
	}
	if !eval[bool](t, ctx, `document.querySelector("#chart-card").hidden`) {
		t.Error("a contacts report shows a chart")
	}
	screenshot(t, ctx, shots, "08-result-search")

	// Every report with intervals charts its own measure.
	for _, c := range []struct{ report, filters, title string }{
		{"kpis.average_queue_wait", `{"period":"2024-03-01..2024-03-07","interval":"1d"}`, "Tempo médio de espera (s) por intervalo"},
		{"kpis.abandonment_rate", `{"period":"2024-03-01..2024-03-02","interval":"1h"}`, "Taxa de abandono (%) por intervalo"},
		{"service.webchat_nps", `{"period":"2024-03-01..2024-03-19"}`, "NPS por intervalo"},
	} {
		var r struct{ ID string }
		json.Unmarshal(b.apiPost(t, b.manager, "/v1/runs", `{"report":"`+c.report+`","filters":`+c.filters+`}`), &r)
		do(t, ctx, "chart of "+c.report,
			chromedp.Navigate(b.url+"/#/runs/"+r.ID),
			waitJS(`document.querySelector("#chart canvas") !== null`))
		if title := text(t, ctx, "#chart-title"); title != c.title {
			t.Errorf("%s: chart title %q, want %q", c.report, title, c.title)
		}
		if c.report == "service.webchat_nps" {
			screenshot(t, ctx, shots, "09-result-nps-chart")
		}
	}

	// A failed run shows its error in the list; a processing run can be canceled.
	var failing, blocking struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.manager, "/v1/runs", `{"report":"`+failingReport+`","filters":{"period":"yesterday"}}`), &failing)
	failRow := fmt.Sprintf(`#runs-body tr[data-run-id="%s"]`, failing.ID)
	do(t, ctx, "failed run",
		chromedp.Navigate(b.url+"/#/runs"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.status === "failed"`, failRow)))
	if label, msg := text(t, ctx, failRow+" .status"), text(t, ctx, failRow+" .run-error"); label != "Falha" || msg != "Erro: "+failingMessage {
		t.Errorf("failed run shows %q, %q", label, msg)
	}
	json.Unmarshal(b.apiPost(t, b.manager, "/v1/runs", `{"report":"`+blockingReport+`","filters":{"period":"yesterday"}}`), &blocking)
	blockRow := fmt.Sprintf(`#runs-body tr[data-run-id="%s"]`, blocking.ID)
	do(t, ctx, "processing run",
		chromedp.Reload(),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.status === "processing"`, blockRow)))
	if label := text(t, ctx, blockRow+" .status"); label != "Em processamento" {
		t.Errorf("processing run shows %q", label)
	}
	screenshot(t, ctx, shots, "10-runs-failed-and-processing")
	do(t, ctx, "cancel",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		click(blockRow+" button.cancel"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.status === "canceled"`, blockRow)))
	if label := text(t, ctx, blockRow+" .status"); label != "Cancelado" {
		t.Errorf("canceled run shows %q", label)
	}
	var canceled struct{ Status string }
	json.Unmarshal(b.apiGet(t, b.manager, "/v1/runs/"+blocking.ID), &canceled)
	if canceled.Status != "canceled" {
		t.Errorf("API says the canceled run is %q", canceled.Status)
	}

	// Agendamentos starts empty (its own test covers it); the pages switch to English.
	do(t, ctx, "schedules",
		click(`a[href="#/schedules"]`),
		chromedp.WaitVisible(chromedp.CSS("#schedules-table")))
	if empty := text(t, ctx, "#schedules-body"); !strings.HasPrefix(empty, "Nenhum agendamento ainda") {
		t.Errorf("empty schedules list says %q", empty)
	}
	do(t, ctx, "english",
		click(`a[href="#/runs"]`),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")),
		setInput("#lang", "en"),
		waitJS(`document.documentElement.lang === "en" && !!document.querySelector("#runs-table")`))
	if tabs := eval[[]string](t, ctx, `[...document.querySelectorAll("nav a")].map(a => a.textContent)`); strings.Join(tabs, ",") != "Reports,Schedules" {
		t.Errorf("English tabs %v", tabs)
	}
	screenshot(t, ctx, shots, "12-runs-english")

	// Tablet width: the page does not scroll sideways (the table may, inside its box).
	do(t, ctx, "tablet", chromedp.EmulateViewport(768, 1024), chromedp.Sleep(200*time.Millisecond))
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the runs page scrolls sideways at 768 px")
	}
	if !eval[bool](t, ctx, `[...document.querySelectorAll("#runs-body .actions a, #runs-body .actions button")].every(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth; })`) {
		t.Error("some run actions are off screen at 768 px")
	}
	screenshot(t, ctx, shots, "13-runs-tablet")

	// Sign out forgets the token.
	do(t, ctx, "sign out", click("#sign-out"), chromedp.WaitVisible(chromedp.CSS("#token")))
	if stored := eval[string](t, ctx, `sessionStorage.getItem("relato.token") || ""`); stored != "" {
		t.Error("token kept after sign-out")
	}
}
