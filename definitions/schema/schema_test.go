package schema

import (
	"strings"
	"testing"
)

func TestStatements_OnePerCreateInFileOrder(t *testing.T) {
	stmts := Statements()
	if len(stmts) == 0 || !strings.Contains(stmts[0], "CREATE DATABASE IF NOT EXISTS wh") {
		t.Fatalf("first statement should create the database, got %q", stmts)
	}
	creates := strings.Count(SQL, "CREATE ")
	if len(stmts) != creates {
		t.Fatalf("got %d statements, file has %d CREATE", len(stmts), creates)
	}
	for _, s := range stmts[1:] {
		// A table, or the materialized view that keeps the KPI rollup current.
		if !strings.Contains(s, "CREATE TABLE IF NOT EXISTS wh.") && !strings.Contains(s, "CREATE MATERIALIZED VIEW IF NOT EXISTS wh.") {
			t.Errorf("statement is not a wh table or view: %.80q", s)
		}
		if strings.HasSuffix(s, ";") {
			t.Errorf("statement keeps its ';': %.80q", s)
		}
	}
}

func TestSplit_KeepsCommentsInsideAndDropsTrailingComments(t *testing.T) {
	got := split("-- head\nSELECT 1; \n-- about two;\nSELECT 2 -- x\n;\n-- tail\n")
	want := []string{"-- head\nSELECT 1", "-- about two;\nSELECT 2 -- x"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statement %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestRollupInsert_IsTheViewsSelectOverTheGivenCalls(t *testing.T) {
	sel := RollupSelect()
	if !strings.HasPrefix(sel, "WITH ") || !strings.Contains(sel, "FROM wh.calls\n") || !strings.HasSuffix(sel, "GROUP BY tenant_id, wallet_id, queue_id, bucket") {
		t.Fatalf("RollupSelect = %q", sel)
	}
	got := RollupInsert("tenant_id = 7")
	if !strings.HasPrefix(got, "INSERT INTO wh.calls_15m\nWITH ") || !strings.Contains(got, "FROM (SELECT * FROM wh.calls WHERE tenant_id = 7)\n") || strings.Contains(got, "FROM wh.calls\n") {
		t.Errorf("RollupInsert = %q", got)
	}
	found := false
	for _, tb := range Tables() {
		found = found || tb == "calls_15m"
	}
	if !found {
		t.Errorf("Tables() = %v lacks calls_15m: the tenant scope must cover the rollup", Tables())
	}
}
