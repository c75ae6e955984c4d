package engine

import (
	"fmt"
	"regexp"
	"strings"
)

// segment is a piece of a query template: text with placeholders, inside or
// outside an optional [[ … ]] clause.
type segment struct {
	text     string
	optional bool
	offset   int // byte offset of text in the query
	// when is the expr-lang condition of a `[[when COND: SQL]]` clause: the
	// clause is kept exactly when COND is true, whatever filters SQL uses.
	when       string
	whenOffset int
}

// placeholder is one {name} or {name.sub} in the query.
type placeholder struct {
	name, sub string
	start     int // byte offset in the query
	end       int
}

var (
	placeholderRe = regexp.MustCompile(`\{([a-z_][a-z0-9_]*)(?:\.([a-z_]+))?\}`)
	nativeParamRe = regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_]*\s*:[^}]*\}`)
)

// Builtin placeholders the engine provides to every query.
var builtins = map[string]Param{
	"tenant": {Type: "UInt32"},
	"tz":     {Type: "String"},
	"now":    {Type: "DateTime('UTC')"},
}

// MaskSQL returns sql with string literals, quoted identifiers and comments
// replaced by spaces (same length), for keyword scans (the plugin host's
// query checks use it too).
func MaskSQL(sql string) string { return maskSQL(sql) }

// maskSQL returns sql with string literals, quoted identifiers and comments
// replaced by spaces (same length), so keyword scans do not see inside them.
func maskSQL(sql string) string {
	b := []byte(sql)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\'' || b[i] == '`' || b[i] == '"':
			q := b[i]
			j := i + 1
			for j < len(b) && b[j] != q {
				if b[j] == '\\' && j+1 < len(b) {
					b[j] = ' '
					j++
				}
				b[j] = ' '
				j++
			}
			i = j
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			for i < len(b) && b[i] != '\n' {
				b[i] = ' '
				i++
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/') {
				b[i] = ' '
				i++
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}

// splitTemplate cuts the query into segments at [[ and ]].
func splitTemplate(query string) ([]segment, []templateError) {
	masked := maskSQL(query)
	var segs []segment
	var errs []templateError
	start, inOpt, optStart := 0, false, 0
	for i := 0; i+1 < len(masked); i++ {
		switch masked[i : i+2] {
		case "[[":
			if inOpt {
				errs = append(errs, templateError{i, "optional clauses [[ … ]] cannot be nested"})
				continue
			}
			segs = append(segs, segment{text: query[start:i], offset: start})
			inOpt, optStart, start = true, i, i+2
			i++
		case "]]":
			if !inOpt {
				errs = append(errs, templateError{i, "]] without a matching [["})
				continue
			}
			segs = append(segs, parseWhen(segment{text: query[start:i], optional: true, offset: start}, masked))
			inOpt, start = false, i+2
			i++
		}
	}
	if inOpt {
		errs = append(errs, templateError{optStart, "[[ is never closed with ]]"})
	}
	segs = append(segs, segment{text: query[start:], offset: start})
	return segs, errs
}

// parseWhen splits `when COND: SQL` off an optional clause. The colon ending
// COND is the first one outside string literals that does not close a ternary.
func parseWhen(s segment, masked string) segment {
	lead := len(s.text) - len(strings.TrimLeft(s.text, " \t\r\n"))
	if !strings.HasPrefix(s.text[lead:], "when ") {
		return s
	}
	m := masked[s.offset : s.offset+len(s.text)]
	ternaries := 0
	for i := lead + 5; i < len(m); i++ {
		switch m[i] {
		case '?':
			ternaries++
		case ':':
			if ternaries > 0 {
				ternaries--
				continue
			}
			s.when = strings.TrimSpace(s.text[lead+5 : i])
			s.whenOffset = s.offset + lead + 5
			s.text = s.text[i+1:]
			s.offset += i + 1
			return s
		}
	}
	s.when = strings.TrimSpace(s.text[lead+5:])
	s.whenOffset = s.offset + lead + 5
	s.text = ""
	s.offset += len(m)
	return s
}

type templateError struct {
	offset int
	msg    string
}

// placeholders finds the placeholders of a segment, ignoring string literals
// and comments.
func (s segment) placeholders() []placeholder {
	masked := maskSQL(s.text)
	var out []placeholder
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(masked, -1) {
		p := placeholder{name: masked[m[2]:m[3]], start: s.offset + m[0], end: s.offset + m[1]}
		if m[4] >= 0 {
			p.sub = masked[m[4]:m[5]]
		}
		out = append(out, p)
	}
	return out
}

// queryPos converts a byte offset in the query to a file position.
func (d *Definition) queryPos(offset int) Pos {
	if d.QueryPos.Line == 0 {
		return d.Pos
	}
	before := d.Query[:min(offset, len(d.Query))]
	line := strings.Count(before, "\n")
	col := offset - (strings.LastIndexByte(before, '\n') + 1)
	p := d.QueryPos
	p.Line += line
	p.Col += col
	return p
}

