package writer_test

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/relato/relato/engine/writer"
	"github.com/relato/relato/engine/writer/writertest"
)

const benchRows = 1_000_000

// benchSource is 1M rows of int, string, datetime, number and percent.
func benchSource() (*writertest.Generated, []writer.Field) {
	fields := []writer.Field{
		{Name: "id", Label: "ID", Kind: writer.KindInt, Decimals: -1},
		{Name: "queue", Label: "Fila", Kind: writer.KindString, Decimals: -1},
		{Name: "at", Label: "Entrada", Kind: writer.KindDatetime, Decimals: -1},
		{Name: "wait", Label: "Espera média", Kind: writer.KindNumber, Decimals: 2},
		{Name: "sl", Label: "NS (%)", Kind: writer.KindPercent, Decimals: -1},
	}
	queues := []string{"Vendas", "Suporte N2", "Cobrança; atraso", "Retenção"}
	rows := writertest.Generate([]string{"id", "queue", "at", "wait", "sl"}, benchRows, func(i int64, v [][]byte) {
		v[0] = strconv.AppendInt(v[0][:0], 1_000_000_000+i, 10)
		v[1] = append(v[1][:0], queues[i%4]...)
		v[2] = append(v[2][:0], "2024-01-31 13:45:"...)
		v[2] = append(v[2], byte('0'+i%6), byte('0'+i%10))
		v[3] = strconv.AppendInt(v[3][:0], i%10000, 10)
		v[3] = append(v[3], ".675"...)
		v[4] = append(v[4][:0], "77.7777777777778"...)
	})
	return rows, fields
}

// countingDiscard counts bytes and drops them.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingDiscard)(nil)

func BenchmarkWriteCSV(b *testing.B) {
	for _, d := range []writer.Dialect{writer.RFC4180, writer.PtBRExcel} {
		b.Run(d.String(), func(b *testing.B) {
			b.ReportAllocs()
			var bytes, rows int64
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				src, fields := benchSource()
				w := &countingDiscard{}
				st, err := writer.WriteCSV(context.Background(), w, fields, src, d, nil)
				if err != nil {
					b.Fatal(err)
				}
				bytes += st.Bytes
				rows += st.Rows
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(rows)/secs, "rows/s")
			b.ReportMetric(float64(bytes)/secs/1e6, "MB/s")
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
		})
	}
}

// BenchmarkWriteCSV_ZonedInstants is BenchmarkWriteCSV's pt-BR file with the
// date-times arriving as UTC instants shown in São Paulo (zone.go).
func BenchmarkWriteCSV_ZonedInstants(b *testing.B) {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		_, fields := benchSource()
		src := writertest.Generate([]string{"id", "queue", "at", "wait", "sl"}, benchRows, func(i int64, v [][]byte) {
			v[0] = strconv.AppendInt(v[0][:0], 1_000_000_000+i, 10)
			v[1] = append(v[1][:0], "Vendas"...)
			v[2] = append(v[2][:0], "2024-01-31T13:45:"...)
			v[2] = append(v[2], byte('0'+i%6), byte('0'+i%10), 'Z')
			v[3] = strconv.AppendInt(v[3][:0], i%10000, 10)
			v[4] = append(v[4][:0], "77.7777777777778"...)
		})
		st, err := writer.WriteCSV(context.Background(), &countingDiscard{}, fields, writer.InZone(src, sp), writer.PtBRExcel, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows += st.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
