//go:build scale

package scaletest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/relato/relato/server/runs/runstest"
	"github.com/relato/relato/server/snapshot"
)

var (
	bin       string // folder of the built relato and warehoused binaries
	warehouse string // a chDB warehouse seeded for 5 tenants
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relato-scale-test-")
	if err != nil {
		panic(err)
	}
	bin = dir
	for pkg, name := range map[string]string{"github.com/relato/relato": "relato", "github.com/relato/relato/engine/enginetest/chhttp/warehoused": "warehoused"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			panic(err)
		}
	}
	warehouse = filepath.Join(dir, "warehouse")
	// Five tenants, a few hundred calls each: the runs must be cheap, the
	// test is about the control plane.
	if out, err := exec.Command(filepath.Join(dir, "relato"), "seed", "--data", warehouse, "--scale", "test", "--tenants", "5", "--calls", "300").CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" || !bytes.Contains(out, []byte("libchdb.so not found")) {
			panic("seed: " + string(out))
		}
		warehouse = "" // no embedded warehouse here: the test skips
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startWarehoused serves the seeded warehouse over ClickHouse's HTTP
// interface, journaling every DDL statement to journal.
func startWarehoused(t *testing.T, journal string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "warehoused"), "--data", warehouse, "--addr", "127.0.0.1:0", "--journal", journal)
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "listening on ") {
		t.Fatalf("warehoused did not start: %q", sc.Text())
	}
	go io.Copy(io.Discard, out)
	return strings.TrimPrefix(sc.Text(), "listening on ")
}

