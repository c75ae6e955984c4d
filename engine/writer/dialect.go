package writer

import (
	"fmt"
	"strings"
)

// Dialect is a CSV flavour. The zero value is RFC4180, the default.
type Dialect int

// CSV dialects.
const (
	// RFC4180 is plain CSV (RFC 4180): ',' separator, '.' decimal point, UTF-8
	// without BOM, CRLF line ends, ISO dates, true/false, durations in seconds.
	RFC4180 Dialect = iota
	// PtBRExcel is what Excel in Brazilian Portuguese opens with a double click:
	// ';' separator, decimal comma, UTF-8 BOM, dd/mm/yyyy dates, Sim/Não,
	// durations as hh:mm:ss.
	PtBRExcel
)

// dialectNames are the names ParseDialect accepts, lower case.
var dialectNames = map[string]Dialect{
	"":            RFC4180,
	"csv":         RFC4180,
	"rfc4180":     RFC4180,
	"pt-br-excel": PtBRExcel,
	"csv-excel":   PtBRExcel, // the names engine/export.ParseFormat accepts
	"excel":       PtBRExcel,
}

// ParseDialect selects a dialect by name: "rfc4180" or "csv" (also the empty
// name) for RFC4180, "pt-br-excel" (also "csv-excel", "excel") for PtBRExcel. Case and surrounding spaces
// are ignored.
func ParseDialect(name string) (Dialect, error) {
	d, ok := dialectNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return RFC4180, fmt.Errorf("unknown CSV dialect %q (want rfc4180, csv or pt-br-excel)", name)
	}
	return d, nil
}

// String returns the dialect's canonical name, accepted by ParseDialect.
func (d Dialect) String() string {
	if d == PtBRExcel {
		return "pt-br-excel"
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
