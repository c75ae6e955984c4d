package web_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A date-time column reads in one form: a time at :00 seconds keeps them
// ("18/03/2024 10:22:00", not "18/03/2024 10:22" beside "18/03/2024 10:21:50").
func TestBrowser_ResultViewShowsDateTimesWithSecondsEvenAtZero(t *testing.T) {
	b := setup(t)
	ctx := browserCtx(t, t.TempDir())

	var run struct{ ID string }
	json.Unmarshal(b.apiPost(t, b.viewer, "/v1/runs", `{"report":"contacts.all_contacts","filters":{"period":"2024-03-18..2024-03-19"}}`), &run)
	do(t, ctx, "sign in and open the result",
		chromedp.Navigate(b.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.viewer),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")),
		chromedp.Navigate(b.url+"/#/runs/"+run.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 1`))

	// Columns: started (0), protocol (1). One row started at :00 seconds and
	// one not, from the API, each found in the page by its protocol.
	var atZero, other []*string
	for _, r := range b.rows(t, b.viewer, run.ID, url.Values{"limit": {"1000"}}).Rows {
		if r[0] == nil || r[1] == nil {
			continue
		}
		if strings.HasSuffix(*r[0], ":00") {
			atZero = cmpOr(atZero, r)
		} else {
			other = cmpOr(other, r)
		}
	}
	if atZero == nil || other == nil {
		t.Fatal("the seeded contacts of 18/03/2024 have no start at :00 seconds and one at other seconds; pick another day")
	}
	// "2024-03-18 10:22:00" → "18/03/2024 10:22:00": day/month/year, then the time as sent.
	shown := func(raw string) string {
		return raw[8:10] + "/" + raw[5:7] + "/" + raw[0:4] + " " + raw[11:19]
	}
	for _, r := range [][]*string{atZero, other} {
		protocol := *r[1]
		do(t, ctx, "search "+protocol,
			setInput("#result-search", protocol),
			click("#result-search-form button[type=submit]"),
			waitJS(`document.querySelectorAll("#result-table tbody tr").length > 0 && [...document.querySelectorAll("#result-table tbody tr")].every(tr => tr.children[1].dataset.value === `+jsString(protocol)+`)`))
		if got, want := text(t, ctx, "#result-table tbody tr td"), shown(*r[0]); got != want {
			t.Errorf("start %q shown as %q, want %q", *r[0], got, want)
		}
	}

	// In English the date reads as the pages write it there (2024-03-18), the
	// seconds kept the same way.
	do(t, ctx, "english",
		chromedp.Navigate(b.url+"/#/runs"),
		chromedp.WaitVisible(chromedp.CSS("#runs-table")),
		setInput("#lang", "en"),
		waitJS(`document.documentElement.lang === "en" && !!document.querySelector("#runs-table")`),
		chromedp.Navigate(b.url+"/#/runs/"+run.ID),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length > 0`),
		setInput("#result-search", *atZero[1]),
		click("#result-search-form button[type=submit]"),
		waitJS(`document.querySelectorAll("#result-table tbody tr").length === 1 && document.querySelector("#result-table tbody tr").children[1].dataset.value === `+jsString(*atZero[1])))
	if got, want := text(t, ctx, "#result-table tbody tr td"), (*atZero[0])[:19]; got != want {
		t.Errorf("English: start %q shown as %q, want %q", *atZero[0], got, want)
	}
}

func cmpOr(a, b []*string) []*string {
	if a != nil {
		return a
	}
	return b
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}
