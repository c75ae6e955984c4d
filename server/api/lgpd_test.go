package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/relato/relato/delivery/deliverytest"
)

// maskedPhone is the masking rule for phones written out by hand: a
// Brazilian E.164 number keeps +55, its area code, the first and the last two
// digits ("+5511987650101" → "+55 11 9****-**01": 14 characters, so 14 − 10 =
// 4 stars); any other keeps its first 3 and last 2 characters.
func maskedPhone(p string) string {
	if regexp.MustCompile(`^\+55[0-9]{10,11}$`).MatchString(p) {
		return "+55 " + p[3:5] + " " + p[5:6] + strings.Repeat("*", len(p)-10) + "-**" + p[len(p)-2:]
	}
	if len(p) <= 5 {
		return regexp.MustCompile(`[0-9]`).ReplaceAllString(p, "*")
	}
	return p[:3] + regexp.MustCompile(`[0-9]`).ReplaceAllString(p[3:len(p)-2], "*") + p[len(p)-2:]
}

type rowsJSON struct {
	Columns []struct {
		Name     string `json:"name"`
		Personal string `json:"personal"`
	} `json:"columns"`
	Rows  [][]any `json:"rows"`
	Total int64   `json:"total"`
}

func (b testBundle) rowsOf(t *testing.T, token, id string, q url.Values) rowsJSON {
	t.Helper()
	code, _, body := b.do(t, token, "GET", "/v1/runs/"+id+"/rows?"+q.Encode(), nil)
	if code != http.StatusOK {
		t.Fatalf("rows: %d %s", code, body)
	}
	var out rowsJSON
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func column(t *testing.T, r rowsJSON, name string) int {
	t.Helper()
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return -1
}

// xlsxText is every shared and inline string of an XLSX file.
func xlsxText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not an XLSX: %v", err)
	}
	var sb strings.Builder
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/") && strings.HasSuffix(f.Name, ".xml") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			sb.Write(b)
		}
	}
	return sb.String()
}

