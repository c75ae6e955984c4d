package schedules

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/runs"
)

func TestCheckFormat_StoresTheRegistryID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"", "csv"},
		{"csv", "csv"},
		{"rfc4180", "csv"},
		{"csv-excel", "csv-excel"},
		{"Excel", "csv-excel"},
		{"xlsx", "xlsx"},
	}
	for _, tt := range tests {
		if got, err := CheckFormat(tt.in); err != nil || got != tt.want {
			t.Errorf("CheckFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := CheckFormat("pdf"); !errors.Is(err, export.ErrUnknownFormat) || !strings.Contains(err.Error(), "csv, csv-excel, xlsx") {
		t.Errorf("CheckFormat(pdf) error %v, want ErrUnknownFormat listing csv, csv-excel, xlsx", err)
	}
}

// recordingHost writes a fixed body and records the format it was asked for.
type recordingHost struct{ format string }

func (h *recordingHost) StartRun(context.Context, *Schedule, time.Time) (string, error) {
	return "", errors.New("not used")
}

func (h *recordingHost) WriteResult(_ context.Context, _ *runs.Run, format string, w io.Writer) error {
	h.format = format
	_, err := io.WriteString(w, "a,b\r\n")
	return err
}

func TestWriteFile_TakesExtensionAndContentTypeFromTheFormat(t *testing.T) {
	t.Parallel()
	const csvType = "text/csv; charset=utf-8"
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		format, wantHost, wantName, wantType string
	}{
		{"csv", "csv", "service_level_2024-03-01_2024-03-07.csv", csvType},
		{"", "csv", "service_level_2024-03-01_2024-03-07.csv", csvType},
		{"csv-excel", "csv-excel", "service_level_2024-03-01_2024-03-07.csv", csvType},
		{"excel", "csv-excel", "service_level_2024-03-01_2024-03-07.csv", csvType},
		{"xlsx", "xlsx", "service_level_2024-03-01_2024-03-07.xlsx", xlsxType},
	}
	run := &runs.Run{ID: "r1", ReportID: "kpis.service_level", RequestedAt: time.Date(2024, 3, 8, 10, 0, 0, 0, time.UTC),
		FiltersResolved: json.RawMessage(`{"period":"2024-03-01T00:00:00-03:00/2024-03-08T00:00:00-03:00"}`)}
	for _, tt := range tests {
		host := &recordingHost{}
		s := &Service{Host: host, TempDir: t.TempDir()}
		sch := &Schedule{ID: "s1", Name: "NS", TimeZone: "America/Sao_Paulo", Format: tt.format, FileName: "{report}_{from}_{to}"}
		file, cleanup, err := s.writeFile(context.Background(), sch, run)
		if err != nil {
			t.Fatalf("format %q: %v", tt.format, err)
		}
		if host.format != tt.wantHost || file.Name != tt.wantName || file.ContentType != tt.wantType || file.Size != 5 {
			t.Errorf("format %q: host asked for %q, file %q (%s, %d bytes); want %q, %q (%s, 5 bytes)",
				tt.format, host.format, file.Name, file.ContentType, file.Size, tt.wantHost, tt.wantName, tt.wantType)
		}
		cleanup()
	}
}

func TestWriteFile_RefusesAnUnknownFormatBeforeWriting(t *testing.T) {
	t.Parallel()
	host := &recordingHost{}
	s := &Service{Host: host, TempDir: t.TempDir()}
	_, _, err := s.writeFile(context.Background(), &Schedule{ID: "s1", Format: "pdf"}, &runs.Run{ID: "r1", ReportID: "kpis.service_level"})
	if !errors.Is(err, export.ErrUnknownFormat) || host.format != "" {
		t.Errorf("writeFile(pdf): %v, host asked for %q; want ErrUnknownFormat and no write", err, host.format)
	}
}
