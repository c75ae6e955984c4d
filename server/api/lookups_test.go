package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/server/auth"
)

// lookupPage asks GET /v1/lookups/{kind} with query q as token and returns
// the values and labels, the X-Total-Count header and the Link header.
func (b testBundle) lookupPage(t *testing.T, token, kind string, q url.Values) (values, labels []string, total, link string) {
	t.Helper()
	code, hdr, body := b.do(t, token, "GET", "/v1/lookups/"+kind+"?"+q.Encode(), nil)
	if code != 200 {
		t.Fatalf("%s?%s: %d %s", kind, q.Encode(), code, body)
	}
	var page []struct{ Value, Label string }
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("%s?%s: %v: %s", kind, q.Encode(), err, body)
	}
	values, labels = []string{}, []string{}
	for _, v := range page {
		values, labels = append(values, v.Value), append(labels, v.Label)
	}
	return values, labels, hdr.Get("X-Total-Count"), hdr.Get("Link")
}

// Tenants 7 and 8 have no seeded data; this test gives them wallets whose
// names hold the characters LIKE and SQL quoting treat specially, so a search
// that pasted or pattern-matched its text would find more (or fail).
func TestLookups_SearchIsLiteralPagedAndTheCallersTenantOnly(t *testing.T) {
	b := setup(t)
	wh := enginetest.ChDB(t)
	err := wh.Exec(context.Background(), `INSERT INTO wh.wallets (tenant_id, wallet_id, name) VALUES
		(7, 701, '100% Vendas'), (7, 702, '100 Vendas'), (7, 703, 'a_b'), (7, 704, 'axb'),
		(7, 705, 'barra\\invertida'), (7, 706, 'D''Ávila'), (7, 707, 'Dávila Cobrança'),
		(8, 801, '100% Outro'), (8, 802, 'a_b do outro'), (8, 803, 'x\\y'), (8, 804, 'O''Brien')`)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		wh.Exec(context.Background(), "ALTER TABLE wh.wallets DELETE WHERE tenant_id IN (7, 8) SETTINGS mutations_sync = 1")
	})
	seven, eight := b.server.Token(7, "Leitora", auth.Viewer), b.server.Token(8, "Outra", auth.Viewer)

	// Ordered by label, byte order: "100 " (space 0x20) before "100%" (0x25),
	// "D'" (0x27) before "Dá" (0xC3), upper case before lower case.
	all := []string{"702", "701", "706", "707", "703", "704", "705"}
	values, _, total, link := b.lookupPage(t, seven, "wallet", url.Values{})
	if strings.Join(values, ",") != strings.Join(all, ",") || total != "7" || link != "" {
		t.Fatalf("all wallets: %v total %q link %q", values, total, link)
	}

	for _, c := range []struct{ q, want string }{
		{"%", "701"},          // as a LIKE pattern it would match all seven
		{"_", "703"},          // as a LIKE pattern it would match all seven
		{`\`, "705"},          // an escape character anywhere else
		{"'", "706"},          // pasted into SQL it would end the string
		{"100%", "701"},       // not "100 Vendas"
		{"a_b", "703"},        // not "axb"
		{"COBRANCA", "707"},   // case and accents ignored
		{"d'avila", "706"},    // the accent of "Ávila" ignored
		{"705", "705"},        // an id finds its value
		{"Outro", ""},         // tenant 8's name
		{`x\y`, ""},           // tenant 8's name
		{"%' OR 1=1 --", ""},  // text, not SQL
		{"Vendas", "702,701"}, // two names, in label order
	} {
		values, labels, total, _ := b.lookupPage(t, seven, "wallet", url.Values{"q": {c.q}})
		if strings.Join(values, ",") != c.want {
			t.Errorf("q=%q: %v %v, want %s", c.q, values, labels, c.want)
		}
		if want := strconv.Itoa(len(values)); total != want {
			t.Errorf("q=%q: total %q, want %s (one page holds them all)", c.q, total, want)
		}
	}

	// Pages of three: 7 values are pages 0–2, 3–5 and 6; each but the last
	// links to the next.
	values, _, total, link = b.lookupPage(t, seven, "wallet", url.Values{"limit": {"3"}, "offset": {"3"}})
	if strings.Join(values, ",") != "707,703,704" || total != "7" || link != `</v1/lookups/wallet?lang=pt-BR&limit=3&offset=6>; rel="next"` {
		t.Errorf("second page: %v total %q link %q", values, total, link)
	}
	values, _, total, link = b.lookupPage(t, seven, "wallet", url.Values{"limit": {"3"}, "offset": {"6"}})
	if strings.Join(values, ",") != "705" || total != "7" || link != "" {
		t.Errorf("last page: %v total %q link %q", values, total, link)
	}
	values, _, total, _ = b.lookupPage(t, seven, "wallet", url.Values{"limit": {"3"}, "offset": {"9"}})
	if len(values) != 0 || total != "7" {
		t.Errorf("past the end: %v total %q", values, total)
	}
	values, _, total, link = b.lookupPage(t, seven, "wallet", url.Values{"q": {"vendas"}, "limit": {"1"}})
	if strings.Join(values, ",") != "702" || total != "2" || link != `</v1/lookups/wallet?lang=pt-BR&limit=1&offset=1&q=vendas>; rel="next"` {
		t.Errorf("search, first page: %v total %q link %q", values, total, link)
	}

	// Saved values by id: names for those of the tenant, nothing for another's.
	values, labels, total, _ := b.lookupPage(t, seven, "wallet", url.Values{"value": {"705,703,801"}})
	if strings.Join(values, ",") != "703,705" || strings.Join(labels, "|") != `a_b|barra\invertida` || total != "2" {
		t.Errorf("by value: %v %v total %q", values, labels, total)
	}

	// Tenant 8 does see its own, so the empty answers above prove the scope.
	values, _, _, _ = b.lookupPage(t, eight, "wallet", url.Values{"q": {"%"}})
	if strings.Join(values, ",") != "801" {
		t.Errorf("tenant 8's %% search: %v", values)
	}

	for _, c := range []struct {
		query string
		field string
	}{
		{"limit=0", "query.limit"},
		{"limit=10001", "query.limit"},
		{"offset=-1", "query.offset"},
		{"lang=fr", "query.lang"},
		{"q=" + strings.Repeat("x", 201), "query.q"},
	} {
		code, _, body := b.do(t, seven, "GET", "/v1/lookups/wallet?"+c.query, nil)
		if code != 422 || !strings.Contains(string(body), `"location":"`+c.field+`"`) {
			t.Errorf("%s: %d %s", c.query, code, body)
		}
	}
}

func TestLookups_ChannelsHaveLabelsInTheReadersLanguage(t *testing.T) {
	b := setup(t)
	values, labels, total, _ := b.lookupPage(t, b.viewer, "channel", url.Values{})
	if strings.Join(values, ",") != "whatsapp,webchat,voice,email" || strings.Join(labels, ",") != "WhatsApp,WebChat,Voz,E-mail" || total != "4" {
		t.Errorf("pt-BR: %v %v total %q", values, labels, total)
	}
	_, labels, _, _ = b.lookupPage(t, b.viewer, "channel", url.Values{"lang": {"en"}})
	if strings.Join(labels, ",") != "WhatsApp,WebChat,Voice,E-mail" {
		t.Errorf("en: %v", labels)
	}
	for _, c := range []struct{ lang, q, want string }{
		{"pt-BR", "voz", "voice"},
		{"en", "VOICE", "voice"},
		{"pt-BR", "web", "webchat"},
		{"pt-BR", "e-", "email"},
		{"pt-BR", "%", ""},
	} {
		values, _, _, _ := b.lookupPage(t, b.viewer, "channel", url.Values{"lang": {c.lang}, "q": {c.q}})
		if strings.Join(values, ",") != c.want {
			t.Errorf("%s q=%q: %v, want %q", c.lang, c.q, values, c.want)
		}
	}
	// Event types keep the labels tenants gave them.
	values, labels, _, _ = b.lookupPage(t, b.viewer, "event_type", url.Values{"q": {"venda"}})
	if strings.Join(values, ",") != "sale" || strings.Join(labels, ",") != "Venda" {
		t.Errorf("event type venda: %v %v", values, labels)
	}
}

// A run may name its channels in either language (Voz, Voice); the run keeps
// the codes.
func TestLookups_ARunTakesAChannelsLabelInEitherLanguage(t *testing.T) {
	b := setup(t)
	code, _, body := b.do(t, b.viewer, "POST", "/v1/runs", `{"report":"kpis.kpi_events","filters":{"period":"2024-03-01..2024-03-02","channels":["Voz","Voice","WhatsApp"],"wallet":"Vendas","event_type":"Venda"}}`)
	if code != 202 {
		t.Fatalf("%d %s", code, body)
	}
	var run struct {
		FiltersResolved map[string]any `json:"filters_resolved"`
	}
	json.Unmarshal(body, &run)
	got, _ := json.Marshal(run.FiltersResolved)
	// Vendas is tenant 1's first wallet: 1*100 + 1 = 101 (seed: tenant*100 + n).
	// Resolved filters are text; Voz and Voice are one channel.
	for _, want := range []string{`"channels":"voice,whatsapp"`, `"wallet":"101"`, `"event_type":"sale"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("resolved filters %s lack %s", got, want)
		}
	}
}
