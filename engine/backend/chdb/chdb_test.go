package chdb_test

import (
	"context"
	"os"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/backend/chdb"
)

func TestSmoke(t *testing.T) {
	b, err := chdb.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS wh",
		"CREATE TABLE wh.t (tenant_id UInt32, name String, at DateTime) ENGINE = MergeTree ORDER BY tenant_id",
		"INSERT INTO wh.t VALUES (1, 'a\tb\\\\c', '2024-01-01 00:00:00'), (2, 'MARKER', '2024-01-01 00:00:00'), (1, 'x''y', '2024-01-02 00:00:00')",
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(s, err)
		}
	}
	rows, err := b.Query(ctx, engine.Query{
		SQL:          "SELECT name, at, {p:String} AS p, NULL AS n FROM wh.t WHERE name != {p:String} ORDER BY at",
		Params:       map[string]string{"p": "it's \\ me"},
		TableFilters: map[string]string{"wh.t": "tenant_id = 1"},
		TimeZone:     "America/Sao_Paulo",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rows.Columns())
	for rows.Next() {
		v := rows.Values()
		t.Logf("%q %q %q %v", v[0], v[1], v[2], rows.IsNull(3))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	out, err := b.QueryText(ctx, "SELECT count() FROM wh.t", "CSV")
	t.Log(string(out), err, os.Getenv("CHDB_LIB_PATH"))
}
