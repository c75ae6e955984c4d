package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relato/relato/delivery/deliverytest"
)

type scheduleJSON struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Report              string            `json:"report"`
	Filters             map[string]any    `json:"filters"`
	Recurrence          string            `json:"recurrence"`
	TimeZone            string            `json:"time_zone"`
	Format              string            `json:"format"`
	Paused              bool              `json:"paused"`
	NextRuns            []time.Time       `json:"next_runs"`
	LastRunID           *string           `json:"last_run_id"`
	LastDeliveryOutcome *string           `json:"last_delivery_outcome"`
	Destinations        []destinationJSON `json:"destinations"`
}

type destinationJSON struct {
	Kind   string         `json:"kind"`
	Config map[string]any `json:"config"`
}

func (b testBundle) listSchedules(t *testing.T) []scheduleJSON {
	t.Helper()
	var out struct{ Schedules []scheduleJSON }
	if err := json.Unmarshal(b.apiGet(t, b.manager, "/v1/schedules"), &out); err != nil {
		t.Fatal(err)
	}
	return out.Schedules
}

// waitRun polls the API until the run is finished, failed or canceled.
func (b testBundle) waitRun(t *testing.T, id string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var r struct{ Status string }
		json.Unmarshal(b.apiGet(t, b.manager, "/v1/runs/"+id), &r)
		if r.Status == "finished" || r.Status == "failed" || r.Status == "canceled" {
			return r.Status
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("run %s did not end", id)
	return ""
}

// collectJSErrors records the page's uncaught exceptions and console.error
// calls (not the browser's own log of failed requests: a 422 is expected).
func collectJSErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || (m.Type == chromedp.ConsoleError && len(m.Args) > 0) {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// apiPostJSON creates something as the manager and returns its id.
func (b testBundle) apiPostJSON(t *testing.T, path string, body any) string {
	t.Helper()
	data, _ := json.Marshal(body)
	var out struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.manager, path, string(data)), &out)
	return out.ID
}

func (b testBundle) apiDo(t *testing.T, method, path string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+b.manager)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
}

