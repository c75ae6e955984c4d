package seed

// Vocabulary the generator draws from. Weights shape the distributions.

var firstNames = []string{
	"João", "Maria", "José", "Ana", "Francisco", "Antônia", "Carlos", "Adriana",
	"Paulo", "Juliana", "Pedro", "Márcia", "Lucas", "Fernanda", "Luiz", "Patrícia",
	"Marcos", "Aline", "Gabriel", "Camila", "Rafael", "Beatriz", "Daniel", "Letícia",
	"Bruno", "Larissa", "Eduardo", "Vanessa", "Felipe", "Luana", "Rodrigo", "Tatiane",
}

var lastNames = []string{
	"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
	"Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
	"Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade",
	"Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Araújo",
}

// ascii folds the Portuguese accents used above, for e-mail local parts.
func ascii(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case 'á', 'à', 'â', 'ã':
			r = 'a'
		case 'é', 'ê':
			r = 'e'
		case 'í':
			r = 'i'
		case 'ó', 'ô', 'õ':
			r = 'o'
		case 'ú':
			r = 'u'
		case 'ç':
			r = 'c'
		case 'Á':
			r = 'A'
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}

func asciiAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = ascii(s)
	}
	return out
}

// Area codes of other tenants' phones; 99 is reserved for tenant 2's marker.
var areaCodes = []string{"11", "11", "11", "21", "31", "41", "51", "61", "71", "81", "85", "19"}

// Reserved example domains (RFC 2606), so no demo address belongs to anyone.
var emailDomains = []string{"example.com", "example.com.br", "example.net", "example.org"}

var walletNames = []string{"Vendas", "Cobrança", "SAC", "Suporte Técnico", "Retenção", "Ouvidoria"}

var queueNames = []string{"Vendas", "Cobrança", "SAC", "Suporte Técnico", "Retenção", "Ouvidoria", "Vendas - Preferencial", "Cobrança - Acordos"}

var botNames = []string{"Assistente Virtual", "Bot Cobrança", "Bot Suporte"}

var botFlows = []string{"menu_principal", "segunda_via", "negociacao", "pesquisa_satisfacao"}

type template struct{ name, category string }

var templates = []template{
	{"boas_vindas", "MARKETING"}, {"lembrete_pagamento", "UTILITY"}, {"codigo_verificacao", "AUTHENTICATION"},
	{"promocao_mensal", "MARKETING"}, {"confirmacao_agendamento", "UTILITY"}, {"segunda_via_boleto", "UTILITY"},
	{"pesquisa_satisfacao", "MARKETING"}, {"oferta_renegociacao", "MARKETING"}, {"aviso_entrega", "UTILITY"},
	{"atualizacao_cadastro", "UTILITY"}, {"recuperacao_carrinho", "MARKETING"}, {"token_acesso", "AUTHENTICATION"},
}

type pipeline struct {
	name   string
	stages []string
}

var pipelines = []pipeline{
	{"Vendas", []string{"Prospecção", "Qualificação", "Proposta", "Negociação", "Fechamento"}},
	{"Pós-venda", []string{"Onboarding", "Implantação", "Acompanhamento", "Renovação", "Concluído"}},
	{"Cobrança", []string{"Em aberto", "Contato feito", "Acordo proposto", "Acordo fechado", "Encerrado"}},
}

var cardTitles = []string{"Proposta", "Plano anual", "Upgrade", "Renovação", "Acordo", "Pedido"}

type eventType struct{ code, label string }

var eventTypes = []eventType{
	{"resolved", "Resolvido"}, {"sale", "Venda"}, {"no_interest", "Sem interesse"},
	{"callback", "Retornar contato"}, {"wrong_number", "Número errado"},
	{"complaint", "Reclamação"}, {"no_answer", "Sem atendimento"},
}

var userEvents = []weighted{
	{"resolved", 35}, {"sale", 15}, {"no_interest", 20}, {"callback", 15}, {"wrong_number", 5}, {"complaint", 10},
}

