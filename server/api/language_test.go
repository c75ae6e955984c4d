package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// problemJSON is the part of a problem+json body these tests read.
type problemJSON struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// doIn sends a JSON request with Accept-Language set to lang ("" sends none)
// and decodes the problem it answers.
func (b testBundle) doIn(t *testing.T, lang, token, method, path string, body any) (int, problemJSON) {
	t.Helper()
	j, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, b.url+path, bytes.NewReader(j))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	code, _, data := send(t, req)
	var p problemJSON
	json.Unmarshal(data, &p)
	return code, p
}

func TestProblems_SpeakTheRequestsLanguage(t *testing.T) {
	b := setup(t)
	// extraction.contact_emails has max_span 30d; 2024-01-01..2024-02-29
	// includes both days: 31 (January) + 29 (February 2024, a leap year) = 60 days.
	emails60 := map[string]any{"report": "extraction.contact_emails", "filters": map[string]any{"period": "2024-01-01..2024-02-29"}}
	wallet999 := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "wallet": 999}}
	walletName := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday", "wallet": "Vendinhas"}}
	noReport := map[string]any{"filters": map[string]any{}}
	// setup configures no --smtp-relay: an e-mail notice is refused.
	notify := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "notify": []string{"email"}}
	for _, tc := range []struct {
		name, lang, token string
		body              any
		code              int
		detail            string
		location, message string
	}{
		{"a 60-day e-mail extraction in pt-BR", "pt-BR", b.viewerPD, emails60, 422, "valores de filtro inválidos", "body.filters.period", "abrange 60 dias, mais que o máximo de 30 dias"},
		{"a 60-day e-mail extraction in English", "en", b.viewerPD, emails60, 422, "invalid filter values", "body.filters.period", "spans 60 days, more than the maximum of 30 days"},
		{"a 60-day e-mail extraction without a language is in pt-BR", "", b.viewerPD, emails60, 422, "valores de filtro inválidos", "body.filters.period", "abrange 60 dias, mais que o máximo de 30 dias"},
		{"a browser's English header", "en-US,en;q=0.9", b.viewerPD, emails60, 422, "invalid filter values", "body.filters.period", "spans 60 days, more than the maximum of 30 days"},
		{"an unknown wallet in pt-BR", "pt-BR", b.viewer, wallet999, 422, "valores de filtro inválidos", "body.filters.wallet", "carteira 999 não existe neste ambiente"},
		// A name no wallet has (the wallets are Vendas, Cobrança…): not "must be an id".
		{"an unknown wallet name in pt-BR", "pt-BR", b.viewer, walletName, 422, "valores de filtro inválidos", "body.filters.wallet", `"Vendinhas" não é nome de carteira neste ambiente: informe o nome como na lista ou o id`},
		{"an unknown wallet name in English", "en", b.viewer, walletName, 422, "invalid filter values", "body.filters.wallet", `"Vendinhas" is not the name of a wallet here: give the name as listed or the id`},
		{"an unknown wallet in English", "en", b.viewer, wallet999, 422, "invalid filter values", "body.filters.wallet", "unknown wallet 999 for this tenant"},
		// Huma's own validation, translated by its pattern, the location kept.
		{"a missing report in pt-BR", "pt-BR", b.viewer, noReport, 422, "a validação falhou", "body", "o campo obrigatório report está ausente"},
		{"a missing report in English", "en", b.viewer, noReport, 422, "validation failed", "body", "expected required property report to be present"},
		{"an e-mail notice without a relay in pt-BR", "pt-BR", b.viewer, notify, 422, "aviso inválido", "body.notify", "avisos por e-mail não estão configurados neste servidor (smtp-relay); fale com quem o opera"},
		{"an e-mail notice without a relay in English", "en", b.viewer, notify, 422, "invalid notify", "body.notify", "e-mail notices are not set up on this server (smtp-relay); ask its operators"},
		{"no token in pt-BR", "pt-BR", "", emails60, 401, "falta o token: envie Authorization: Bearer <token>", "", ""},
		{"no token in English", "en", "", emails60, 401, "missing bearer token: send Authorization: Bearer <token>", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, p := b.doIn(t, tc.lang, tc.token, "POST", "/v1/runs", tc.body)
			if code != tc.code || p.Detail != tc.detail {
				t.Fatalf("got %d %q, want %d %q", code, p.Detail, tc.code, tc.detail)
			}
			if tc.location == "" {
				return
			}
			if len(p.Errors) != 1 || p.Errors[0].Location != tc.location || p.Errors[0].Message != tc.message {
				t.Errorf("errors %+v, want one at %s saying %q", p.Errors, tc.location, tc.message)
			}
		})
	}
}