type instance struct {
	name string
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

// startServe starts one `relato serve` and waits until /healthz answers.
func startServe(t *testing.T, name string, args ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "relato"), append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, cmd: cmd, url: "http://" + addr, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(in.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				var errs []string
				for _, l := range strings.Split(string(b), "\n") {
					if strings.Contains(l, "level=ERROR") && len(errs) < 3 {
						errs = append(errs, l)
					}
				}
				t.Logf("%s log, first errors:\n%s\ntail:\n%s", name, strings.Join(errs, "\n"), tail(string(b), 3000))
			}
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(in.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		select {
		case <-in.done:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s exited at start:\n%s", name, tail(string(b), 3000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz in 60s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// call sends a JSON request with token; it returns 0 when the instance is
// unreachable (killed).
func (in *instance) call(method, path, token string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, in.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// relatoCLI runs the relato binary and returns its stdout.
func relatoCLI(t *testing.T, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(bin, "relato"), args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("relato %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// journalEntry is what the warehouse did for one run, on its one clock: when
// each request to write the run's snapshot (CREATE of r_<id>_part) arrived,
// and when each commit of it (RENAME to r_<id>) completed. The instances'
// own timestamps (started_at, finished_at) are taken before their
// statements run, so they cannot order two runs to the millisecond; these
// can: the next run of a wallet is claimed only after the previous one's
// finish, which follows its RENAME's answer.
type journalEntry struct {
	creates []int64
	commits []int64
}

var (
	createPart = regexp.MustCompile("^CREATE TABLE results\\.`r_([A-Za-z0-9_-]+)_part` ")
	renamePart = regexp.MustCompile("^RENAME TABLE results\\.`r_([A-Za-z0-9_-]+)_part` TO ")
)

func readJournal(t *testing.T, path string) map[string]*journalEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]*journalEntry{}
	get := func(id string) *journalEntry {
		if out[id] == nil {
			out[id] = &journalEntry{}
		}
		return out[id]
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), "\t", 3)
		if len(f) != 3 {
			continue
		}
		arrived, _ := strconv.ParseInt(f[0], 10, 64)
		done, _ := strconv.ParseInt(f[1], 10, 64)
		if m := createPart.FindStringSubmatch(f[2]); m != nil {
			get(m[1]).creates = append(get(m[1]).creates, arrived)
		} else if m := renamePart.FindStringSubmatch(f[2]); m != nil {
			get(m[1]).commits = append(get(m[1]).commits, done)
		}
	}
	return out
}

type runRow struct {
	seq               int64
	id, key, report   string
	tenant            int
	status            string
	started, finished int64 // Unix microseconds
	attempts          int
	checksum          sql.NullString
}

func loadRuns(t *testing.T, db *sql.DB) []runRow {
	t.Helper()
	rows, err := db.Query(`SELECT seq, id, queue_key, report_id, tenant_id, status, COALESCE(started_at, 0), COALESCE(finished_at, 0), attempts, snapshot_checksum FROM runs ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		if err := rows.Scan(&r.seq, &r.id, &r.key, &r.report, &r.tenant, &r.status, &r.started, &r.finished, &r.attempts, &r.checksum); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	tenants         = 5
	walletsByTenant = 4 // 20 wallets in all
	totalRuns       = 1000
	bulkReport      = "contacts.all_contacts"
	scheduledReport = "kpis.service_level"
)

// TestScaleOut_ThreeInstancesShareOneQueueAndWarehouse is issue 18's
// multi-instance test. Three `relato serve` processes share one PostgreSQL
// database and one warehouse (see the package doc for the warehouse seam).
// 1,000 runs over 20 wallets of 5 tenants are submitted across the three;
// when a quarter have finished, one instance is killed with SIGKILL. Then:
//
//   - every run finishes, and none was executed again after its snapshot was
//     committed (the warehouse's journal: no CREATE of a run's table after
//     its RENAME, one RENAME per run, more than one CREATE only for a run
//     that was taken again after the kill);
//   - runs of one wallet ran one at a time in request (seq) order across the
//     instances: on the warehouse's clock, each run's request to write its
//     snapshot arrived after the previous run of its key committed its own;
//   - a run is downloadable from every live instance, byte for byte the CSV
//     whose sha256 the run recorded;
//   - a schedule firing every minute fired at most once per minute across the
//     three (a minute the schedules loop missed under load is not replayed),
//     each fire with its own run.
func TestScaleOut_ThreeInstancesShareOneQueueAndWarehouse(t *testing.T) {
	if warehouse == "" {
		t.Skip("libchdb.so not available")
	}
	pg := runstest.StartPostgres(t)
	dsn := pg.NewDatabase(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// One manager per tenant, with a token, through the CLI (this migrates
	// the control plane too). They see personal data whole, so a download is
	// byte for byte the unmasked CSV the run's checksum covers.
	tokens := map[int]string{}
	for tn := 1; tn <= tenants; tn++ {
		id := relatoCLI(t, "users", "create", "--db", dsn, "--tenant", strconv.Itoa(tn), "--name", fmt.Sprintf("Gestora %d", tn), "--role", "manager", "--personal-data")
		tokens[tn] = relatoCLI(t, "tokens", "issue", "--db", dsn, "--user", id, "--name", "scale test")
	}

	journal := filepath.Join(t.TempDir(), "warehouse.journal")
	wh := startWarehoused(t, journal)
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)) // every instance decrypts every destination
	var insts []*instance
	for i := 0; i < 3; i++ {
		insts = append(insts, startServe(t, fmt.Sprintf("instance-%d", i+1),
			"--db", dsn, "--warehouse", "clickhouse+http://"+wh+"/default", "--data", t.TempDir(),
			"--secret-key", key, "--workers", "2", "--lease", "3s",
			"--max-waiting-per-user", "0", "--max-waiting-per-tenant", "0"))
	}
	start := time.Now()

	// A schedule of tenant 5 that fires every minute, created on one instance.
	code, body := insts[0].call("POST", "/v1/schedules", tokens[5], map[string]any{
		"name": "a cada minuto", "report": scheduledReport, "filters": map[string]any{"period": "yesterday"},
		"recurrence": "* * * * *", "time_zone": "UTC",
		"destinations": []any{map[string]any{"kind": "ftp", "config": map[string]any{"host": "ftp.invalid", "username": "relato", "password": "secret"}}}})
	if code != 201 && code != 200 {
		t.Fatalf("create schedule: %d %s", code, body)
	}
	var sch struct{ ID string }
	json.Unmarshal(body, &sch)

	// Submit the runs across the three instances, four clients at a time.
	type submitted struct {
		id     string
		tenant int
	}
	var (
		mu   sync.Mutex
		subs []submitted
		wg   sync.WaitGroup
		jobs = make(chan int)
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				tn := i%tenants + 1
				// Three runs in a row of a tenant go to one wallet, so
				// its next run is often of the same key as the one
				// executing: only the queue's head rule holds it back.
				wallet := tn*100 + (i/(tenants*3))%walletsByTenant + 1
				code, body := insts[i%3].call("POST", "/v1/runs", tokens[tn], map[string]any{
					"report": bulkReport, "filters": map[string]any{"period": "last_7_days", "wallet": wallet}})
				if code != 202 {
					t.Errorf("submit run %d to %s: %d %s", i, insts[i%3].name, code, body)
					continue
				}
				var r struct{ ID string }
				json.Unmarshal(body, &r)
				mu.Lock()
				subs = append(subs, submitted{r.ID, tn})
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < totalRuns; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d runs accepted by three instances in %s", len(subs), time.Since(start).Round(time.Millisecond))

	count := func(status string) int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM runs WHERE status = $1 AND report_id = $2`, status, bulkReport).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Kill the third instance with SIGKILL once a quarter have finished: it
	// holds leases on runs it was executing.
	quarter := time.Now().Add(10 * time.Minute)
	for count("finished") < totalRuns/4 {
		// Fail at once rather than wait for the test's timeout when runs fail.
		if failed := count("failed") + count("canceled"); failed > 0 {
			var msg string
			db.QueryRow(`SELECT id || ': ' || COALESCE(error, '') FROM runs WHERE status IN ('failed', 'canceled') LIMIT 1`).Scan(&msg)
			t.Fatalf("%d runs failed or were canceled before the kill, e.g. %s", failed, msg)
		}
		if time.Now().After(quarter) {
			t.Fatalf("a quarter of the runs did not finish in 10 minutes (%d finished)", count("finished"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var held int
	db.QueryRow(`SELECT COUNT(*) FROM runs WHERE status = 'processing'`).Scan(&held)
	insts[2].cmd.Process.Signal(syscall.SIGKILL)
	<-insts[2].done
	t.Logf("SIGKILLed %s after %s with %d runs finished, %d processing across the three", insts[2].name, time.Since(start).Round(time.Millisecond), count("finished"), held)
	live := insts[:2]

	deadline := time.Now().Add(10 * time.Minute)
	for {
		fin, failed := count("finished"), count("failed")+count("canceled")
		if failed > 0 {
			var msg string
			db.QueryRow(`SELECT id || ': ' || COALESCE(error, '') FROM runs WHERE status IN ('failed', 'canceled') LIMIT 1`).Scan(&msg)
			t.Fatalf("%d runs failed or were canceled, e.g. %s", failed, msg)
		}
		if fin == totalRuns {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d runs finished in 10 minutes", fin, totalRuns)
		}
		time.Sleep(250 * time.Millisecond)
	}
	elapsed := time.Since(start)
	t.Logf("all %d runs finished in %s (%.1f runs/s through one serialised warehouse)", totalRuns, elapsed.Round(time.Millisecond), float64(totalRuns)/elapsed.Seconds())

	// Wait for at least one minute boundary to have fired the schedule.
	var fires int
	for fireDeadline := time.Now().Add(90 * time.Second); ; {
		db.QueryRow(`SELECT COUNT(*) FROM schedule_fires WHERE schedule_id = $1 AND run_id IS NOT NULL`, sch.ID).Scan(&fires)
		if fires > 0 {
			break
		}
		if time.Now().After(fireDeadline) {
			t.Fatal("the every-minute schedule never fired")
		}
		time.Sleep(500 * time.Millisecond)
	}

	all := loadRuns(t, db)
	j := readJournal(t, journal)

	t.Run("every run finished once", func(t *testing.T) {
		var bulk, retried int
		for _, r := range all {
			if r.report != bulkReport {
				continue
			}
			bulk++
			e := j[r.id]
			if e == nil || len(e.commits) != 1 {
				t.Errorf("run %s (seq %d): its snapshot was committed %d times, want once", r.id, r.seq, lenCommits(e))
				continue
			}
			for _, c := range e.creates {
				if c > e.commits[0] {
					t.Errorf("run %s (seq %d): executed again after its result was committed", r.id, r.seq)
				}
			}
			if len(e.creates) > 1 {
				retried++
				if r.attempts < 2 {
					t.Errorf("run %s (seq %d): executed %d times but claimed once (%d attempt): two instances ran it", r.id, r.seq, len(e.creates), r.attempts)
				}
			}
		}
		if bulk != totalRuns {
			t.Errorf("%d runs in the store, want %d", bulk, totalRuns)
		}
		t.Logf("%d runs executed once, %d taken again after the SIGKILL (%d were processing across the three at the kill)", bulk-retried, retried, held)
	})

	t.Run("each wallet ran in request order, one at a time, across instances", func(t *testing.T) {
		byKey := map[string][]runRow{}
		for _, r := range all {
			byKey[r.key] = append(byKey[r.key], r) // already in seq order
		}
		keys := 0
		for k, rs := range byKey {
			if len(rs) > 1 {
				keys++
			}
			for i := 1; i < len(rs); i++ {
				a, b := rs[i-1], rs[i]
				ea, eb := j[a.id], j[b.id]
				if ea == nil || eb == nil || len(ea.commits) == 0 || len(eb.creates) == 0 {
					continue // reported above, or a report that writes no snapshot table
				}
				if eb.creates[0] < ea.commits[len(ea.commits)-1] {
					t.Errorf("key %s: run seq %d asked the warehouse to write its snapshot %s before seq %d had committed its own",
						k, b.seq, time.Duration(ea.commits[len(ea.commits)-1]-eb.creates[0]), a.seq)
				}
			}
		}
		if keys < tenants*walletsByTenant {
			t.Errorf("%d queue keys with more than one run, want at least %d", keys, tenants*walletsByTenant)
		}
	})

	t.Run("a run is downloadable from any instance", func(t *testing.T) {
		checked := 0
		// The run's checksum is of its rows (snapshot.ChecksumForm), not of a
		// file: runs with one checksum serve one file and one file has one
		// checksum.
		byChecksum, byFile := map[string][32]byte{}, map[[32]byte]string{}
		for i, r := range all {
			if r.report != bulkReport || i%97 != 0 {
				continue
			}
			var first []byte
			for _, in := range live {
				code, body := in.call("GET", "/v1/runs/"+r.id+"/download", tokens[r.tenant], nil)
				if code != 200 {
					t.Fatalf("download %s from %s: %d %s", r.id, in.name, code, tail(string(body), 300))
				}
				sum := sha256.Sum256(body)
				if !r.checksum.Valid || !strings.HasPrefix(r.checksum.String, snapshot.ChecksumForm+":") {
					t.Errorf("run %s recorded checksum %q, want the %s form", r.id, r.checksum.String, snapshot.ChecksumForm)
				}
				if f, ok := byChecksum[r.checksum.String]; ok && f != sum {
					t.Errorf("download %s from %s: sha256 %x, another run with checksum %q served %x", r.id, in.name, sum, r.checksum.String, f)
				}
				if c, ok := byFile[sum]; ok && c != r.checksum.String {
					t.Errorf("download %s from %s: the same file as a run with checksum %q, this run recorded %q", r.id, in.name, c, r.checksum.String)
				}
				byChecksum[r.checksum.String], byFile[sum] = sum, r.checksum.String
				if first != nil && !bytes.Equal(first, body) {
					t.Errorf("run %s: %s and %s serve different bytes", r.id, live[0].name, in.name)
				}
				first = body
			}
			checked++
		}
		if checked < 10 {
			t.Errorf("checked %d runs, want at least 10", checked)
		}
	})

	t.Run("the schedule fired once per due minute across the three", func(t *testing.T) {
		rows, err := db.Query(`SELECT due_at, COALESCE(run_id, '') FROM schedule_fires WHERE schedule_id = $1 ORDER BY due_at`, sch.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := map[int64]int{}
		runIDs := map[string]bool{}
		var dues []int64
		for rows.Next() {
			var due int64
			var run string
			rows.Scan(&due, &run)
			seen[due]++
			dues = append(dues, due)
			if run != "" {
				runIDs[run] = true
			}
		}
		for due, n := range seen {
			if n != 1 {
				t.Errorf("fire due %d recorded %d times", due, n)
			}
		}
		scheduled := 0
		for _, r := range all {
			if r.report == scheduledReport {
				scheduled++
				if !runIDs[r.id] {
					t.Errorf("run %s of the scheduled report belongs to no fire", r.id)
				}
			}
		}
		if scheduled != len(runIDs) {
			t.Errorf("%d runs of the scheduled report for %d fires, want one each", scheduled, len(runIDs))
		}
		t.Logf("%d fires, %d runs", len(dues), scheduled)
	})
}

func lenCommits(e *journalEntry) int {
	if e == nil {
		return 0
	}
	return len(e.commits)
}
