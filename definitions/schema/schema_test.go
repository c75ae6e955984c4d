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
		if !strings.Contains(s, "CREATE TABLE IF NOT EXISTS wh.") {
			t.Errorf("statement is not a wh table: %.80q", s)
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
