package web_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Issue 17 in the pages: a viewer without the personal_data permission sees
// masked phones and e-mails on the result page; the generate form says the
// report holds personal data and takes a purpose; an extraction is refused
// with a message in the reader's language naming the permission.
func TestBrowser_PersonalDataIsMaskedAndExtractionsRefused(t *testing.T) {
	b := setup(t)
	ctx := browserCtx(t, t.TempDir())
	shots := artifacts(t)

	var run struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"contacts.new_by_creation_date","filters":{"period":"2024-03-01..2024-03-07"}}`), &run)

	do(t, ctx, "sign in",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.viewer),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")))
	do(t, ctx, "open the result",
		chromedp.Navigate(b.url+"/#/runs/"+run.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 0`))
	// Columns: contact (1st), phone (2nd), e-mail (3rd).
	phones, emails := column(t, ctx, 1), column(t, ctx, 2)
	maskedPhone := regexp.MustCompile(`^\+55 \d\d \d\*{3,4}-\*\*\d\d$`)
	maskedEmail := regexp.MustCompile(`^.\*\*\*@`)
	checked := 0
	for i := range phones {
		if phones[i] != "" {
			checked++
			if !maskedPhone.MatchString(phones[i]) {
				t.Errorf("row %d: phone %q is not masked", i, phones[i])
			}
		}
		if emails[i] != "" && !maskedEmail.MatchString(emails[i]) {
			t.Errorf("row %d: e-mail %q is not masked", i, emails[i])
		}
	}
	if checked == 0 {
		t.Fatal("no phone on the page to check")
	}
	screenshot(t, ctx, shots, "lgpd-01-masked-view")

	do(t, ctx, "generate a report with personal data",
		chromedp.Navigate(b.url+"/#/runs"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")),
		click("#generate"),
		chromedp.WaitVisible(chromedp.CSS("#template-search")),
		click(`#template-list input[value="contacts.new_by_creation_date"]`),
		chromedp.WaitVisible(chromedp.CSS("#generate-form")))
	if note := text(t, ctx, "#personal-note"); !strings.Contains(note, "dados pessoais") {
		t.Errorf("personal data note %q", note)
	}
	if label := text(t, ctx, `label[for="f-purpose"]`); label != "Finalidade" {
		t.Errorf("purpose label %q", label)
	}
	do(t, ctx, "pick the phones extraction and submit",
		click(`#template-list input[value="extraction.contact_phones"]`),
		waitJS(`document.querySelector("#generate-form").dataset.report === "extraction.contact_phones"`),
		click("#submit-generate"),
		waitJS(`document.querySelector("#form-error").textContent !== ""`))
	if msg := text(t, ctx, "#form-error"); !strings.Contains(msg, "exige a permissão personal_data") {
		t.Errorf("extraction refused with %q", msg)
	}
	screenshot(t, ctx, shots, "lgpd-02-extraction-refused")
}
