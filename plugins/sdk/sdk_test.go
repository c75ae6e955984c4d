package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/relato/relato/plugins/sdk"
)

// fakeReport queries the warehouse and echoes what it got and its filters.
type fakeReport struct{}

const fakeDef = "id: test.fake\nversion: 1\n"

func (fakeReport) Definition(context.Context) (string, error) { return fakeDef, nil }

func (fakeReport) Run(ctx context.Context, req *sdk.Request, out sdk.Output) error {
	mode, _ := req.Filters.String("mode")
	switch mode {
	case "panic":
		panic("kaboom")
	case "fail":
		return errors.New("no data for this period")
	case "filters":
		from, to, err := req.Filters.Period("period")
		if err != nil {
			return err
		}
		n, _ := req.Filters.Int("n")
		d, _ := req.Filters.Duration("wait")
		ids, _ := req.Filters.Ints("ids")
		return out.Write(ctx, from, to, n, d, len(ids), req.Location.String(), sdk.Date{Time: from}, nil, 2.5, true)
	}
	rows, err := req.Warehouse.Query(ctx, "SELECT name, note FROM wh.users WHERE name = {name:String}", map[string]any{"name": "a\\b\nc", "from": time.Date(2024, 3, 1, 3, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r := rows.Row()
		if err := out.Write(ctx, r[0], r[1], strings.Join(rows.Columns(), ",")); err != nil {
			return err
		}
	}
	if rows.Err() != nil {
		return rows.Err()
	}
	return out.Write(ctx, "truncated", rows.Truncated(), nil)
}

// fakeQueries is the host side: it records the query and returns rows.
type fakeQueries struct {
	sql    string
	params map[string]string
	rows   int
	err    error
}

func (f *fakeQueries) Query(_ context.Context, sql string, params map[string]string) (sdk.ResultRows, error) {
	f.sql, f.params = sql, params
	if f.err != nil {
		return nil, f.err
	}
	return &memRows{n: f.rows}, nil
}

type memRows struct{ i, n int }

func (m *memRows) Columns() []string { return []string{"name", "note"} }
func (m *memRows) Next() bool        { m.i++; return m.i <= m.n }
func (m *memRows) Values() [][]byte  { return [][]byte{[]byte("user"), nil} }
func (m *memRows) IsNull(i int) bool { return i == 1 }
func (m *memRows) Truncated() bool   { return m.n > 1000 }
func (m *memRows) Err() error        { return nil }
func (m *memRows) Close() error      { return nil }

func setup(t *testing.T) *sdk.ReportClient {
	t.Helper()
	client, server := goplugin.TestPluginGRPCConn(t, false, map[string]goplugin.Plugin{sdk.PluginName: &sdk.ReportPlugin{Impl: fakeReport{}}})
	t.Cleanup(func() { client.Close(); server.Stop() })
	raw, err := client.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(*sdk.ReportClient)
}

func collect(t *testing.T, rc *sdk.ReportClient, filters map[string]string, qs sdk.QueryService) ([][]*string, error) {
	t.Helper()
	f := sdk.Filters{}
	for k, v := range filters {
		f[k] = json.RawMessage(v)
	}
	stream, err := rc.Run(context.Background(), sdk.RunRequest{Filters: f, TimeZone: "America/Sao_Paulo"}, qs)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var all [][]*string
	for {
		batch, err := stream.Recv()
		if err == io.EOF {
			return all, nil
		}
		if err != nil {
			return all, err
		}
		all = append(all, batch...)
	}
}

func texts(row []*string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		if v == nil {
			out[i] = "NULL"
		} else {
			out[i] = *v
		}
	}
	return out
}

func TestSDK_DescribeReturnsThePluginsDefinition(t *testing.T) {
	rc := setup(t)
	def, err := rc.Describe(context.Background())
	if err != nil || def != fakeDef {
		t.Fatalf("Describe = %q, %v", def, err)
	}
}

func TestSDK_QueriesReachTheHostAndRowsStreamBack(t *testing.T) {
	rc := setup(t)
	qs := &fakeQueries{rows: 1201} // three chunks of 500 on the way in and out
	rows, err := collect(t, rc, map[string]string{"mode": `"query"`}, qs)
	if err != nil {
		t.Fatal(err)
	}
	if qs.sql != "SELECT name, note FROM wh.users WHERE name = {name:String}" {
		t.Errorf("host got SQL %q", qs.sql)
	}
	// String parameters arrive in ClickHouse's escaped text form; times in UTC.
	if qs.params["name"] != `a\\b\nc` || qs.params["from"] != "2024-03-01 03:00:00" {
		t.Errorf("host got params %q", qs.params)
	}
	if len(rows) != 1202 {
		t.Fatalf("got %d rows, want 1201 + the truncation row", len(rows))
	}
	if got := strings.Join(texts(rows[0]), "|"); got != "user|NULL|name,note" {
		t.Errorf("row 1 = %s", got)
	}
	if got := strings.Join(texts(rows[1201]), "|"); got != "truncated|true|NULL" {
		t.Errorf("last row = %s", got)
	}
}

func TestSDK_FiltersAndValuesKeepTheirMeaning(t *testing.T) {
	rc := setup(t)
	rows, err := collect(t, rc, map[string]string{
		"mode":   `"filters"`,
		"period": `{"from":"2024-03-01T00:00:00-03:00","to":"2024-03-02T00:00:00-03:00"}`,
		"n":      `42`, "wait": `20`, "ids": `[1,2,3]`,
	}, &fakeQueries{})
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-03-01 00:00:00|2024-03-02 00:00:00|42|20|3|America/Sao_Paulo|2024-03-01|NULL|2.5|true"
	if got := strings.Join(texts(rows[0]), "|"); got != want {
		t.Errorf("row = %s\nwant  %s", got, want)
	}
}

func TestSDK_ErrorsFailTheRunWithTheirMessage(t *testing.T) {
	rc := setup(t)
	for _, tc := range []struct {
		name, mode string
		qs         *fakeQueries
		want       string
	}{
		{"a plugin error", `"fail"`, &fakeQueries{}, "no data for this period"},
		{"a panic is recovered", `"panic"`, &fakeQueries{}, "report panicked: kaboom"},
		{"a refused query", `"query"`, &fakeQueries{err: errors.New("query refused: table \"system.tables\"")}, `warehouse query: query refused: table "system.tables"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := collect(t, rc, map[string]string{"mode": tc.mode}, tc.qs)
			if _, msg := sdk.ErrorMessage(err); msg != tc.want {
				t.Errorf("error = %v, want message %q", err, tc.want)
			}
		})
	}
	// The server still answers after a panic.
	if _, err := rc.Describe(context.Background()); err != nil {
		t.Fatalf("after the panic: %v", err)
	}
}

func TestFormatParam(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"it's\\", `it's\\`},
		{[]string{"a'b", "c"}, `['a\'b','c']`},
		{[]int64{1, 2}, "[1,2]"},
		{int32(-7), "-7"},
		{uint64(7), "7"},
		{0.25, "0.25"},
		{true, "true"},
		{20 * time.Second, "20"},
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.FixedZone("x", -3*3600)), "2024-03-01 03:00:00"},
	} {
		got, err := sdk.FormatParam(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("FormatParam(%#v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := sdk.FormatParam(struct{}{}); err == nil {
		t.Error("FormatParam(struct{}{}) = nil error")
	}
}