var botEvents = []weighted{{"resolved", 6}, {"callback", 2}, {"no_interest", 2}}

var channels = []weighted{{"whatsapp", 55}, {"webchat", 20}, {"voice", 15}, {"email", 10}}

// Local hour of day → relative traffic (São Paulo contact-center curve): about
// 81 % of arrivals fall in 08:00–17:59.
var hourWeights = []int{1, 1, 1, 1, 1, 1, 2, 5, 12, 16, 18, 17, 12, 14, 17, 17, 16, 13, 8, 5, 4, 3, 2, 1}

// Weekday → relative traffic, Sunday first (time.Weekday order).
var weekdayWeights = []int{2, 10, 10, 10, 10, 10, 4}

var templateLaterStatuses = []weighted{
	{"APPROVED", 30}, {"PAUSED", 10}, {"FLAGGED", 10}, {"REINSTATED", 8}, {"IN_APPEAL", 6},
	{"DISABLED", 4}, {"LIMIT_EXCEEDED", 4}, {"LOCKED", 3}, {"PENDING", 5}, {"REJECTED", 4},
	{"PENDING_DELETION", 3}, {"DELETED", 2}, {"ARCHIVED", 3},
}

var lineLaterStatuses = []weighted{
	{"CONNECTED", 50}, {"FLAGGED", 8}, {"RESTRICTED", 6}, {"OFFLINE", 10}, {"RATE_LIMITED", 8},
	{"DISCONNECTED", 6}, {"PENDING", 3}, {"BANNED", 1}, {"DELETED", 1},
}

var qualities = []weighted{{"GREEN", 70}, {"YELLOW", 15}, {"RED", 5}, {"UNKNOWN", 10}}

var tiers = []string{"TIER_250", "TIER_1K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED"}

type waError struct {
	code    int
	message string
}

var waErrors = []waError{
	{131026, "Message undeliverable"},
	{131047, "Re-engagement message: more than 24 hours since the customer last replied"},
	{131049, "Meta chose not to deliver this message"},
	{130472, "User's number is part of an experiment"},
	{131000, "Something went wrong"},
	{131050, "User has stopped receiving marketing messages"},
}

var unsubscribeReasons = []string{"SAIR", "PARAR", "botão \"Não tenho interesse\"", "pedido ao atendente"}

var appointmentNotes = []string{"Retornar ligação", "Enviar proposta", "Confirmar pagamento", "Visita técnica", "Renegociar dívida", "Follow-up pós-venda"}

var documentNames = []string{"Boleto", "Contrato", "Segunda via da fatura", "Comprovante de pagamento", "Termo de adesão", "Nota fiscal"}

var documentErrors = []string{"Caixa postal cheia", "Endereço inexistente", "Número sem WhatsApp"}

type auditAction struct{ action, object string }

var auditActions = []auditAction{
	{"contact.view", "contact"}, {"contact.view", "contact"}, {"contact.view", "contact"},
	{"contact.update", "contact"}, {"contact.export", "contact"}, {"contact.delete", "contact"},
	{"conversation.transfer", "conversation"}, {"conversation.close", "conversation"},
	{"report.generate", "report"}, {"report.download", "report"},
	{"user.create", "user"}, {"user.update", "user"}, {"user.password_reset", "user"},
	{"template.create", "template"}, {"campaign.start", "campaign"}, {"settings.update", "settings"},
}

// NPS scores 0..10, skewed positive (about 63 % promoters, 14 % detractors).
var npsWeights = []int{2, 1, 1, 1, 2, 3, 4, 8, 15, 25, 38}

var npsCommentsGood = []string{"Atendimento excelente!", "Muito rápido, obrigado", "Resolveram meu problema", "Atendente muito educada"}
var npsCommentsMid = []string{"Demorou um pouco", "Ok", "Poderia ser mais rápido"}
var npsCommentsBad = []string{"Demorou demais", "Não resolveram meu problema", "Fui transferido várias vezes", "Péssimo atendimento"}
