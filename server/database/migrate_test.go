package database_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/relato/relato/server/database"
	"github.com/relato/relato/server/runs/runstest"
)

// dialects returns a fresh-database maker per dialect; PostgreSQL starts once for
// the calling test.
func dialects(t *testing.T) map[string]func(t *testing.T) string {
	var (
		once sync.Once
		pg   *runstest.Postgres
	)
	return map[string]func(t *testing.T) string{
		database.SQLite: func(t *testing.T) string { return runstest.NewSQLite(t) },
		database.Postgres: func(st *testing.T) string {
			once.Do(func() { pg = runstest.StartPostgres(t) })
			return pg.NewDatabase(st)
		},
	}
}

// set builds a migration set with the same files for both dialects.
func set(name, table string, files map[string]string) database.MigrationSet {
	fsys := fstest.MapFS{}
	for file, body := range files {
		for _, d := range []string{database.SQLite, database.Postgres} {
			fsys[d+"/"+file] = &fstest.MapFile{Data: []byte(body)}
		}
	}
	return database.MigrationSet{Name: name, Table: table, Files: fsys}
}

func count(t *testing.T, db *database.DB, query string) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func tableExists(t *testing.T, db *database.DB, table string) bool {
	t.Helper()
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '` + table + `'`
	if db.Dialect() == database.Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '` + table + `'`
	}
	return count(t, db, q) == 1
}

func TestApply_AFailingStepLeavesNeitherItsChangesNorItsRecord(t *testing.T) {
	for name, newDSN := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, newDSN(t))
			broken := set("widgets", "widgets_migrations", map[string]string{
				"0001_widgets.sql": "CREATE TABLE widgets (id INTEGER PRIMARY KEY);",
				"0002_parts.sql":   "CREATE TABLE parts (id INTEGER PRIMARY KEY); INSERT INTO no_such_table VALUES (1);",
			})
			err := db.Migrate(ctx, broken)
			if err == nil || !strings.Contains(err.Error(), "migrate widgets "+name+" 0002_parts") {
				t.Fatalf("migrate with a broken step: %v", err)
			}
			if !tableExists(t, db, "widgets") || tableExists(t, db, "parts") {
				t.Errorf("after the failure: widgets %v (want true), parts %v (want false)", tableExists(t, db, "widgets"), tableExists(t, db, "parts"))
			}
			if n := count(t, db, "SELECT COUNT(*) FROM widgets_migrations"); n != 1 {
				t.Errorf("%d versions recorded, want 1 (0001 only)", n)
			}
			fixed := set("widgets", "widgets_migrations", map[string]string{
				"0001_widgets.sql": "CREATE TABLE widgets (id INTEGER PRIMARY KEY);",
				"0002_parts.sql":   "CREATE TABLE parts (id INTEGER PRIMARY KEY);",
			})
			for range 2 { // the second run has nothing to do
				if err := db.Migrate(ctx, fixed); err != nil {
					t.Fatal(err)
				}
			}
			if !tableExists(t, db, "parts") {
				t.Error("parts missing after the fixed step")
			}
			if n := count(t, db, "SELECT COUNT(*) FROM widgets_migrations WHERE (version = 1 AND name = 'widgets') OR (version = 2 AND name = 'parts')"); n != 2 {
				t.Errorf("%d of the 2 expected records", n)
			}
		})
	}
}

func TestApply_SetsKeepTheirOwnVersionTables(t *testing.T) {
	ctx := context.Background()
	db := open(t, runstest.NewSQLite(t))
	a := set("a", "a_migrations", map[string]string{"0001_a.sql": "CREATE TABLE a (x INTEGER);"})
	b := set("b", "b_migrations", map[string]string{"0001_b.sql": "CREATE TABLE b (x INTEGER);"})
	if err := db.Migrate(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t, db, "a") || !tableExists(t, db, "b") {
		t.Error("both sets' version 1 should have run")
	}
	if _, err := db.Writer().Exec(`INSERT INTO b_migrations VALUES (7, 'from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	err := db.Migrate(ctx, a, b)
	if err == nil || !strings.Contains(err.Error(), "migrate b: database schema is at version 7, newer than this binary's 1") {
		t.Errorf("migrate over a newer b: %v", err)
	}
	if err := db.Migrate(ctx, a); err != nil {
		t.Errorf("a is unaffected by b's version: %v", err)
	}
}

func TestApply_RefusesBadSets(t *testing.T) {
	ctx := context.Background()
	db := open(t, runstest.NewSQLite(t))
	for _, c := range []struct {
		name string
		set  database.MigrationSet
		want string
	}{
		{"misnamed file", set("x", "x_migrations", map[string]string{"add_x.sql": "SELECT 1;"}), "name must be NNNN_name.sql"},
		{"version zero", set("x", "x_migrations", map[string]string{"0000_x.sql": "SELECT 1;"}), "name must be NNNN_name.sql"},
		{"version twice", set("x", "x_migrations", map[string]string{"0001_x.sql": "SELECT 1;", "01_y.sql": "SELECT 1;"}), "version 1 already used"},
		{"table name", set("x", "x; DROP TABLE y", map[string]string{"0001_x.sql": "SELECT 1;"}), "want lower-case letters"},
		{"no folder for the dialect", database.MigrationSet{Name: "x", Table: "x_migrations", Files: fstest.MapFS{}}, `x migrations for "sqlite"`},
	} {
		if err := db.Migrate(ctx, c.set); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
	if err := database.Apply(ctx, db.Writer(), "oracle"); err == nil {
		t.Error("unknown dialect accepted")
	}
}

// Several instances starting at once on one database: each migrates or waits for
// the one that does; the step runs once. The step sleeps inside its transaction and
// cannot run twice (CREATE TABLE without IF NOT EXISTS), so without the lock
// (PostgreSQL) or the IMMEDIATE writer (SQLite) a second instance would fail.
func TestApply_ConcurrentInstancesMigrateOnce(t *testing.T) {
	sleep := map[string]string{
		database.Postgres: "SELECT pg_sleep(0.3);",
		database.SQLite:   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT COUNT(*) FROM n;",
	}
	for name, newDSN := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			once := set("once", "once_migrations", map[string]string{
				"0001_once.sql": "CREATE TABLE once_only (x INTEGER); " + sleep[name] + " INSERT INTO once_only VALUES (1);",
			})
			const instances = 4
			errs := make(chan error, instances)
			var start sync.WaitGroup
			start.Add(1)
			for range instances {
				go func() {
					db, err := database.Open(context.Background(), dsn)
					if err != nil {
						errs <- err
						return
					}
					defer db.Close()
					start.Wait()
					errs <- db.Migrate(context.Background(), once)
				}()
			}
			start.Done()
			for range instances {
				if err := <-errs; err != nil {
					t.Errorf("instance: %v", err)
				}
			}
			db := open(t, dsn)
			if n := count(t, db, "SELECT COUNT(*) FROM once_only"); n != 1 {
				t.Errorf("the step ran %d times, want 1", n)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM once_migrations"); n != 1 {
				t.Errorf("%d records, want 1", n)
			}
		})
	}
}
