package export_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

// sampleFields and sampleRows are one small result every format writes: a
// text with a comma, a percent to round and a date.
var sampleFields = []writer.Field{
	{Name: "agent", Label: "Agente", Kind: writer.KindString},
	{Name: "sl", Label: "NS %", Kind: writer.KindPercent, Decimals: 1},
	{Name: "day", Label: "Dia", Kind: writer.KindDate},
}

func sampleRows() *writertest.Rows {
	return writertest.New([]string{"agent", "sl", "day"}, []any{"Ana, Souza", "77.75", "2024-03-01"})
}

// writeSample writes the sample through f's writer and checks its stats.
func writeSample(t *testing.T, f export.Format, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var progressed int64
	st, err := f.Write(context.Background(), &buf, sampleFields, sampleRows(), lang, func(n int64) { progressed = n })
	if err != nil {
		t.Fatalf("%s: Write: %v", f.ID, err)
	}
	if st.Rows != 1 || st.Bytes != int64(buf.Len()) || progressed != 1 {
		t.Errorf("%s: stats %+v, progress %d; want 1 row, %d bytes, progress 1", f.ID, st, progressed, buf.Len())
	}
	return buf.Bytes()
}

// checkMetadata compares what a person and a client see of f.
func checkMetadata(t *testing.T, id, ext, contentType, labelPT, labelEN string, aliases ...string) {
	t.Helper()
	f, ok := export.Lookup(id)
	if !ok {
		t.Fatalf("%s is not registered", id)
	}
	if f.ID != id || f.Extension != ext || f.ContentType != contentType {
		t.Errorf("%s: id %q, extension %q, content type %q; want %q, %q", id, f.ID, f.Extension, f.ContentType, ext, contentType)
	}
	if f.Label("pt-BR") != labelPT || f.Label("en") != labelEN {
		t.Errorf("%s: labels %q / %q, want %q / %q", id, f.Label("pt-BR"), f.Label("en"), labelPT, labelEN)
	}
	for _, a := range aliases {
		if g, ok := export.Lookup(a); !ok || g.ID != id {
			t.Errorf("alias %q names %q, want %q", a, g.ID, id)
		}
	}
}
