package delivery

import (
	"mime"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ASCIIName is name for programs that only read ASCII file names (the plain
// filename parameter next to RFC 2231's filename*): accents dropped
// ("relatório_nível" → "relatorio_nivel"), other non-ASCII letters, quotes
// and backslashes as "_".
func ASCIIName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent: dropped
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ContentDisposition is an "attachment" disposition naming the file as
// typed: filename= with the ASCII fallback, then, when the name is not ASCII,
// filename*= in RFC 2231 / RFC 8187 form (UTF-8, percent-encoded), which
// mail programs and browsers prefer.
func ContentDisposition(name string) string {
	ascii := ASCIIName(name)
	out := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if ascii != name {
		// FormatMediaType writes a non-ASCII value as filename*=utf-8''…
		ext := mime.FormatMediaType("x", map[string]string{"filename": name})
		out += strings.TrimPrefix(ext, "x")
	}
	return out
}
