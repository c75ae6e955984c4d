package delivery

import "testing"

func TestContentDisposition_GivesTheNameAsTypedAndAnASCIIFallback(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"service_level.csv", `attachment; filename=service_level.csv`},
		// ó is %C3%B3, í is %C3%AD, ç is %C3%A7, space %20 (RFC 8187).
		{"relatório_nível serviço.xlsx", `attachment; filename="relatorio_nivel servico.xlsx"; filename*=utf-8''relat%C3%B3rio_n%C3%ADvel%20servi%C3%A7o.xlsx`},
		{"日本.csv", `attachment; filename=__.csv; filename*=utf-8''%E6%97%A5%E6%9C%AC.csv`},
	}
	for _, tt := range tests {
		if got := ContentDisposition(tt.name); got != tt.want {
			t.Errorf("ContentDisposition(%q) =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}