func signIn(t *testing.T, ctx context.Context, b testBundle, token string) {
	t.Helper()
	do(t, ctx, "sign in",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")))
}

func TestBrowser_ScheduleWithSFTPDestination_TestConnectionRunNowPauseEditDelete(t *testing.T) {
	b := setup(t)
	sshd := deliverytest.StartSSHD(t)
	shots := artifacts(t)
	ctx := browserCtx(t, t.TempDir())
	jsErrors := collectJSErrors(ctx)
	defer func() {
		if errs := jsErrors(); len(errs) > 0 {
			t.Errorf("the page threw: %v", errs)
		}
	}()
	signIn(t, ctx, b, b.manager)

	do(t, ctx, "open Agendamentos",
		click(`a[href="#/schedules"]`),
		chromedp.WaitVisible(chromedp.CSS("#schedules-table")),
		click("#new-schedule"),
		chromedp.WaitVisible(chromedp.CSS("#schedule-form")))
	if current := eval[string](t, ctx, `document.querySelector('nav a[aria-current="page"]').textContent`); current != "Agendamentos" {
		t.Errorf("tab marked current on the form: %q", current)
	}

	// The report comes from the same searchable picker as "+ Gerar relatório";
	// its period offers the relative presets, yesterday first.
	do(t, ctx, "pick service level",
		chromedp.SendKeys(chromedp.CSS("#s-template-search"), "nível de serv"),
		click(`#s-template-list input[value="kpis.service_level"]`),
		chromedp.WaitVisible(chromedp.CSS("#sf-period-preset")))
	presets := eval[[]string](t, ctx, `[...document.querySelectorAll("#sf-period-preset option")].map(o => o.value + "=" + o.textContent)`)
	if got := strings.Join(presets, ","); got != "yesterday=Ontem,last_7_days=Últimos 7 dias,previous_month=Mês anterior,month_to_date=Mês até hoje,custom=Personalizado (de/até)" {
		t.Errorf("period presets %s", got)
	}
	if v := eval[string](t, ctx, `document.querySelector("#sf-period-preset").value`); v != "yesterday" {
		t.Errorf("default period preset %q", v)
	}

	// Recurrence presets write the cron and say it in words.
	do(t, ctx, "weekdays preset", setInput("#s-recurrence-preset", "0 7 * * 1-5"))
	if cron, words := eval[string](t, ctx, `document.querySelector("#s-recurrence").value`), text(t, ctx, "#s-recurrence-words"); cron != "0 7 * * 1-5" || words != "De segunda a sexta às 07:00" {
		t.Errorf("weekdays preset: cron %q, words %q", cron, words)
	}
	do(t, ctx, "typed cron", setInput("#s-recurrence", "15 6 * * 1"))
	if preset, words := eval[string](t, ctx, `document.querySelector("#s-recurrence-preset").value`), text(t, ctx, "#s-recurrence-words"); preset != "custom" || words != "Toda segunda às 06:15" {
		t.Errorf("typed cron: preset %q, words %q", preset, words)
	}

	// The port follows the kind until the user types another one.
	dest := "#destinations .destination"
	field := func(name string) string { return fmt.Sprintf(`%s [name="%s"]`, dest, name) }
	value := func(name string) string {
		return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q)?.value ?? "(none)"`, field(name)))
	}
	if port := value("port"); port != "587" {
		t.Errorf("a new e-mail destination has port %q, want 587", port)
	}
	for _, c := range []struct{ kind, port string }{{"delivery.ftps", "990"}, {"delivery.ftpes", "21"}, {"delivery.ftp", "21"}, {"delivery.sftp", "22"}} {
		do(t, ctx, "kind "+c.kind, setInput(field("kind"), c.kind))
		if port := value("port"); port != c.port {
			t.Errorf("kind %s: port %q, want %s", c.kind, port, c.port)
		}
	}
	if pk, enc := value("private_key"), value("encryption"); pk != "" || enc != "(none)" {
		t.Errorf("SFTP fields: private key field %q, encryption field %q (want present and absent)", pk, enc)
	}

	// Test connection without a pin: the server's host key fills the pin field;
	// tested again, the pinned connection passes.
	result := dest + " .test-result"
	// A fixed week of the seeded data, so the delivered file has rows to compare.
	do(t, ctx, "fill the SFTP destination",
		setInput("#s-name", "NS diário"),
		setInput("#sf-period-preset", "custom"),
		setInput("#sf-period-from", "2024-03-01"),
		setInput("#sf-period-to", "2024-03-07"),
		setInput("#sf-interval", "1d"),
		setInput("#s-format", "csv-excel"),
		setInput(field("host"), sshd.Host),
		setInput(field("port"), strconv.Itoa(sshd.Port)),
		setInput(field("username"), sshd.User),
		setInput(field("password"), sshd.Password),
		setInput(field("directory"), sshd.Root),
		click(dest+" .test-connection"),
		waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, result+" code.fingerprint")))
	if got := value("host_key_sha256"); got != sshd.HostKeyFingerprint {
		t.Errorf("pin field %q, want the server's %s", got, sshd.HostKeyFingerprint)
	}
	if shown := text(t, ctx, result+" code.fingerprint"); shown != sshd.HostKeyFingerprint {
		t.Errorf("fingerprint shown %q", shown)
	}
	if !strings.HasPrefix(text(t, ctx, result), "✗ Falhou") {
		t.Errorf("unpinned test result %q", text(t, ctx, result))
	}
	do(t, ctx, "test pinned",
		click(dest+" .test-connection"),
		waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, result+" .test-ok")))
	if got := text(t, ctx, result+" .test-ok"); got != "✓ Conexão OK" {
		t.Errorf("pinned test result %q", got)
	}
	screenshot(t, ctx, shots, "20-schedule-form-test-connection")

	// An invalid cron and port 70000: each message sits next to its field, in
	// the page's language (pt-BR; issue 12).
	do(t, ctx, "save with errors",
		setInput("#s-recurrence", "0 25 * * *"),
		setInput(field("port"), "70000"),
		click("#save-schedule"),
		waitJS(`document.querySelector("#s-recurrence-error").textContent !== ""`))
	if msg := text(t, ctx, "#s-recurrence-error"); !strings.Contains(msg, "expressão cron inválida") {
		t.Errorf("recurrence error %q", msg)
	}
	portErr := dest + ` [data-field="port"] .field-error`
	if msg, invalid := text(t, ctx, portErr), eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-invalid")`, field("port"))); !strings.Contains(msg, "de 1 a 65535") || invalid != "true" {
		t.Errorf("port error %q, aria-invalid %q", msg, invalid)
	}
	if formErr, hostErr := text(t, ctx, "#schedule-form-error"), text(t, ctx, dest+` [data-field="host"] .field-error`); formErr != "" || hostErr != "" {
		t.Errorf("errors away from their fields: form %q, host %q", formErr, hostErr)
	}
	if n := len(b.listSchedules(t)); n != 0 {
		t.Fatalf("%d schedules stored from an invalid form", n)
	}
	screenshot(t, ctx, shots, "21-schedule-validation-error")

	// Fixed, it saves and is listed with its next run: 07:00 in São Paulo
	// after the test's clock (20 March, 09:00 there) is 21 March.
	do(t, ctx, "save",
		setInput("#s-recurrence-preset", "0 7 * * *"),
		setInput(field("port"), strconv.Itoa(sshd.Port)),
		click("#save-schedule"),
		chromedp.WaitVisible(chromedp.CSS("#schedules-body tr[data-schedule-id]")))
	list := b.listSchedules(t)
	if len(list) != 1 {
		t.Fatalf("%d schedules stored", len(list))
	}
	sch := list[0]
	d := sch.Destinations[0]
	if sch.Name != "NS diário" || sch.Report != "kpis.service_level" || sch.Recurrence != "0 7 * * *" || sch.TimeZone != "America/Sao_Paulo" || sch.Format != "csv-excel" ||
		sch.Filters["period"] != "2024-03-01..2024-03-07" || sch.Filters["interval"] != "1d" || len(sch.Destinations) != 1 {
		t.Errorf("stored schedule %+v", sch)
	}
	if d.Kind != "delivery.sftp" || d.Config["host"] != sshd.Host || d.Config["port"] != float64(sshd.Port) || d.Config["username"] != sshd.User ||
		d.Config["password"] != "[redacted]" || d.Config["host_key_sha256"] != sshd.HostKeyFingerprint || d.Config["directory"] != sshd.Root {
		t.Errorf("stored destination %+v", d)
	}
	row := fmt.Sprintf(`#schedules-body tr[data-schedule-id="%s"]`, sch.ID)
	if next, words, last := text(t, ctx, row+" .next-run"), text(t, ctx, row+" td:nth-child(2) div"), text(t, ctx, row+" .last-delivery"); next != "21/03/2024 07:00" || words != "Todo dia às 07:00" || last != "Nenhum envio ainda" {
		t.Errorf("listed: next %q, recurrence %q, last delivery %q", next, words, last)
	}
	screenshot(t, ctx, shots, "22-schedules-list")

	// Run now: the page follows the run; once the scheduler ticks after the
	// run finished, the file is on the SFTP server and the row says Entregue.
	do(t, ctx, "run now",
		click(row+" .run-now"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.outcome === "queued"`, row)))
	sch = b.listSchedules(t)[0]
	if sch.LastRunID == nil {
		t.Fatal("run now started no run")
	}
	if status := b.waitRun(t, *sch.LastRunID); status != "finished" {
		t.Fatalf("scheduled run %s", status)
	}
	if err := b.schedules.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "delivered", waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.outcome === "delivered"`, row)))
	if label := text(t, ctx, row+" .last-delivery .status"); label != "Entregue" {
		t.Errorf("outcome shown %q", label)
	}
	files, _ := filepath.Glob(filepath.Join(sshd.Root, "service_level_*.csv"))
	if len(files) != 1 {
		t.Fatalf("files on the SFTP server: %v", files)
	}
	got, _ := os.ReadFile(files[0])
	// csv-excel: BOM, header and one row per day of the week.
	if want := b.apiGet(t, b.manager, "/v1/runs/"+*sch.LastRunID+"/download?format=csv-excel&lang=pt-BR"); string(got) != string(want) ||
		!strings.HasPrefix(string(got), "\ufeff") || strings.Count(strings.TrimSpace(string(got)), "\n") != 7 {
		t.Errorf("delivered file differs from the csv-excel download of 7 days:\n%q\n%q", got, want)
	}
	screenshot(t, ctx, shots, "23-schedule-delivered")

	// A delivery that fails shows its outcome and error on its row.
	failing := b.apiPostJSON(t, "/v1/schedules", map[string]any{"name": "senha errada", "report": "kpis.service_level", "filters": map[string]any{"period": "2024-03-01..2024-03-02"},
		"recurrence": "0 6 * * *", "destinations": []any{map[string]any{"kind": "sftp", "config": map[string]any{"host": sshd.Host, "port": sshd.Port,
			"username": sshd.User, "password": "wrong-password", "host_key_sha256": sshd.HostKeyFingerprint}}}})
	var failingRun struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.manager, "/v1/schedules/"+failing+"/run-now", ""), &failingRun)
	b.waitRun(t, failingRun.ID)
	if err := b.schedules.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	failRow := fmt.Sprintf(`#schedules-body tr[data-schedule-id="%s"]`, failing)
	do(t, ctx, "failed delivery",
		click("#refresh-schedules"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.outcome === "failed"`, failRow)))
	if label, msg := text(t, ctx, failRow+" .last-delivery .status"), text(t, ctx, failRow+" .outcome-error"); label != "Falha no envio" || !strings.Contains(msg, "unable to authenticate") || strings.Contains(msg, "wrong-password") {
		t.Errorf("failed delivery shows %q, %q", label, msg)
	}
	screenshot(t, ctx, shots, "24-schedule-failed-delivery")
	b.apiDo(t, "DELETE", "/v1/schedules/"+failing)
	do(t, ctx, "refresh", click("#refresh-schedules"), waitJS(fmt.Sprintf(`!document.querySelector('%s')`, failRow)))

	// Pause hides the next run; resume brings it back.
	do(t, ctx, "pause",
		click(row+" button.pause"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.paused === "true"`, row)))
	if next, state := text(t, ctx, row+" .next-run"), text(t, ctx, row+" .schedule-state"); next != "—" || state != "Pausado" || !b.listSchedules(t)[0].Paused {
		t.Errorf("paused: next %q, state %q", next, state)
	}
	screenshot(t, ctx, shots, "25-schedule-paused")
	do(t, ctx, "resume",
		click(row+" button.resume"),
		waitJS(fmt.Sprintf(`document.querySelector('%s')?.dataset.paused === "false"`, row)))
	if next, state := text(t, ctx, row+" .next-run"), text(t, ctx, row+" .schedule-state"); next != "21/03/2024 07:00" || state != "Ativo" || b.listSchedules(t)[0].Paused {
		t.Errorf("resumed: next %q, state %q", next, state)
	}

	// Edit: the password is not shown back, the stored one is kept on save.
	do(t, ctx, "edit",
		click(row+" a.edit"),
		chromedp.WaitVisible(chromedp.CSS(field("host_key_sha256"))),
		waitJS(`document.querySelector("#sf-interval")?.value === "1d"`))
	if pw, placeholder, pin := value("password"), eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).placeholder`, field("password"))), value("host_key_sha256"); pw != "" || !strings.Contains(placeholder, "manter") || pin != sshd.HostKeyFingerprint {
		t.Errorf("edit form: password %q (placeholder %q), pin %q", pw, placeholder, pin)
	}
	if period, from, to, cron := eval[string](t, ctx, `document.querySelector("#sf-period-preset").value`), eval[string](t, ctx, `document.querySelector("#sf-period-from").value`),
		eval[string](t, ctx, `document.querySelector("#sf-period-to").value`), eval[string](t, ctx, `document.querySelector("#s-recurrence-preset").value`); period != "custom" || from != "2024-03-01" || to != "2024-03-07" || cron != "0 7 * * *" {
		t.Errorf("edit form: period %q %q..%q, recurrence preset %q", period, from, to, cron)
	}
	screenshot(t, ctx, shots, "26-schedule-edit")
	do(t, ctx, "save the edit",
		setInput("#s-name", "NS diário (editado)"),
		setInput("#sf-period-preset", "month_to_date"),
		click("#save-schedule"),
		waitJS(fmt.Sprintf(`(document.querySelector('%s .schedule-name div') || {}).textContent === "NS diário (editado)"`, row)))
	if edited := b.listSchedules(t)[0]; edited.Filters["period"] != "month_to_date" || edited.Filters["interval"] != "1d" || edited.Recurrence != "0 7 * * *" {
		t.Errorf("after the edit: filters %v, recurrence %q", edited.Filters, edited.Recurrence)
	}
	stored, err := b.schedules.Store.Get(context.Background(), 1, sch.ID)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	json.Unmarshal(stored.Destinations[0].Config, &cfg)
	if cfg["password"] != sshd.Password || cfg["host_key_sha256"] != sshd.HostKeyFingerprint {
		t.Errorf("stored config after the edit: password kept %v, pin %v", cfg["password"] == sshd.Password, cfg["host_key_sha256"])
	}

	// Tablet width: the list does not scroll sideways and its actions stay on screen.
	do(t, ctx, "tablet", chromedp.EmulateViewport(768, 1024), chromedp.Sleep(200*time.Millisecond))
	if eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`) {
		t.Error("the schedules page scrolls sideways at 768 px")
	}
	if !eval[bool](t, ctx, `[...document.querySelectorAll("#schedules-body .actions a, #schedules-body .actions button")].every(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right <= window.innerWidth; })`) {
		t.Error("some schedule actions are off screen at 768 px")
	}
	screenshot(t, ctx, shots, "27-schedules-tablet")

	// Delete, confirmed.
	do(t, ctx, "delete",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		click(row+" button.delete"),
		waitJS(fmt.Sprintf(`!document.querySelector('%s')`, row)))
	if n := len(b.listSchedules(t)); n != 0 {
		t.Errorf("%d schedules after delete", n)
	}
}
