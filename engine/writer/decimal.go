package writer

// numClass classifies a numeric text.
type numClass int

const (
	numFinite numClass = iota
	numNaN
	numInf
	numInvalid
)

// maxExponent bounds exponents so "1e999999" cannot expand into a huge field;
// Float64 needs at most 324.
const maxExponent = 400

// decimal is a finite number held as decimal digits: value = 0.digits × 10^point,
// with the sign apart. Its digit buffer is reused between values.
type decimal struct {
	neg    bool
	hasExp bool
	digits []byte
	point  int
}

// parse reads ClickHouse's numeric text ("-12.5", "1e21", "nan", "-inf").
func (d *decimal) parse(s []byte) numClass {
	d.neg, d.hasExp, d.digits, d.point = false, false, d.digits[:0], 0
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	switch rest := s[i:]; {
	case equalFold(rest, "nan"):
		return numNaN
	case equalFold(rest, "inf"), equalFold(rest, "infinity"):
		return numInf
	}
	sawDigit := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		sawDigit = true
		if len(d.digits) == 0 && s[i] == '0' {
			continue // leading zero
		}
		d.digits = append(d.digits, s[i])
		d.point++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			sawDigit = true
			if len(d.digits) == 0 && s[i] == '0' {
				d.point--
				continue
			}
			d.digits = append(d.digits, s[i])
		}
	}
	if !sawDigit {
		return numInvalid
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		d.hasExp = true
		i++
		expNeg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			expNeg = s[i] == '-'
			i++
		}
		exp, sawExp := 0, false
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			sawExp = true
			if exp = exp*10 + int(s[i]-'0'); exp > maxExponent {
				return numInvalid
			}
		}
		if !sawExp {
			return numInvalid
		}
		if expNeg {
			exp = -exp
		}
		d.point += exp
	}
	if i != len(s) {
		return numInvalid
	}
	if len(d.digits) == 0 {
		d.point = 0
	}
	return numFinite
}

// round rounds to places decimal places, half away from zero.
func (d *decimal) round(places int) {
	keep := d.point + places
	switch {
	case keep >= len(d.digits):
		return
	case keep < 0:
		// The first dropped digit is an implied leading zero: rounds to zero.
		d.digits, d.point = d.digits[:0], 0
		return
	}
	up := d.digits[keep] >= '5'
	d.digits = d.digits[:keep]
	if !up {
		return
	}
	j := keep - 1
	for j >= 0 && d.digits[j] == '9' {
		d.digits[j] = '0'
		j--
	}
	if j >= 0 {
		d.digits[j]++
		return
	}
	// All nines (or nothing kept): 9.99 → 10.00, 0.5 → 1.
	d.digits = append(d.digits, 0)
	copy(d.digits[1:], d.digits[:keep])
	d.digits[0] = '1'
	d.point++
}

func (d *decimal) isZero() bool {
	for _, c := range d.digits {
		if c != '0' {
			return false
		}
	}
	return true
}

// digitAt returns the digit at position i counted from the first digit, with
// implied zeros outside the stored digits.
func (d *decimal) digitAt(i int) byte {
	if i >= 0 && i < len(d.digits) {
		return d.digits[i]
	}
	return '0'
}

// appendText appends the number in plain notation with exactly places
// decimals, or, with places < 0, as many as it has.
func (d *decimal) appendText(dst []byte, places int, point byte) []byte {
	if d.neg && !d.isZero() {
		dst = append(dst, '-')
	}
	if d.point <= 0 {
		dst = append(dst, '0')
	} else {
		for i := 0; i < d.point; i++ {
			dst = append(dst, d.digitAt(i))
		}
	}
	if places < 0 {
		places = len(d.digits) - d.point
		for places > 0 && d.digitAt(d.point+places-1) == '0' {
			places--
		}
	}
	if places > 0 {
		dst = append(dst, point)
		for i := d.point; i < d.point+places; i++ {
			dst = append(dst, d.digitAt(i))
		}
	}
	return dst
}

// uint64Value returns the integer part, false if it does not fit.
func (d *decimal) uint64Value() (uint64, bool) {
	if d.point > 19 {
		return 0, false
	}
	var v uint64
	for i := 0; i < d.point; i++ {
		c := uint64(d.digitAt(i) - '0')
		if v > (1<<64-1-c)/10 {
			return 0, false
		}
		v = v*10 + c
	}
	return v, true
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
