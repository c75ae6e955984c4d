package host

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/plugins/sdk"
)

// queryService runs one run's plugin queries: tenant scope, row cap, time
// zone and the run's remaining time applied by the host, never by the plugin.
type queryService struct {
	h        *Host
	report   string
	tenant   uint32
	timeZone string
	runCtx   context.Context
}

var _ sdk.QueryService = (*queryService)(nil)

func (q *queryService) Query(ctx context.Context, sql string, params map[string]string) (sdk.ResultRows, error) {
	if err := CheckSQL(sql, q.h.tables); err != nil {
		return nil, err
	}
	for name := range params {
		if !chsql.ValidIdentifier(name) {
			return nil, fmt.Errorf("invalid parameter name %q", name)
		}
	}
	// The query ends with the plugin's call or with the run, whichever is first.
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(q.runCtx, cancel)
	if err := q.checkTables(ctx, sql, params); err != nil {
		stop()
		cancel()
		return nil, err
	}
	eq := engine.Query{
		SQL:          sql,
		Params:       params,
		TableFilters: engine.TenantScope(q.h.cfg.Tables, q.tenant),
		TimeZone:     q.timeZone,
		MaxRows:      q.h.cfg.QueryMaxRows,
		Settings:     map[string]string{},
	}
	if dl, ok := q.runCtx.Deadline(); ok {
		secs := int64(time.Until(dl)/time.Second) + 1
		eq.Settings["max_execution_time"] = strconv.FormatInt(secs, 10)
	}
	rows, err := q.h.cfg.Warehouse.Query(ctx, eq)
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	return &scopedRows{Rows: rows, release: func() { stop(); cancel() }}, nil
}

var (
	treeTable    = regexp.MustCompile(`\bTABLE id: \d+.*\btable_name: ([^,\s]+)`)
	treeFunction = regexp.MustCompile(`\bTABLE_FUNCTION id: \d+.*\btable_function_name: ([^,\s]+)`)
)

// checkTables asks the warehouse which tables the query reads (EXPLAIN QUERY
// TREE resolves CTEs, subqueries, comma joins and IN <table>) and refuses any
// that is not a scoped warehouse table, and any table function. It fails
// closed: a query the warehouse cannot explain does not run.
func (q *queryService) checkTables(ctx context.Context, sql string, params map[string]string) error {
	rows, err := q.h.cfg.Warehouse.Query(ctx, engine.Query{SQL: "SELECT explain FROM (EXPLAIN QUERY TREE " + sql + ")", Params: params, TimeZone: q.timeZone,
		TableFilters: engine.TenantScope(q.h.cfg.Tables, q.tenant)})
	if err != nil {
		return fmt.Errorf("query refused: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		for _, v := range rows.Values() {
			line := string(v)
			if m := treeFunction.FindStringSubmatch(line); m != nil {
				problems = append(problems, "table function "+m[1]+"(…) is not allowed")
			}
			if m := treeTable.FindStringSubmatch(line); m != nil {
				t, ok := strings.CutPrefix(m[1], engine.WarehouseDatabase+".")
				if !ok || !q.h.tables[t] {
					problems = append(problems, fmt.Sprintf("table %q is not a warehouse table", m[1]))
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query refused: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("query refused: %s", strings.Join(problems, "; "))
	}
	return nil
}

type scopedRows struct {
	engine.Rows
	release func()
}

func (r *scopedRows) Columns() []string {
	cols := r.Rows.Columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func (r *scopedRows) Close() error {
	err := r.Rows.Close()
	r.release()
	return err
}

var (
	forbiddenSQL = regexp.MustCompile(`(?i)\b(SETTINGS|FORMAT|INTO\s+OUTFILE|additional_table_filters|INSERT|ALTER|DROP|CREATE|TRUNCATE|ATTACH|DETACH|SYSTEM|GRANT|REVOKE|KILL|OPTIMIZE|RENAME|DELETE|UPDATE|EXCHANGE|UNDROP|BACKUP|RESTORE|SET|USE)\b`)
	tableFuncSQL = regexp.MustCompile(`(?i)\b(file|fileCluster|url|urlCluster|s3|s3Cluster|gcs|azureBlobStorage|hdfs|hdfsCluster|remote|remoteSecure|cluster|clusterAllReplicas|mysql|postgresql|sqlite|mongodb|redis|jdbc|odbc|executable|input|merge|dictionary|iceberg|deltaLake|hudi|view|loop|numbers|zeros|generateRandom|format|values|dictGet[A-Za-z]*|joinGet[A-Za-z]*|dictHas|getSetting|system\.[a-z_]+)\s*\(`)
	tableRefSQL  = regexp.MustCompile(`(?i)\b(FROM|JOIN|IN)\s+([A-Za-z_][A-Za-z0-9_.]*)(\s*\()?`)
	cteSQL       = regexp.MustCompile(`(?i)(?:\bWITH|,)\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(`)
)

// CheckSQL refuses plugin SQL the tenant scope would not cover: more than one
// statement, anything but a SELECT, settings or formats, table functions, and
// any table other than wh.<warehouse table> (or a CTE). Together with the
// additional_table_filters the host sets, a plugin reads its tenant's rows only.
func CheckSQL(sql string, tables map[string]bool) error {
	masked := engine.MaskSQL(sql)
	var problems []string
	if i := strings.IndexByte(masked, ';'); i >= 0 && strings.TrimSpace(masked[i+1:]) != "" {
		problems = append(problems, "only one statement is allowed")
	}
	head := strings.ToUpper(strings.TrimLeft(masked, " \t\r\n("))
	if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
		problems = append(problems, "must be a SELECT (or WITH … SELECT)")
	}
	for _, m := range forbiddenSQL.FindAllString(masked, -1) {
		problems = append(problems, strings.ToUpper(m)+" is not allowed; the host sets formats, settings and the tenant scope")
	}
	for _, m := range tableFuncSQL.FindAllStringSubmatch(masked, -1) {
		problems = append(problems, "function "+m[1]+"(…) is not allowed; read warehouse tables as wh.<table>")
	}
	ctes := map[string]bool{}
	for _, m := range cteSQL.FindAllStringSubmatch(masked, -1) {
		ctes[strings.ToLower(m[1])] = true
	}
	for _, m := range tableRefSQL.FindAllStringSubmatch(masked, -1) {
		name := m[2]
		if m[3] != "" || ctes[strings.ToLower(name)] {
			continue // a function call (checked above) or a CTE
		}
		if strings.EqualFold(m[1], "IN") && !strings.Contains(name, ".") {
			continue // x IN column or IN alias: not a table read
		}
		t, ok := strings.CutPrefix(name, engine.WarehouseDatabase+".")
		if !ok || !tables[t] {
			problems = append(problems, fmt.Sprintf("table %q is not a warehouse table (read wh.<table>)", name))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("query refused: %s", strings.Join(problems, "; "))
	}
	return nil
}
