package snapshot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relato/relato/definitions/schema"
	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/enginetest"
	"github.com/relato/relato/server/snapshot"
)

const listing = `id: test.calls
version: 1
title: {pt-BR: Chamadas}
category: test
filters:
  - {name: period, type: period, required: true}
limits: {max_rows: %d, timeout: 1m}
query: |
  SELECT call_id, caller, entered_queue_at, wait_ms / 1000 AS wait
  FROM wh.calls
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
  ORDER BY wait_ms DESC, call_id
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
  - {name: caller, type: string, label: {pt-BR: Origem}}
  - {name: entered_queue_at, type: datetime, label: {pt-BR: Entrada}}
  - {name: wait, type: number, label: {pt-BR: Espera}}
`

type bundle struct {
	b     engine.Backend
	store *snapshot.Store
	env   engine.CompileEnv
}

// setup loads 300,000 calls for tenant 1 (waits in a scrambled order, so the
// report's ORDER BY really reorders) and 10 marker calls of tenant 2.
func setup(t testing.TB) bundle {
	b := enginetest.ChDB(t)
	ctx := context.Background()
	r := engine.FixtureRunner{Backend: b, Warehouse: engine.Warehouse{Statements: schema.Statements(), Tables: schema.Tables()}}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"TRUNCATE TABLE wh.calls",
		`INSERT INTO wh.calls (tenant_id, call_id, caller, entered_queue_at, wait_ms)
		 SELECT 1, number, if(number % 1000 = 7, 'Maria Needle', concat('+5511', toString(number))),
		        toDateTime('2024-03-01 12:00:00', 'UTC') + number % 3600, cityHash64(number) % 600000
		 FROM numbers(300000)`,
		`INSERT INTO wh.calls (tenant_id, call_id, caller, entered_queue_at, wait_ms)
		 SELECT 2, 1000000 + number, 'TENANT2MARK', toDateTime('2024-03-01 12:00:00', 'UTC'), 1 FROM numbers(10)`,
	} {
		if err := b.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return bundle{b: b, store: &snapshot.Store{B: b}, env: engine.CompileEnv{Tenant: 1, Location: time.UTC, Now: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), Tables: schema.Tables()}}
}

