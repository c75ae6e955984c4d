package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A period over the e-mail extraction's maximum is refused by the server in
// the page's language (the pages send Accept-Language), next to the field.
// extraction.contact_emails has max_span 30d; 2024-01-01..2024-02-29 includes
// both days: 31 (January) + 29 (February 2024, a leap year) = 60 days.
func TestBrowser_APeriodErrorIsInThePagesLanguageNextToTheField(t *testing.T) {
	b := setup(t)
	shots := artifacts(t)
	ctx := browserCtx(t, t.TempDir())
	jsErrors := collectJSErrors(ctx)
	defer func() {
		if errs := jsErrors(); len(errs) > 0 {
			t.Errorf("the page threw: %v", errs)
		}
	}()
	signIn(t, ctx, b, b.keeper) // extractions need personal_data

	for _, c := range []struct{ lang, hint, err string }{
		{"pt-BR", "no máximo 30 dias", "abrange 60 dias, mais que o máximo de 30 dias"},
		{"en", "at most 30 days", "spans 60 days, more than the maximum of 30 days"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			do(t, ctx, "language",
				chromedp.Navigate(b.url+"/#/runs"),
				chromedp.WaitVisible(chromedp.CSS("#runs-table")),
				setInput("#lang", c.lang),
				waitJS(fmt.Sprintf(`document.documentElement.lang === %q && !!document.querySelector("#runs-table")`, c.lang)))
			do(t, ctx, "open the e-mail extraction",
				click("#generate"),
				chromedp.WaitVisible(chromedp.CSS("#template-search")),
				click(`#template-list input[value="extraction.contact_emails"]`),
				chromedp.WaitVisible(chromedp.CSS("#f-period-from")))
			if hint := text(t, ctx, "#f-period-hint"); !strings.Contains(hint, c.hint) {
				t.Errorf("period hint %q, want it to say %q", hint, c.hint)
			}
			do(t, ctx, "60 days",
				setInput("#f-period-from", "2024-01-01"),
				setInput("#f-period-to", "2024-02-29"),
				jsClick("#submit-generate"),
				waitJS(`document.querySelector("#err-period").textContent !== ""`))
			screenshot(t, ctx, shots, "period-error-"+c.lang)
			if got := text(t, ctx, "#err-period"); got != c.err {
				t.Errorf("next to the period: %q, want %q", got, c.err)
			}
			if !eval[bool](t, ctx, `document.querySelector("#generate-dialog").open`) {
				t.Error("the dialog closed: the run was created")
			}
			do(t, ctx, "close", chromedp.Evaluate[chromedp.Void](`document.querySelector("#generate-dialog").close()`))
		})
	}
}
