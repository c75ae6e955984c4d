// Package writer turns a result stream (engine.Rows) into the files users
// download or receive: CSV in two dialects (RFC 4180 and pt-BR Excel) and XLSX.
//
// Values arrive as ClickHouse's canonical text; each output column has a Kind
// (the report DSL's column type) that decides how the text is rendered. Numbers
// are rounded on their decimal text, never through float64, so 2.675 rounded to
// two places is 2.68 as a person would expect.
//
// Conventions the report definitions rely on:
//   - percent values are percentage points (77.78 means 77.78 %), not fractions;
//   - duration values are seconds (integer or fractional);
//   - nan, inf and -inf (ClickHouse's text for 0/0 and x/0) render as an empty
//     cell, like NULL: a ratio with a zero denominator is empty, never 0.
//
// The package must not import anything from server/, delivery/ or plugins/.
package writer
