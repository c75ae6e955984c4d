package migrations_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/relato/relato/server/runs/migrations"
)

func TestList_BothDialectsHaveTheSameVersions(t *testing.T) {
	lite, err := migrations.List(migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations.List(migrations.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("step %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestApply_IsIdempotentAndRefusesANewerDatabase(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 2 {
		if err := migrations.Apply(ctx, db, migrations.SQLite); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	steps, _ := migrations.List(migrations.SQLite)
	if n != len(steps) {
		t.Errorf("%d rows in schema_migrations after two Applies, want %d", n, len(steps))
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (9999, 'from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Apply(ctx, db, migrations.SQLite); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Errorf("apply over a newer schema: %v", err)
	}
	if err := migrations.Apply(ctx, db, "oracle"); err == nil {
		t.Error("unknown dialect accepted")
	}
}