// Issue 17's acceptance on the seeded warehouse: a viewer without the
// personal_data permission sees masked phones in the rows API (what the
// result page shows), the CSV and the XLSX, and cannot find a contact by its
// full phone; with the permission the values are whole; an extraction
// without it is a 403 naming the permission, with it the run appears in
// audit.user_actions with user, report, filters and row count.
func TestLGPD_PhonesAreMaskedWithoutThePermissionAndExtractionsAreAudited(t *testing.T) {
	b := setup(t)
	const report = "contacts.new_by_creation_date"
	filters := map[string]any{"period": "2024-02-28..2024-03-19"}

	whole := b.generate(t, b.viewerPD, report, filters)
	if r := b.wait(t, b.viewerPD, whole.ID); r.Status != "finished" {
		t.Fatalf("run %+v", r)
	}
	masked := b.generate(t, b.viewer, report, filters)
	if r := b.wait(t, b.viewer, masked.ID); r.Status != "finished" {
		t.Fatalf("run %+v", r)
	}
	first := url.Values{"limit": {"50"}}
	wr, mr := b.rowsOf(t, b.viewerPD, whole.ID, first), b.rowsOf(t, b.viewer, masked.ID, first)
	pc := column(t, wr, "phone")
	if wr.Columns[pc].Personal != "phone" {
		t.Errorf("the phone column does not say it is personal: %+v", wr.Columns[pc])
	}
	if len(wr.Rows) == 0 || len(wr.Rows) != len(mr.Rows) {
		t.Fatalf("rows: %d whole, %d masked", len(wr.Rows), len(mr.Rows))
	}
	// The same snapshot order: row i of each run is the same contact.
	var phone string
	for i := range wr.Rows {
		p, _ := wr.Rows[i][pc].(string)
		got, _ := mr.Rows[i][pc].(string)
		if p == "" {
			continue
		}
		if phone == "" {
			phone = p
		}
		if got != maskedPhone(p) {
			t.Errorf("row %d: masked phone %q, want %q (of %q)", i, got, maskedPhone(p), p)
		}
	}
	if phone == "" || !strings.HasPrefix(phone, "+") {
		t.Fatalf("no seeded phone to test with: %q", phone)
	}

	t.Run("search by the full phone finds nothing without the permission", func(t *testing.T) {
		q := url.Values{"limit": {"10"}, "q": {phone}}
		if got := b.rowsOf(t, b.viewer, masked.ID, q).Total; got != 0 {
			t.Errorf("masked search for %q found %d rows", phone, got)
		}
		if got := b.rowsOf(t, b.viewerPD, whole.ID, q).Total; got < 1 {
			t.Errorf("search with the permission for %q found %d rows", phone, got)
		}
	})

	t.Run("the CSV and the XLSX carry the masked phone", func(t *testing.T) {
		for _, format := range []string{"csv", "csv-excel", "xlsx"} {
			code, _, data := b.do(t, b.viewer, "GET", "/v1/runs/"+masked.ID+"/download?format="+format, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: %d %s", format, code, data)
			}
			text := string(data)
			if format == "xlsx" {
				text = xlsxText(t, data)
			}
			if strings.Contains(text, phone) || !strings.Contains(text, maskedPhone(phone)) {
				t.Errorf("%s: whole phone present %v, masked %q present %v", format, strings.Contains(text, phone), maskedPhone(phone), strings.Contains(text, maskedPhone(phone)))
			}
			code, _, data = b.do(t, b.viewerPD, "GET", "/v1/runs/"+whole.ID+"/download?format="+format, nil)
			if format == "xlsx" {
				data = []byte(xlsxText(t, data))
			}
			if code != http.StatusOK || !strings.Contains(string(data), phone) {
				t.Errorf("%s with the permission: %d, whole phone present %v", format, code, strings.Contains(string(data), phone))
			}
		}
	})

	t.Run("an extraction without the permission is a 403 naming it", func(t *testing.T) {
		code, hdr, body := b.do(t, b.viewer, "POST", "/v1/runs", map[string]any{"report": "extraction.contact_phones"})
		if code != http.StatusForbidden || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(string(body), "personal_data") {
			t.Errorf("%d %s %s", code, hdr.Get("Content-Type"), body)
		}
	})

	t.Run("with the permission the extraction runs and is in the tenant's audit report", func(t *testing.T) {
		wallet := b.requiredInputsForWallet(t)
		ex := b.generate(t, b.viewerPD, "extraction.contact_phones", map[string]any{"wallet": wallet})
		r := b.wait(t, b.viewerPD, ex.ID)
		if r.Status != "finished" || r.TotalRows == nil || *r.TotalRows == 0 {
			t.Fatalf("extraction %+v", r)
		}
		// The record is written at the server's clock, SeedEnd (2024-03-20 12:00 UTC,
		// 09:00 in São Paulo): the day 2024-03-20 holds it.
		audit := b.generate(t, b.viewerPD, "audit.user_actions", map[string]any{"period": "2024-03-20..2024-03-20", "action": "report.personal_data"})
		if ar := b.wait(t, b.viewerPD, audit.ID); ar.Status != "finished" {
			t.Fatalf("audit run %+v", ar)
		}
		rows := b.rowsOf(t, b.viewerPD, audit.ID, url.Values{"limit": {"100"}, "numbers": {"text"}})
		user, obj, det := column(t, rows, "user_name"), column(t, rows, "object_id"), column(t, rows, "details")
		found := false
		for _, row := range rows.Rows {
			if row[obj] != "extraction.contact_phones" {
				continue
			}
			found = true
			var d struct {
				Run     string         `json:"run"`
				Filters map[string]any `json:"filters"`
				Rows    int64          `json:"rows"`
			}
			if err := json.Unmarshal([]byte(row[det].(string)), &d); err != nil {
				t.Fatalf("details %q: %v", row[det], err)
			}
			if row[user] != "Viewer with personal data" || d.Run != ex.ID || d.Rows != *r.TotalRows || d.Filters["wallet"] != wallet {
				t.Errorf("audit row %v; details %+v; want run %s, %d rows, wallet %v", row, d, ex.ID, *r.TotalRows, wallet)
			}
		}
		if !found {
			t.Errorf("the extraction is not in audit.user_actions: %v", rows.Rows)
		}
	})
}

