package snapshot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/relato/relato/definitions"
	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/definitions/seed"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/server/snapshot"
)

// bothWays writes run's snapshot as CSV in dialect d through the writer
// (RowsMasked) and as the warehouse renders it (CSVHeader + RenderedCSV),
// and reports whether the warehouse rendered it.
func bothWays(t *testing.T, st *snapshot.Store, runID, zone string, mask snapshot.Mask, fields []writer.Field, d writer.Dialect) (viaWriter, rendered []byte, ok bool) {
	t.Helper()
	ctx := context.Background()
	rows, err := st.RowsMasked(ctx, runID, zone, mask)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	_, err = writer.WriteCSV(ctx, &w, fields, rows, d, nil)
	rows.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, ok, err := st.RenderedCSV(ctx, runID, zone, mask, fields, d)
	if err != nil || !ok {
		return w.Bytes(), nil, false
	}
	defer r.Close()
	out := bytes.NewBuffer(writer.CSVHeader(fields, d))
	if _, err := io.Copy(out, r); err != nil {
		t.Fatal(err)
	}
	return w.Bytes(), out.Bytes(), true
}

// TestRenderedCSV_IsTheWritersFileForEveryCatalogReport freezes every catalog
// report over the seeded test data and writes each snapshot both ways, in
// São Paulo (a zone whose clock changed until 2019) and UTC, csv and
// csv-exact, with and without the permission to see personal data.
func TestRenderedCSV_IsTheWritersFileForEveryCatalogReport(t *testing.T) {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	if err := b.Exec(ctx, "DROP DATABASE IF EXISTS wh"); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	opt, _ := seed.Scale("test")
	opt.End = end
	if err := seed.Seed(ctx, b, opt); err != nil {
		t.Fatal(err)
	}
	cat, err := engine.LoadCatalog(definitions.FS, ".", "definitions")
	if err != nil {
		t.Fatal(err)
	}
	st := &snapshot.Store{B: b}
	rendered, files := 0, 0
	for i, def := range cat.List() {
		filters := map[string]any{}
		if def.Filter("period") != nil {
			filters["period"] = "2024-02-28..2024-03-19"
		}
		if def.Filter("pipeline") != nil {
			filters["pipeline"] = 1
		}
		sp, _ := time.LoadLocation("America/Sao_Paulo")
		comp, err := engine.Compile(ctx, def, filters, engine.CompileEnv{Tenant: 1, Location: sp, Now: end, Tables: schema.Tables()})
		if err != nil {
			t.Errorf("%s: compile: %v", def.ID, err)
			continue
		}
		runID := fmt.Sprintf("rendered_%d", i)
		if _, err := st.Create(ctx, runID, comp, nil); err != nil {
			t.Fatalf("%s: %v", def.ID, err)
		}
		fields := snapshot.Fields(def, "pt-BR")
		for _, zone := range []string{"America/Sao_Paulo", "UTC"} {
			for _, permitted := range []bool{false, true} {
				for _, d := range []writer.Dialect{writer.RFC4180, writer.RFC4180Exact} {
					f := fields
					if d == writer.RFC4180Exact {
						f = writer.WithoutValueLabels(fields)
					}
					w, r, ok := bothWays(t, st, runID, zone, snapshot.MaskFor(def, permitted), f, d)
					files++
					if !ok {
						continue
					}
					rendered++
					if !bytes.Equal(w, r) {
						t.Errorf("%s in %s (personal data %v, dialect %v): the files differ\nwriter:   %.300q\nrendered: %.300q", def.ID, zone, permitted, d, w, r)
					}
				}
			}
		}
		if err := st.Drop(ctx, runID); err != nil {
			t.Fatal(err)
		}
	}
	// Reports with only plain columns are rendered; labelled codes, places
	// and durations keep the writer. Most files of the catalog are the first.
	t.Logf("%d of %d files rendered by the warehouse", rendered, files)
	if rendered < files/4 {
		t.Errorf("only %d of %d files were rendered by the warehouse", rendered, files)
	}
}

// TestRenderedCSV_MasksPersonalColumnsLikeTheWriter compares both ways over
// the personal-data snapshot, where masking rewrites phones, e-mails,
// documents and names.
func TestRenderedCSV_MasksPersonalColumnsLikeTheWriter(t *testing.T) {
	runID := "people_rendered"
	st, d := personalSnapshot(t, runID)
	fields := snapshot.Fields(d, "pt-BR")
	for _, permitted := range []bool{false, true} {
		w, r, ok := bothWays(t, st, runID, "UTC", snapshot.MaskFor(d, permitted), fields, writer.RFC4180)
		if !ok {
			t.Fatalf("permission %v: the warehouse did not render the file", permitted)
		}
		if !bytes.Equal(w, r) {
			t.Errorf("permission %v: the files differ\nwriter:   %q\nrendered: %q", permitted, w, r)
		}
	}
	if _, _, err := st.RenderedCSV(context.Background(), "gone_run", "UTC", nil, fields, writer.RFC4180); err != snapshot.ErrNotFound {
		t.Errorf("a missing snapshot gave %v, want ErrNotFound", err)
	}
}