var (
	forbiddenRe = regexp.MustCompile(`(?i)\b(SETTINGS|FORMAT|INTO\s+OUTFILE|additional_table_filters|INSERT|ALTER|DROP|CREATE|TRUNCATE|ATTACH|DETACH|SYSTEM|GRANT|KILL|OPTIMIZE|RENAME)\b`)
	tableRefRe  = regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_.]*)(\s*\()?`)
	// Table functions that reach outside the warehouse (files, URLs, other
	// servers, processes) are refused wherever they appear, not just after FROM.
	tableFuncRe = regexp.MustCompile(`(?i)\b(file|fileCluster|url|urlCluster|s3|s3Cluster|gcs|azureBlobStorage|hdfs|hdfsCluster|remote|remoteSecure|cluster|clusterAllReplicas|mysql|postgresql|sqlite|mongodb|redis|jdbc|odbc|executable|input|merge|dictionary|iceberg|deltaLake|hudi|view|loop|system\.[a-z_]+)\s*\(`)
	cteRe       = regexp.MustCompile(`(?i)(?:\bWITH|,)\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(`)
)

// staticSQLProblems checks what can be checked without a warehouse: no
// statement other than one SELECT, no settings or formats (the engine owns
// them, tenant scope included), tables only from the warehouse database, no
// table functions, no native {x:Type} parameters.
func staticSQLProblems(d *Definition, tables map[string]bool) Problems {
	var ps Problems
	q := d.Query
	masked := maskSQL(q)
	if i := strings.IndexByte(masked, ';'); i >= 0 && strings.TrimSpace(masked[i+1:]) != "" {
		ps.add(d.queryPos(i), "query: only one statement is allowed")
	}
	head := strings.ToUpper(strings.TrimLeft(strings.NewReplacer("[[", " ", "]]", " ").Replace(masked), " \t\r\n("))
	if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
		ps.add(d.QueryPos, "query: must be a SELECT (or WITH … SELECT)")
	}
	for _, m := range forbiddenRe.FindAllStringIndex(masked, -1) {
		ps.add(d.queryPos(m[0]), "query: %s is not allowed in a report query; the engine sets formats, settings and the tenant scope", strings.ToUpper(masked[m[0]:m[1]]))
	}
	for _, m := range nativeParamRe.FindAllStringIndex(masked, -1) {
		ps.add(d.queryPos(m[0]), "query: %s: use {filter_name} placeholders; typed parameters are the engine's job", q[m[0]:m[1]])
	}
	for _, m := range tableFuncRe.FindAllStringSubmatchIndex(masked, -1) {
		ps.add(d.queryPos(m[2]), "query: table function %s(…) is not allowed; read warehouse tables as wh.<table>", masked[m[2]:m[3]])
	}
	ps = append(ps, zoneArgumentProblems(d, masked)...)
	ctes := map[string]bool{}
	for _, m := range cteRe.FindAllStringSubmatch(masked, -1) {
		ctes[strings.ToLower(m[1])] = true
	}
	for _, m := range tableRefRe.FindAllStringSubmatchIndex(masked, -1) {
		before := strings.ToUpper(strings.TrimRight(masked[:m[0]], " \t\r\n"))
		if strings.HasSuffix(before, "FILL") || strings.HasSuffix(before, "ARRAY") && strings.EqualFold(masked[m[2]:m[3]], "JOIN") {
			continue // WITH FILL FROM <expr> and ARRAY JOIN <expr> name no table
		}
		name := masked[m[4]:m[5]]
		pos := d.queryPos(m[4])
		if m[6] >= 0 {
			if !tableFuncRe.MatchString(masked[m[4]:m[7]]) { // not already reported
				ps.add(pos, "query: table function %s(…) is not allowed; read warehouse tables as wh.<table>", name)
			}
			continue
		}
		if ctes[strings.ToLower(name)] {
			continue
		}
		if !strings.HasPrefix(name, WarehouseDatabase+".") {
			ps.add(pos, "query: table %q must be qualified as %s.<table>", name, WarehouseDatabase)
			continue
		}
		if tables != nil && !tables[strings.TrimPrefix(name, WarehouseDatabase+".")] {
			ps.add(pos, "query: unknown warehouse table %q", name)
		}
	}
	return ps
}

// WarehouseDatabase is the database every report table lives in.
const WarehouseDatabase = "wh"

func describePlaceholder(p placeholder) string {
	if p.sub != "" {
		return fmt.Sprintf("{%s.%s}", p.name, p.sub)
	}
	return "{" + p.name + "}"
}

// zoneFuncs are date functions that, on a DateTime column, read the process
// time zone instead of the query's session_timezone (measured on chDB 26.5:
// toDate(t) of 23:59:59 local gave the next day). The report must pass the
// tenant's zone explicitly: their argument count including the zone.
var zoneFuncs = map[string]int{
	"todate": 2, "todate32": 2, "tohour": 2, "tominute": 2, "todayofmonth": 2, "todayofyear": 2,
	"tomonth": 2, "toquarter": 2, "toyear": 2, "toyyyymm": 2, "toyyyymmdd": 2, "toyyyymmddhhmmss": 2,
	"todayofweek": 3, "formatdatetime": 3, "date_trunc": 3, "datetrunc": 3, "toisoweek": 2, "toweek": 3,
}

var funcCallRe = regexp.MustCompile(`(?i)\b([a-z_][a-z0-9_]*)\s*\(`)

// zoneArgumentProblems flags calls of zoneFuncs without the zone argument.
func zoneArgumentProblems(d *Definition, masked string) Problems {
	var ps Problems
	for _, m := range funcCallRe.FindAllStringSubmatchIndex(masked, -1) {
		name := strings.ToLower(masked[m[2]:m[3]])
		want, ok := zoneFuncs[name]
		if !ok {
			continue
		}
		args, depth := 1, 0
		empty := true
	scan:
		for i := m[1]; i < len(masked); i++ {
			switch c := masked[i]; c {
			case '(', '[':
				depth++
			case ')', ']':
				if depth == 0 {
					break scan
				}
				depth--
			case ',':
				if depth == 0 {
					args++
				}
			default:
				if c != ' ' && c != '\n' && c != '\t' {
					empty = false
				}
			}
		}
		if empty || args >= want {
			continue
		}
		ps.add(d.queryPos(m[2]), "query: %s(…) needs the time zone as its last argument, e.g. %s(…, {tz}): on a DateTime column it ignores the tenant's zone", masked[m[2]:m[3]], masked[m[2]:m[3]])
	}
	return ps
}