// requiredInputsForWallet is the first wallet of tenant 1, as a filter value.
func (b testBundle) requiredInputsForWallet(t *testing.T) any {
	t.Helper()
	code, _, body := b.do(t, b.viewer, "GET", "/v1/lookups/wallet", nil)
	var values []struct{ Value any }
	if code != 200 || json.Unmarshal(body, &values) != nil || len(values) == 0 {
		t.Fatalf("no wallet: %d %s", code, body)
	}
	return values[0].Value
}

// A schedule runs with its owner's permission at fire time: a manager
// without personal_data gets the SFTP file with masked phones (issue 17).
func TestLGPD_AScheduleOfAnOwnerWithoutThePermissionDeliversMaskedPhones(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	sch := b.create(t, map[string]any{"report": "contacts.new_by_creation_date", "filters": map[string]any{"period": "2024-02-28..2024-03-19"},
		"recurrence": "0 6 * * *", "format": "csv", "file_name": "contatos", "destinations": []any{sftpDestination(sshd, deliverytest.TestUserPassword)}})
	ctx := context.Background()
	b.clock.Set(sch.NextRuns[0])
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, data := b.do(t, b.manager, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastRunID == nil {
		t.Fatalf("not fired: %s", data)
	}
	if run := b.wait(t, b.manager, *sch.LastRunID); run.Status != "finished" {
		t.Fatalf("run %+v", run)
	}
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(filepath.Join(sshd.Root, "contatos.csv"))
	if err != nil {
		t.Fatalf("the SFTP server has no file: %v", err)
	}
	// The same rows read whole by a holder of the permission (the snapshot is shared).
	pd, _ := b.server.PersonalDataToken(1, "Auditora", "manager")
	wr := b.rowsOf(t, pd, *sch.LastRunID, url.Values{"limit": {"20"}})
	pc := column(t, wr, "phone")
	checked := 0
	for _, row := range wr.Rows {
		p, _ := row[pc].(string)
		if p == "" {
			continue
		}
		checked++
		if strings.Contains(string(file), p) || !strings.Contains(string(file), maskedPhone(p)) {
			t.Errorf("delivered file: whole %q present %v, masked %q present %v", p, strings.Contains(string(file), p), maskedPhone(p), strings.Contains(string(file), maskedPhone(p)))
		}
	}
	if checked == 0 {
		t.Fatal("no phone to check")
	}
	// The owner is told, in the tenant's audit trail.
	code, _, trail := b.do(t, b.admin, "GET", "/v1/audit", nil)
	if code != 200 || !strings.Contains(string(trail), "schedule.delivery.masked") || !strings.Contains(string(trail), *sch.LastRunID) {
		t.Errorf("the masked delivery is not in the audit trail: %d %s", code, trail)
	}
}

// Scheduling an extraction needs the permission; an owner who loses it
// afterwards gets a failed fire naming it, not a file.
func TestLGPD_AScheduledExtractionNeedsItsOwnersPermissionAtFireTime(t *testing.T) {
	b := setupSchedules(t)
	sshd := deliverytest.StartSSHD(t)
	body := map[string]any{"report": "extraction.contact_phones", "recurrence": "0 6 * * *", "format": "csv", "file_name": "telefones",
		"destinations": []any{sftpDestination(sshd, deliverytest.TestUserPassword)}}
	if code, _, data := b.do(t, b.manager, "POST", "/v1/schedules", body); code != http.StatusForbidden || !strings.Contains(string(data), "personal_data") {
		t.Fatalf("a manager without personal_data scheduled an extraction: %d %s", code, data)
	}
	pd, pdID := b.server.PersonalDataToken(1, "Gestora LGPD", "manager")
	code, _, data := b.do(t, pd, "POST", "/v1/schedules", body)
	if code != http.StatusCreated {
		t.Fatalf("schedule: %d %s", code, data)
	}
	var sch scheduleJSON
	json.Unmarshal(data, &sch)
	if code, _, data := b.do(t, b.admin, "PUT", "/v1/users/"+pdID+"/personal-data", map[string]any{"granted": false}); code != 200 {
		t.Fatalf("revoke: %d %s", code, data)
	}
	ctx := context.Background()
	b.clock.Set(sch.NextRuns[0])
	if err := b.svc.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	b.svc.Tick(ctx)
	_, _, data = b.do(t, pd, "GET", "/v1/schedules/"+sch.ID, nil)
	json.Unmarshal(data, &sch)
	if sch.LastError == nil || !strings.Contains(*sch.LastError, "personal_data") {
		t.Errorf("the fire did not fail naming the permission: %s", data)
	}
	if _, err := os.Stat(filepath.Join(sshd.Root, "telefones.csv")); err == nil {
		t.Error("the extraction was delivered although its owner lost the permission")
	}
}

// Admins give and take the personal_data permission through the users API;
// the user sees it in /v1/me at its next request; viewers cannot give it.
func TestLGPD_AdminsGiveThePermissionAndMeShowsIt(t *testing.T) {
	b := setup(t)
	code, _, body := b.do(t, b.admin, "POST", "/v1/users", map[string]any{"name": "Carla", "role": "viewer"})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var u struct {
		ID           string `json:"id"`
		PersonalData bool   `json:"personal_data"`
	}
	json.Unmarshal(body, &u)
	if u.PersonalData {
		t.Fatal("a new user holds personal_data")
	}
	code, _, body = b.do(t, b.admin, "POST", "/v1/tokens", map[string]any{"user_id": u.ID})
	var issued struct {
		Secret string `json:"secret"`
	}
	json.Unmarshal(body, &issued)
	if code != http.StatusCreated || issued.Secret == "" {
		t.Fatalf("token: %d %s", code, body)
	}
	me := func() bool {
		code, _, body := b.do(t, issued.Secret, "GET", "/v1/me", nil)
		var m struct {
			PersonalData bool `json:"personal_data"`
		}
		if code != 200 || json.Unmarshal(body, &m) != nil {
			t.Fatalf("me: %d %s", code, body)
		}
		return m.PersonalData
	}
	if me() {
		t.Error("/v1/me says personal_data before it is given")
	}
	if code, _, body := b.do(t, b.viewer, "PUT", "/v1/users/"+u.ID+"/personal-data", map[string]any{"granted": true}); code != http.StatusForbidden {
		t.Errorf("a viewer gave the permission: %d %s", code, body)
	}
	if code, _, body := b.do(t, b.other, "PUT", "/v1/users/"+u.ID+"/personal-data", map[string]any{"granted": true}); code != http.StatusNotFound {
		t.Errorf("another tenant's admin reached the user: %d %s", code, body)
	}
	code, _, body = b.do(t, b.admin, "PUT", "/v1/users/"+u.ID+"/personal-data", map[string]any{"granted": true})
	json.Unmarshal(body, &u)
	if code != 200 || !u.PersonalData || !me() {
		t.Errorf("grant: %d %s; me %v", code, body, me())
	}
	if code, _, _ := b.do(t, issued.Secret, "POST", "/v1/runs", map[string]any{"report": "extraction.contact_phones"}); code != http.StatusAccepted {
		t.Errorf("extraction with the permission: %d", code)
	}
	b.do(t, b.admin, "PUT", "/v1/users/"+u.ID+"/personal-data", map[string]any{"granted": false})
	if me() {
		t.Error("/v1/me still says personal_data after it was taken away")
	}
	if code, _, _ := b.do(t, issued.Secret, "POST", "/v1/runs", map[string]any{"report": "extraction.contact_phones"}); code != http.StatusForbidden {
		t.Errorf("extraction after the permission was taken away: %d", code)
	}
}

// A tenant that makes a purpose mandatory refuses unmasked runs and
// downloads without one (422 naming the field), and keeps the purpose given
// with the audit record; masked reads need none.
func TestLGPD_ATenantMayRequireAPurpose(t *testing.T) {
	b := setup(t)
	if code, _, body := b.do(t, b.viewer, "PUT", "/v1/tenant/settings", map[string]any{"purpose_required": true}); code != http.StatusForbidden {
		t.Errorf("a viewer changed the tenant's settings: %d %s", code, body)
	}
	if code, _, body := b.do(t, b.admin, "PUT", "/v1/tenant/settings", map[string]any{"purpose_required": true}); code != 200 {
		t.Fatalf("settings: %d %s", code, body)
	}
	const report = "contacts.new_by_creation_date"
	filters := map[string]any{"period": "2024-02-28..2024-03-19"}
	code, _, body := b.do(t, b.viewerPD, "POST", "/v1/runs", map[string]any{"report": report, "filters": filters})
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "body.purpose") {
		t.Errorf("unmasked run without a purpose: %d %s", code, body)
	}
	// Masked: no purpose needed.
	masked := b.generate(t, b.viewer, report, filters)
	b.wait(t, b.viewer, masked.ID)
	if code, _, body := b.do(t, b.viewer, "GET", "/v1/runs/"+masked.ID+"/download?format=csv", nil); code != 200 {
		t.Errorf("masked download: %d %s", code, body)
	}
	code, _, body = b.do(t, b.viewerPD, "POST", "/v1/runs", map[string]any{"report": report, "filters": filters, "purpose": "atendimento à ANPD"})
	if code != http.StatusAccepted {
		t.Fatalf("run with a purpose: %d %s", code, body)
	}
	var r runJSON
	json.Unmarshal(body, &r)
	b.wait(t, b.viewerPD, r.ID)
	if code, _, body := b.do(t, b.viewerPD, "GET", "/v1/runs/"+r.ID+"/download?format=csv", nil); code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "query.purpose") {
		t.Errorf("unmasked download without a purpose: %d %s", code, body)
	}
	if code, _, _ := b.do(t, b.viewerPD, "GET", "/v1/runs/"+r.ID+"/download?format=csv&purpose="+url.QueryEscape("pedido do titular"), nil); code != 200 {
		t.Errorf("unmasked download with a purpose: %d", code)
	}
	// Both purposes are in the audit report (the records are at SeedEnd, 2024-03-20).
	code, _, body = b.do(t, b.viewerPD, "POST", "/v1/runs", map[string]any{"report": "audit.user_actions", "purpose": "conferência",
		"filters": map[string]any{"period": "2024-03-20..2024-03-20", "action": "report.personal_data"}})
	var audit runJSON
	json.Unmarshal(body, &audit)
	if code != http.StatusAccepted || b.wait(t, b.viewerPD, audit.ID).Status != "finished" {
		t.Fatalf("audit run: %d %s", code, body)
	}
	_, _, csv := b.do(t, b.viewerPD, "GET", "/v1/runs/"+audit.ID+"/download?format=csv&purpose=confer%C3%AAncia", nil)
	for _, want := range []string{"atendimento à ANPD", "pedido do titular", "report.personal_data.run", "report.personal_data.download"} {
		if !strings.Contains(string(csv), want) {
			t.Errorf("the audit report lacks %q:\n%s", want, csv)
		}
	}
}