func compile(t testing.TB, bu bundle, maxRows int) *engine.Compiled {
	d, ps := engine.ParseDefinition("test/calls.yaml", []byte(fmt.Sprintf(listing, maxRows)))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	c, err := engine.Compile(context.Background(), d, map[string]any{"period": "2024-03-01..2024-03-01"}, bu.env)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSnapshot_FreezesTheResultInOrderWithItsRowsChecksum(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	comp := compile(t, bu, 1000000)
	info, err := bu.store.Create(ctx, "run1", comp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != 300000 || info.Truncated {
		t.Fatalf("info %+v", info)
	}
	// The same result frozen again has the same checksum; its stored size is
	// some positive number of bytes.
	again, err := bu.store.Create(ctx, "run1again", comp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rows-cityhash64-xor:[0-9a-f]{16}$`).MatchString(info.Checksum) || again.Checksum != info.Checksum || info.Bytes <= 0 {
		t.Fatalf("checksum %q then %q, %d bytes", info.Checksum, again.Checksum, info.Bytes)
	}
	// New data does not change the frozen result.
	if err := bu.b.Exec(ctx, "INSERT INTO wh.calls (tenant_id, call_id, entered_queue_at, wait_ms) VALUES (1, 99999999, '2024-03-01 12:00:00', 999999999)"); err != nil {
		t.Fatal(err)
	}
	rows, err := bu.store.Rows(ctx, "run1", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	prevWait, n := 1e18, 0
	for rows.Next() {
		w, _ := strconv.ParseFloat(string(rows.Values()[3]), 64)
		if w > prevWait {
			t.Fatalf("row %d out of the report's order: wait %v after %v", n+1, w, prevWait)
		}
		if string(rows.Values()[0]) == "99999999" {
			t.Fatal("a row inserted after generation appears in the snapshot")
		}
		prevWait = w
		n++
	}
	if n != 300000 {
		t.Fatalf("%d rows", n)
	}
}

func TestSnapshot_CutsAtMaxRowsAndSaysSo(t *testing.T) {
	bu := setup(t)
	for _, tc := range []struct {
		max       int
		truncated bool
		rows      int64
	}{{300000, false, 300000}, {299999, true, 299999}, {10, true, 10}} {
		info, err := bu.store.Create(context.Background(), "cap"+strconv.Itoa(tc.max), compile(t, bu, tc.max), nil)
		if err != nil {
			t.Fatal(err)
		}
		if info.Rows != tc.rows || info.Truncated != tc.truncated {
			t.Fatalf("max %d: %+v", tc.max, info)
		}
	}
}

func TestSnapshot_ViewPagesSortsAndSearchesServerSide(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	comp := compile(t, bu, 1000000)
	if _, err := bu.store.Create(ctx, "view1", comp, nil); err != nil {
		t.Fatal(err)
	}
	page, err := bu.store.View(ctx, "view1", comp.Def, snapshot.PageRequest{Offset: 0, Limit: 5, Sort: "call_id", Search: "needle", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	// callers "Maria Needle" are the calls with number % 1000 = 7: 300 of them.
	if page.Total != 300 || len(page.Rows) != 5 || *page.Rows[0][0] != "7" || *page.Rows[4][0] != "4007" {
		t.Fatalf("total %d, first rows %v", page.Total, page.Rows)
	}
	page, err = bu.store.View(ctx, "view1", comp.Def, snapshot.PageRequest{Offset: 299998, Limit: 10, Sort: "call_id", Desc: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 300000 || len(page.Rows) != 2 || *page.Rows[1][0] != "0" {
		t.Fatalf("last page: total %d rows %d", page.Total, len(page.Rows))
	}
	if _, err := bu.store.View(ctx, "view1", comp.Def, snapshot.PageRequest{Limit: 5, Sort: "call_id; DROP TABLE x"}); err == nil {
		t.Fatal("an unknown sort column was accepted")
	}
	if _, err := bu.store.View(ctx, "nope", comp.Def, snapshot.PageRequest{Limit: 5}); !errors.Is(err, snapshot.ErrNotFound) {
		t.Fatalf("missing snapshot: %v", err)
	}
	// Another tenant's rows were never in it.
	page, _ = bu.store.View(ctx, "view1", comp.Def, snapshot.PageRequest{Limit: 5, Search: "TENANT2MARK"})
	if page.Total != 0 {
		t.Fatal("tenant 2's rows are in tenant 1's snapshot")
	}
}

func TestSnapshot_AFailedRunLeavesNoTable(t *testing.T) {
	bu := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := bu.store.Create(ctx, "failed1", compile(t, bu, 100), nil); err == nil {
		t.Fatal("a canceled run made a snapshot")
	}
	for _, id := range []string{"failed1", "failed1_part"} {
		if ok, _ := bu.store.Exists(context.Background(), id); ok {
			t.Fatalf("%s exists after a failed run", id)
		}
	}
}

func TestSnapshot_CancelStopsTheQueryPromptly(t *testing.T) {
	bu := setup(t)
	slow := `id: test.slow
version: 1
title: {pt-BR: Lento}
category: test
filters:
  - {name: period, type: period, required: true}
limits: {max_rows: 1000000000, timeout: 10m}
query: |
  SELECT call_id, k FROM wh.calls ARRAY JOIN range(2000) AS k
  WHERE entered_queue_at >= {period.from} AND entered_queue_at < {period.to}
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
  - {name: k, type: int, label: {pt-BR: K}}
`
	d, ps := engine.ParseDefinition("test/slow.yaml", []byte(slow))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	comp, err := engine.Compile(context.Background(), d, map[string]any{"period": "2024-03-01..2024-03-01"}, bu.env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := bu.store.Create(ctx, "slow1", comp, nil); err == nil {
		t.Fatal("a 600M-row snapshot finished in half a second")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cancel took %s", took)
	}
	if ok, _ := bu.store.Exists(context.Background(), "slow1"); ok {
		t.Fatal("a canceled snapshot exists")
	}
	// The warehouse is free again.
	if _, err := bu.store.Create(context.Background(), "after-cancel", compile(t, bu, 10), nil); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshot_AnEmptyResultIsAnEmptySnapshot(t *testing.T) {
	bu := setup(t)
	d, _ := engine.ParseDefinition("test/calls.yaml", []byte(fmt.Sprintf(listing, 100)))
	comp, err := engine.Compile(context.Background(), d, map[string]any{"period": "2020-01-01..2020-01-02"}, bu.env)
	if err != nil {
		t.Fatal(err)
	}
	info, err := bu.store.Create(context.Background(), "empty1", comp, nil)
	if err != nil {
		t.Fatal(err)
	}
	page, err := bu.store.View(context.Background(), "empty1", comp.Def, snapshot.PageRequest{Limit: 10})
	if err != nil || info.Rows != 0 || page.Total != 0 || len(page.Columns) != 4 {
		t.Fatalf("info %+v page %+v err %v", info, page, err)
	}
}

const events = `id: test.events
version: 1
title: {pt-BR: Eventos}
category: test
limits: {max_rows: 1000000, timeout: 1m}
query: |
  SELECT entered_queue_at AS occurred_at, call_id AS event_id,
         ['SAC', 'Vendas', 'Cobrança'][call_id % 3 + 1] AS wallet_name,
         if(call_id % 5 = 0, NULL, 'whatsapp') AS channel,
         if(call_id % 7 = 0, NULL, toDate(entered_queue_at, {tz}) + call_id % 30) AS due,
         call_id * 7 AS conversation_id, (call_id % 997) / 4 AS value
  FROM wh.calls ORDER BY call_id
columns:
  - {name: occurred_at, type: datetime, label: {pt-BR: Hora}}
  - {name: event_id, type: int, label: {pt-BR: Evento}}
  - {name: wallet_name, type: string, label: {pt-BR: Carteira}}
  - {name: channel, type: string, label: {pt-BR: Canal}}
  - {name: due, type: date, label: {pt-BR: Prazo}}
  - {name: conversation_id, type: int, label: {pt-BR: Atendimento}}
  - {name: value, type: number, decimals: 2, label: {pt-BR: Valor}}
`

func TestSnapshot_SortingAnyColumnWithASearchAnswersInOrder(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	d, ps := engine.ParseDefinition("test/events.yaml", []byte(events))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	comp, err := engine.Compile(ctx, d, map[string]any{}, bu.env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bu.store.Create(ctx, "topk", comp, nil); err != nil {
		t.Fatal(err)
	}
	// ClickHouse 26.5's top-K filter, left on, fails these on a table of many
	// granules: "Cannot convert string 'SAC' to type Float64 … __topKFilter".
	for i, c := range d.Columns {
		for _, desc := range []bool{false, true} {
			page, err := bu.store.View(ctx, "topk", comp.Def, snapshot.PageRequest{Limit: 50, Sort: c.Name, Desc: desc, Search: "SAC", TimeZone: "UTC"})
			if err != nil {
				t.Fatalf("sort %s desc=%v: %v", c.Name, desc, err)
			}
			// Wallet SAC is call_id % 3 = 0: 100,000 of 0…299,999 (0, 3, …, 299,997).
			if page.Total != 100000 || len(page.Rows) != 50 {
				t.Fatalf("sort %s desc=%v: total %d, %d rows", c.Name, desc, page.Total, len(page.Rows))
			}
			if c.Name == "value" || c.Name == "due" {
				for r := 1; r < len(page.Rows); r++ {
					a, b := page.Rows[r-1][i], page.Rows[r][i]
					if b == nil {
						continue // NULLs last
					}
					if a == nil {
						t.Fatalf("sort %s desc=%v: a NULL before %s", c.Name, desc, *b)
					}
					x, _ := strconv.ParseFloat(strings.ReplaceAll(*a, "-", ""), 64)
					y, _ := strconv.ParseFloat(strings.ReplaceAll(*b, "-", ""), 64)
					if (!desc && y < x) || (desc && y > x) {
						t.Fatalf("sort %s desc=%v: %s after %s", c.Name, desc, *b, *a)
					}
				}
			}
		}
	}
}

func TestSnapshot_SearchMatchesTheDisplayedDateInTheReadersLanguage(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	comp := compile(t, bu, 1000000)
	if _, err := bu.store.Create(ctx, "shown", comp, nil); err != nil {
		t.Fatal(err)
	}
	// entered_queue_at is 2024-03-01 12:00:00 + (n % 3600) s for n < 300,000:
	// seconds 0–9 happen 10 times in each of 83 whole hours (830) and 10 times
	// in the last 1,200 numbers: 840 rows.
	for _, tc := range []struct {
		lang, search string
		want         int64
	}{
		{"pt-BR", "01/03/2024 12:00:0", 840},
		{"en", "2024-03-01 12:00:0", 840},
		{"pt-BR", "2024-03-01 12:00:0", 0}, // not how a pt-BR page shows it
		{"en", "01/03/2024", 0},
	} {
		page, err := bu.store.View(ctx, "shown", comp.Def, snapshot.PageRequest{Limit: 1, Search: tc.search, Lang: tc.lang, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != tc.want {
			t.Errorf("%s search %q: %d rows, want %d", tc.lang, tc.search, page.Total, tc.want)
		}
	}
}

const notes = `id: test.notes
version: 1
title: {pt-BR: Notas}
category: test
limits: {max_rows: 100, timeout: 1m}
query: |
  SELECT n, s FROM (SELECT arrayJoin([(1, '50% off'), (2, '50 off'), (3, 'a_b'), (4, 'axb'),
    (5, 'C:\\temp'), (6, 'Ctemp'), (7, 'it''s'), (8, 'its')]) AS t, t.1 AS n, t.2 AS s)
  ORDER BY n
columns:
  - {name: n, type: int, label: {pt-BR: N}}
  - {name: s, type: string, label: {pt-BR: Nota}}
`

func TestSnapshot_SearchTakesWildcardsAndEscapesLiterally(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	d, ps := engine.ParseDefinition("test/notes.yaml", []byte(notes))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	comp, err := engine.Compile(ctx, d, map[string]any{}, bu.env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bu.store.Create(ctx, "notes", comp, nil); err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string]string{
		"%":       "1", // not "any text": only the note holding a percent sign
		"50%":     "1",
		"_":       "3", // not "any character"
		"a_b":     "3",
		`\`:       "5",
		`C:\t`:    "5", // a backslash and a t, not a tab
		"'":       "7",
		"IT'S":    "7", // case-insensitive
		`\%`:      "",  // no note holds a backslash before a percent sign
		"%' OR 1": "",
	} {
		page, err := bu.store.View(ctx, "notes", comp.Def, snapshot.PageRequest{Limit: 10, Search: search, Sort: "s", Desc: true})
		if err != nil {
			t.Fatalf("search %q: %v", search, err)
		}
		got := ""
		for _, r := range page.Rows {
			got += *r[0]
		}
		if got != want {
			t.Errorf("search %q found notes %q, want %q", search, got, want)
		}
	}
}

func TestPage_ValuesAreTypedAndRoundedToTheColumnsPlaces(t *testing.T) {
	def := &engine.Definition{Columns: []*engine.ColumnDef{
		{Name: "id", Type: engine.ColInt, Decimals: -1},
		{Name: "rate", Type: engine.ColPercent, Decimals: -1},
		{Name: "value", Type: engine.ColNumber, Decimals: 1},
		{Name: "raw", Type: engine.ColNumber, Decimals: -1},
		{Name: "ok", Type: engine.ColBool, Decimals: -1},
		{Name: "name", Type: engine.ColString, Decimals: -1},
	}}
	str := func(s string) *string { return &s }
	p := snapshot.Page{
		Columns: []engine.Column{{Name: "id"}, {Name: "rate"}, {Name: "value"}, {Name: "raw"}, {Name: "ok"}, {Name: "name"}},
		Rows: [][]*string{
			{str("1000000396689"), str("21.052631578947366"), str("2.25"), str("0.1"), str("true"), str("007")},
			{nil, str("nan"), str("-2.25"), str("1e3"), str("false"), nil},
		},
	}
	got, _ := json.Marshal(p.Values(def))
	// percent keeps 2 places by default (21.05|26…), value 1 place half away
	// from zero (2.25 → 2.3, -2.25 → -2.3), raw as computed, nan is empty.
	want := `[[1000000396689,21.05,2.3,0.1,true,"007"],[null,null,-2.3,1000,false,null]]`
	if string(got) != want {
		t.Fatalf("values\n got %s\nwant %s", got, want)
	}
}
func TestSnapshot_StagingFilesOfAKilledProcessAreRemovedAtStart(t *testing.T) {
	b := enginetest.ChDB(t)
	dir := filepath.Join(b.Path(), "snapshot-staging")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	stale, fresh, other := filepath.Join(dir, "run-stale.native"), filepath.Join(dir, "run-fresh.native"), filepath.Join(dir, "notes.txt")
	for _, f := range []string{stale, fresh, other} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Remove(fresh); os.Remove(other) })
	// Written an hour before this process started: a killed process's.
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	n, err := (&snapshot.Store{B: b}).RemoveStaleStaging()
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("the stale staging file is still there")
	}
	for _, f := range []string{fresh, other} { // a freeze of this process; not a staging file
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s was removed", f)
		}
	}
}

// A process killed after renaming a snapshot into place but before the run
// store recorded the run as finished leaves the final table behind; the run's
// next attempt (after lease recovery) must replace it, not fail on "table
// already exists" (seen once as TestServe_AKilledServerLosesNoAcceptedRun
// ending a run "failed").
func TestSnapshot_ARetriedRunReplacesTheTableOfAnAttemptThatDiedAfterRenaming(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	// The dead attempt's table: one row, where the report gives 10.
	if err := bu.b.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+snapshot.Database); err != nil {
		t.Fatal(err)
	}
	if err := bu.b.Exec(ctx, "CREATE TABLE "+snapshot.Database+".r_retried ("+snapshot.RowColumn+" UInt64) ENGINE = MergeTree ORDER BY "+snapshot.RowColumn+" AS SELECT 1"); err != nil {
		t.Fatal(err)
	}
	info, err := bu.store.Create(ctx, "retried", compile(t, bu, 10), nil)
	if err != nil {
		t.Fatalf("the retry failed: %v", err)
	}
	// compile(…, 10) caps the 300,000-row result at 10 rows and says so.
	if info.Rows != 10 || !info.Truncated {
		t.Fatalf("info %+v, want the retry's own 10 rows, truncated", info)
	}
	rows, err := bu.store.Rows(ctx, "retried", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if n != 10 || len(rows.Columns()) < 2 {
		t.Fatalf("%d rows × %d columns read back: the dead attempt's table was kept", n, len(rows.Columns()))
	}
}

const pair = `id: test.pair
version: 1
title: {pt-BR: Par}
category: test
limits: {max_rows: %d, timeout: 1m}
query: |
  SELECT call_id, caller FROM wh.calls WHERE call_id IN (5, 6) ORDER BY call_id %s
columns:
  - {name: call_id, type: int, label: {pt-BR: Chamada}}
  - {name: caller, type: string, label: {pt-BR: Origem}}
`

// TestSnapshot_TheChecksumIsTheXorOfEachRowsHashWithItsPlace works the
// canonical form (snapshot.ChecksumSQL) out row by row: each row's cityHash64
// is asked of ClickHouse for the literal tuple (place, call_id, caller) typed
// as stored, and the XOR is done here.
func TestSnapshot_TheChecksumIsTheXorOfEachRowsHashWithItsPlace(t *testing.T) {
	bu := setup(t)
	ctx := context.Background()
	hash := func(tuple string) uint64 {
		rows, err := bu.b.Query(ctx, engine.Query{SQL: "SELECT cityHash64(tuple(" + tuple + "))"})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		rows.Next()
		v, err := strconv.ParseUint(string(rows.Values()[0]), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// setup: call 5's caller is '+55115', call 6's '+55116'; caller is
	// Nullable(String) in wh.calls, call_id UInt64.
	var types []string
	cols, _ := bu.b.Query(ctx, engine.Query{SQL: "SELECT call_id, caller FROM wh.calls LIMIT 0"})
	for _, c := range cols.Columns() {
		types = append(types, c.Type)
	}
	cols.Close()
	row := func(place int, id int, caller string) string {
		return fmt.Sprintf("toUInt64(%d), CAST(%d AS %s), CAST('%s' AS %s)", place, id, types[0], caller, types[1])
	}
	for _, tc := range []struct {
		order string
		max   int
		want  uint64
	}{
		{"", 10, hash(row(1, 5, "+55115")) ^ hash(row(2, 6, "+55116"))},
		{"DESC", 10, hash(row(1, 6, "+55116")) ^ hash(row(2, 5, "+55115"))},
		{"DESC", 1, hash(row(1, 6, "+55116"))}, // cut at max_rows 1
	} {
		d, ps := engine.ParseDefinition("test/pair.yaml", []byte(fmt.Sprintf(pair, tc.max, tc.order)))
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		comp, err := engine.Compile(ctx, d, nil, bu.env)
		if err != nil {
			t.Fatal(err)
		}
		info, err := bu.store.Create(ctx, fmt.Sprintf("pair%s%d", tc.order, tc.max), comp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("rows-cityhash64-xor:%016x", tc.want); info.Checksum != want {
			t.Errorf("order %q max %d: checksum %s, worked out %s", tc.order, tc.max, info.Checksum, want)
		}
	}
}
