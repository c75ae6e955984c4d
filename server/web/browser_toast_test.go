package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The notice "Nível de Serviço (NS): Aguardando" that follows "Gerar" follows
// the run: opened while waiting, the run finishes and no notice still says
// it is waiting.
func TestBrowser_AStatusNoticeFollowsTheRunUntilItFinishes(t *testing.T) {
	b := setup(t)
	ctx := browserCtx(t, t.TempDir())
	// The blocking report holds wallet 101 (Vendas) until canceled; a service
	// level of Vendas waits behind it.
	var blocking struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"`+blockingReport+`","filters":{"period":"2024-03-01..2024-03-02","wallet":101}}`), &blocking)
	t.Cleanup(func() { b.apiPost(t, b.viewer, "/v1/runs/"+blocking.ID+"/cancel", "") })

	signIn(t, ctx, b, b.viewer)
	do(t, ctx, "generate a service level of Vendas",
		click("#generate"),
		chromedp.WaitVisible(chromedp.CSS("#template-search")),
		click(`#template-list input[value="kpis.service_level"]`),
		chromedp.WaitVisible(chromedp.CSS("#f-wallet")),
		setInput("#f-period-from", "2024-03-01"),
		setInput("#f-period-to", "2024-03-02"))
	searchPicker(t, ctx, "f-wallet", "vend", "Vendas")
	pickFirstByKeyboard(t, ctx, "f-wallet")
	submitGenerate(t, ctx)
	do(t, ctx, "the run waits", waitJS(`!!document.querySelector('#runs-body tr[data-status="waiting"]')`))
	// The notice lasts 4 s; a slow machine may read it after it is gone.
	if got := text(t, ctx, "#toast"); got != "Nível de Serviço (NS): Aguardando" && got != "" {
		t.Fatalf("notice after Gerar %q", got)
	}
	waiting := eval[string](t, ctx, `document.querySelector('#runs-body tr[data-status="waiting"]').dataset.runId`)

	do(t, ctx, "open it while it waits",
		chromedp.Evaluate[chromedp.Void](`location.hash = "#/runs/`+waiting+`"; null`, chromedp.EvalAsValue),
		waitJS(`document.querySelector("#view-status")?.textContent === "Aguardando"`))
	b.apiPost(t, b.viewer, "/v1/runs/"+blocking.ID+"/cancel", "")
	do(t, ctx, "it finishes", waitJS(`document.querySelector("#view-status")?.textContent === "Finalizado"`))
	if got := text(t, ctx, "#toast"); strings.Contains(got, "Aguardando") {
		t.Errorf("the finished run's view still says %q", got)
	}
	if got := text(t, ctx, "#toast"); got != "" && got != "Nível de Serviço (NS): Finalizado" {
		t.Errorf("notice %q, want none or the run finished", got)
	}
}
