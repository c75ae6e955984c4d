package writer

// NumberText returns ClickHouse's numeric text v in plain decimal notation
// (digits, an optional leading '-' and '.' as the decimal point, never an
// exponent), rounded half away from zero on its decimal text to places
// decimals, or kept with all its decimals when places < 0: the value a CSV
// cell of the column holds, usable as a JSON number. ok is false for nan, inf
// and text that is not a number, which a caller shows as empty like NULL.
//
//	NumberText("2.675", 2) = "2.68"; NumberText("21.052631578947366", 2) = "21.05";
//	NumberText("1e21", -1) = "1000000000000000000000"; NumberText("nan", 2) = "", false
func NumberText(v []byte, places int) (text string, ok bool) {
	var d decimal
	if d.parse(v) != numFinite {
		return "", false
	}
	if places >= 0 {
		d.round(places)
	}
	return string(d.appendText(nil, places, '.')), true
}
