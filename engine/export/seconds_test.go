package export_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// An XLSX time shows the same second in LibreOffice as in the CSV. Found
// trying relato as a user: "Fim" 30/11/2026 00:03:02 in the CSV showed
// 00:03:01 in LibreOffice, because the serial (46356 + 182/86400 =
// 46356.00210648148…) was written cut to 15 digits, 46356.0021064814, a few
// microseconds before the second, and LibreOffice cuts to the second shown.
// The times below all end in a second whose serial would be cut downwards:
// 182 s, 317 s (00:05:17) and 86399 s (23:59:59) after midnight.
func TestSpreadsheetReaders_ShowTheSecondsOfAnXLSXTime(t *testing.T) {
	t.Parallel()
	soffice := needProgram(t, "soffice", "libreoffice-calc-nogui")
	fields := []writer.Field{{Name: "fim", Label: "Fim", Kind: writer.KindDatetime, Decimals: -1}}
	times := []string{"2026-11-30 00:03:02", "2026-11-30 00:05:17", "2026-11-30 23:59:59"}
	var rows [][]any
	for _, v := range times {
		rows = append(rows, []any{v})
	}
	var buf strings.Builder
	if _, err := export.XLSX.Write(context.Background(), &buf, fields, writertest.New([]string{"fim"}, rows...), "pt-BR", nil); err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	path := filepath.Join(in, "fim.xlsx")
	if err := os.WriteFile(path, []byte(buf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// CSV export options: ',' '"' UTF-8, from line 1, …, token 9 true: "save
	// cell contents as shown", i.e. in the cell's own dd/mm/yyyy hh:mm:ss.
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(t.TempDir(), "profile"), "--headless", "--norestore",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", "--outdir", out, path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	shown, err := os.ReadFile(filepath.Join(out, "fim.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Fim\n30/11/2026 00:03:02\n30/11/2026 00:05:17\n30/11/2026 23:59:59\n"
	if got := strings.ReplaceAll(string(shown), "\r\n", "\n"); !strings.HasPrefix(got, want) {
		t.Errorf("LibreOffice shows\n%s\nwant\n%s", got, want)
	}
}