// A problem's title is in the reader's language too, not only its detail:
// pt-BR in plain words, English in RFC 9110's reason phrases.
func TestProblems_TitlesSpeakTheRequestsLanguage(t *testing.T) {
	b := setup(t)
	// 2024-01-01..2024-02-29 is 60 days, more than extraction.contact_emails' 30.
	emails60 := map[string]any{"report": "extraction.contact_emails", "filters": map[string]any{"period": "2024-01-01..2024-02-29"}}
	for _, tc := range []struct {
		name, lang, token, method, path string
		body                            any
		code                            int
		title, location                 string
	}{
		{"an unknown run in pt-BR", "pt-BR", b.viewer, "GET", "/v1/runs/nosuchrun", nil, 404, "Não encontrado", ""},
		{"an unknown run in English", "en", b.viewer, "GET", "/v1/runs/nosuchrun", nil, 404, "Not Found", ""},
		{"an unknown run without a language is in pt-BR", "", b.viewer, "GET", "/v1/runs/nosuchrun", nil, 404, "Não encontrado", ""},
		{"a bad filter in pt-BR", "pt-BR", b.viewerPD, "POST", "/v1/runs", emails60, 422, "Dados inválidos", "body.filters.period"},
		{"a bad filter in English", "en-US,en;q=0.9", b.viewerPD, "POST", "/v1/runs", emails60, 422, "Unprocessable Entity", "body.filters.period"},
		{"Huma's own validation in pt-BR", "pt-BR", b.viewer, "POST", "/v1/runs", map[string]any{"filters": map[string]any{}}, 422, "Dados inválidos", "body"},
		{"no token in pt-BR", "pt-BR", "", "POST", "/v1/runs", emails60, 401, "Não autorizado", ""},
		{"no token in English", "en", "", "POST", "/v1/runs", emails60, 401, "Unauthorized", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, p := b.doIn(t, tc.lang, tc.token, tc.method, tc.path, tc.body)
			if code != tc.code || p.Title != tc.title {
				t.Fatalf("got %d %q, want %d %q", code, p.Title, tc.code, tc.title)
			}
			if tc.location != "" && (len(p.Errors) != 1 || p.Errors[0].Location != tc.location) {
				t.Errorf("errors %+v, want one at %s", p.Errors, tc.location)
			}
		})
	}
	t.Run("a body that is not UTF-8 in pt-BR", func(t *testing.T) {
		req, _ := http.NewRequest("POST", b.url+"/v1/runs", strings.NewReader("{\"report\":\"\xff\"}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+b.viewer)
		code, _, data := send(t, req)
		var p problemJSON
		json.Unmarshal(data, &p)
		if code != 422 || p.Title != "Dados inválidos" {
			t.Fatalf("got %d %q, want 422 \"Dados inválidos\"", code, p.Title)
		}
	})
}

func TestProblems_SchedulesAndDestinationsSpeakTheRequestsLanguage(t *testing.T) {
	b := setup(t)
	noSecret := map[string]any{"kind": "sftp", "config": map[string]any{"host": "127.0.0.1", "username": "relato", "host_key_sha256": "SHA256:" + strings.Repeat("A", 43)}}
	sixFields := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 0 6 * * *",
		"destinations": []any{map[string]any{"kind": "email", "config": map[string]any{"host": "mail.example.com", "from": "relato@example.com", "recipients": []string{"a@example.com"}}}}}
	pdf := map[string]any{"report": "kpis.service_level", "filters": map[string]any{"period": "yesterday"}, "recurrence": "0 6 * * *", "format": "pdf",
		"destinations": sixFields["destinations"]}
	for _, tc := range []struct {
		name, lang, path  string
		body              any
		detail            string
		location, message string
	}{
		{"an SFTP destination without a secret in pt-BR", "pt-BR", "/v1/destinations/test", noSecret, "destino inválido", "body.config.password", "informe uma senha (password) ou uma chave privada (private_key)"},
		{"an SFTP destination without a secret in English", "en", "/v1/destinations/test", noSecret, "invalid destination", "body.config.password", "a password or a private_key is required"},
		{"a six-field cron in pt-BR", "pt-BR", "/v1/schedules", sixFields, "agendamento inválido", "body.recurrence", "expressão cron inválida: são 5 campos (minuto hora dia-do-mês mês dia-da-semana), recebeu 6"},
		{"a six-field cron in English", "en", "/v1/schedules", sixFields, "invalid schedule", "body.recurrence", "invalid cron expression: want 5 fields (minute hour day-of-month month day-of-week), got 6"},
		{"an unknown format in pt-BR", "pt-BR", "/v1/schedules", pdf, "agendamento inválido", "body.format", `formato desconhecido "pdf" (csv, csv-excel, xlsx, csv-exact)`},
		{"an unknown format in English", "en", "/v1/schedules", pdf, "invalid schedule", "body.format", `unknown format "pdf" (csv, csv-excel, xlsx, csv-exact)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, p := b.doIn(t, tc.lang, b.manager, "POST", tc.path, tc.body)
			if code != 422 || p.Detail != tc.detail {
				t.Fatalf("got %d %q, want 422 %q", code, p.Detail, tc.detail)
			}
			if len(p.Errors) != 1 || p.Errors[0].Location != tc.location || p.Errors[0].Message != tc.message {
				t.Errorf("errors %+v, want one at %s saying %q", p.Errors, tc.location, tc.message)
			}
		})
	}
}

// A download in a format relato does not write names it and the known ones
// in the reader's language (the format is checked before the run is looked up).
func TestProblems_AnUnknownDownloadFormatSpeaksTheRequestsLanguage(t *testing.T) {
	b := setup(t)
	for _, tc := range []struct{ lang, detail, message string }{
		{"pt-BR", "formato desconhecido", `formato desconhecido "pdf" (csv, csv-excel, xlsx, csv-exact)`},
		{"en", "unknown format", `unknown format "pdf" (csv, csv-excel, xlsx, csv-exact)`},
	} {
		code, p := b.doIn(t, tc.lang, b.viewer, "GET", "/v1/runs/nope/download?format=pdf", nil)
		if code != 422 || p.Detail != tc.detail || len(p.Errors) != 1 || p.Errors[0].Location != "query.format" || p.Errors[0].Message != tc.message {
			t.Errorf("%s: %d %q %+v, want 422 %q with one error at query.format saying %q", tc.lang, code, p.Detail, p.Errors, tc.detail, tc.message)
		}
	}
}
