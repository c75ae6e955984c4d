package writer

import (
	"fmt"
	"strings"
)

// Dialect is a CSV flavour. The zero value is RFC4180, the default.
type Dialect int

// CSV dialects. The first two are meant for people and guard string cells
// against formulas (guard.go); RFC4180Exact is for machines.
const (
	// RFC4180 is plain CSV (RFC 4180): ',' separator, '.' decimal point, UTF-8
	// without BOM, CRLF line ends, ISO dates, true/false, durations in seconds;
	// a string cell starting with = + - @ TAB or CR gets an apostrophe first
	// (OWASP).
	RFC4180 Dialect = iota
	// PtBRExcel is what Excel in Brazilian Portuguese opens with a double click:
	// ';' separator, decimal comma, UTF-8 BOM, dd/mm/yyyy dates, Sim/Não,
	// durations as hh:mm:ss; a string cell a spreadsheet would run as a formula
	// or read as a number, date or boolean is written so it stays that text.
	PtBRExcel
	// RFC4180Exact is RFC4180 with every value as it is: no formula guard. For
	// programs, never for a file a person opens in a spreadsheet.
	RFC4180Exact
)

// dialectNames are the names ParseDialect accepts, lower case.
var dialectNames = map[string]Dialect{
	"":            RFC4180,
	"csv":         RFC4180,
	"rfc4180":     RFC4180,
	"pt-br-excel": PtBRExcel,
	"csv-excel":   PtBRExcel, // the names engine/export.ParseFormat accepts
	"excel":       PtBRExcel,
	"csv-exact":   RFC4180Exact,
	"exact":       RFC4180Exact,
}

// ParseDialect selects a dialect by name: "rfc4180" or "csv" (also the empty
// name) for RFC4180, "pt-br-excel" (also "csv-excel", "excel") for PtBRExcel,
// "csv-exact" (also "exact") for RFC4180Exact. Case and surrounding spaces are
// ignored.
func ParseDialect(name string) (Dialect, error) {
	d, ok := dialectNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return RFC4180, fmt.Errorf("unknown CSV dialect %q (want rfc4180, csv, pt-br-excel or csv-exact)", name)
	}
	return d, nil
}

// String returns the dialect's canonical name, accepted by ParseDialect.
func (d Dialect) String() string {
	switch d {
	case PtBRExcel:
		return "pt-br-excel"
	case RFC4180Exact:
		return "csv-exact"
	}
	return "rfc4180"
}

// MediaType is the Content-Type of files in this dialect.
func (d Dialect) MediaType() string { return "text/csv; charset=utf-8; header=present" }

func (d Dialect) separator() byte {
	if d == PtBRExcel {
		return ';'
	}
	return ','
}

func (d Dialect) decimalPoint() byte {
	if d == PtBRExcel {
		return ','
	}
	return '.'
}
