package seed

import (
	"fmt"
	"strings"
	"time"
)

const (
	walletsPerTenant = 6
	usersPerTenant   = 40 // 1 admin, 3 managers, 36 agents (6 per wallet)
	queuesPerTenant  = 8
	linesPerTenant   = 4
	botsPerTenant    = 3
	// idSpan separates tenants' 64-bit ids (contacts, calls, ...): tenant t's
	// ids are t*idSpan + row number.
	idSpan = 1_000_000_000_000
)

// tenantGen writes the INSERT statements of one tenant.
type tenantGen struct {
	opt  Options
	t    int
	name string
	tz   string
	r    rnd // keyed by numbers()' row number

	dayStarts []uint32 // local midnight of each covered day, as Unix seconds
	winStart  uint32
	winEnd    uint32
	prelude   string // WITH clause of arrays shared by every row generator

	nWDays, nHours int // lengths of the weighted day and hour arrays

	nContacts, nConv, nWA, nHSM, nCards, nAppt, nAudit, nDocs, nUnsub int64
	nCamp, steps                                                      int
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func newTenantGen(opt Options, t int) (*tenantGen, error) {
	g := &tenantGen{opt: opt, t: t, tz: "America/Sao_Paulo"}
	switch t {
	case 1:
		g.name = "Demo"
	case 2:
		g.name = "Tenant 2 " + Tenant2NameMarker
	default:
		g.name = fmt.Sprintf("Tenant %d", t)
	}
	loc, err := time.LoadLocation(g.tz)
	if err != nil {
		return nil, fmt.Errorf("seed: time zone %s: %w", g.tz, err)
	}
	g.r = rnd{seed: opt.Seed, tenant: t, key: "number"}
	end := opt.End.In(loc)
	endDay := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, loc)
	var weightedDays []uint32
	for i := 0; i < opt.Days; i++ {
		d := endDay.AddDate(0, 0, i-opt.Days)
		s := uint32(d.Unix())
		g.dayStarts = append(g.dayStarts, s)
		for k := 0; k < weekdayWeights[d.Weekday()]; k++ {
			weightedDays = append(weightedDays, s)
		}
	}
	g.winStart = g.dayStarts[0]
	g.winEnd = uint32(endDay.Unix())
	var hours []int
	for h, w := range hourWeights {
		for k := 0; k < w; k++ {
			hours = append(hours, h)
		}
	}
	g.nWDays, g.nHours = len(weightedDays), len(hours)
	var workday []int
	for _, s := range g.dayStarts {
		wd := time.Unix(int64(s), 0).In(loc).Weekday()
		if wd == time.Saturday || wd == time.Sunday {
			workday = append(workday, 0)
		} else {
			workday = append(workday, 1)
		}
	}
	var scores []int
	for s, w := range npsWeights {
		for k := 0; k < w; k++ {
			scores = append(scores, s)
		}
	}
	g.prelude = fmt.Sprintf("WITH %s AS wdays, %s AS whours, %s AS daystarts, %s AS workday, %s AS fnames, %s AS lnames, %s AS fascii, %s AS lascii, %s AS npsscores",
		intArray(weightedDays), intArray(hours), intArray(g.dayStarts), intArray(workday),
		stringArray(firstNames), stringArray(lastNames), stringArray(asciiAll(firstNames)), stringArray(asciiAll(lastNames)),
		intArray(scores))

	c := opt.Calls
	g.nContacts = max64(200, c/2)
	g.nConv = max64(200, c)
	g.nWA = max64(100, c/2)
	g.nHSM = max64(100, c/2)
	g.nCards = max64(50, c/20)
	g.nAppt = max64(50, c/20)
	g.nAudit = max64(100, c/10)
	g.nDocs = max64(50, c/20)
	g.nUnsub = max64(20, c/100)
	g.nCamp = max(4, opt.Days/3)
	g.steps = max(3, opt.Days/10)
	return g, nil
}

// ---- expressions shared by the row generators

// at is a Unix time inside the window following the business-hours and
// weekday curves.
func (g *tenantGen) at(r rnd, salt string) string {
	return fmt.Sprintf("(arrayElement(wdays, 1 + %s) + arrayElement(whours, 1 + %s) * 3600 + %s)",
		r.mod(salt+"d", int64(g.nWDays)), r.mod(salt+"h", int64(g.nHours)), r.mod(salt+"s", 3600))
}

func dt(epoch string) string { return "toDateTime(" + epoch + ", 'UTC')" }

func (g *tenantGen) id(n string) string { return fmt.Sprintf("(%d + %s)", int64(g.t)*idSpan, n) }

func (g *tenantGen) wallet(widx string) string { return fmt.Sprintf("(%d + %s)", g.t*100, widx) }

// agent is an agent of wallet index widx (1..6): user numbers 5..40.
func (g *tenantGen) agent(r rnd, salt, widx string) string {
	return fmt.Sprintf("(%d + 4 + %s + 6 * %s)", g.t*1000, widx, r.mod(salt, 6))
}

func (g *tenantGen) ch(n, salt string) string {
	return fmt.Sprintf("cityHash64(%d, %d, %s, '%s')", g.opt.Seed, g.t, n, salt)
}

// contactWallet is the wallet index (1..6) of contact number n.
func (g *tenantGen) contactWallet(n string) string {
	return fmt.Sprintf("(1 + %s %% %d)", g.ch(n, "cw"), walletsPerTenant)
}

func (g *tenantGen) contactName(n string) string {
	s := fmt.Sprintf("concat(arrayElement(fnames, 1 + %s %% %d), ' ', arrayElement(lnames, 1 + %s %% %d)",
		g.ch(n, "fn"), len(firstNames), g.ch(n, "ln"), len(lastNames))
	if g.t == 2 {
		s += ", ' " + Tenant2NameMarker + "'"
	}
	return s + ")"
}

// contactPhone is distinct per contact (7919 is prime to 10^k) for up to 10^8
// contacts (10^6 in tenant 2, whose numbers keep the marker prefix).
func (g *tenantGen) contactPhone(n string) string {
	off := g.opt.Seed % 1_000_000
	if g.t == 2 {
		return fmt.Sprintf("concat('%s', leftPad(toString((%s * 7919 + %d) %% 1000000), 6, '0'))", Tenant2PhonePrefix, n, off)
	}
	return fmt.Sprintf("concat('+55', arrayElement(%s, 1 + %s %% %d), '9', leftPad(toString((%s * 7919 + %d) %% 100000000), 8, '0'))",
		stringArray(areaCodes), g.ch(n, "ddd"), len(areaCodes), n, off)
}

func (g *tenantGen) contactEmail(n string) string {
	domain := "'" + strings.TrimPrefix(Tenant2EmailDomain, "@") + "'"
	if g.t != 2 {
		domain = fmt.Sprintf("arrayElement(%s, 1 + %s %% %d)", stringArray(emailDomains), g.ch(n, "dom"), len(emailDomains))
	}
	return fmt.Sprintf("if(%s %% 100 < 85, concat(arrayElement(fascii, 1 + %s %% %d), '.', arrayElement(lascii, 1 + %s %% %d), toString(%s), '@', %s), '')",
		g.ch(n, "em"), g.ch(n, "fn"), len(firstNames), g.ch(n, "ln"), len(lastNames), n, domain)
}

func (g *tenantGen) ip(r rnd, salt string) string {
	return fmt.Sprintf("concat('177.', toString(%s), '.', toString(%s), '.', toString(1 + %s))",
		r.mod(salt+"a", 256), r.mod(salt+"b", 256), r.mod(salt+"c", 254))
}

// insert wraps a row generator: inner computes helper aliases from numbers(n),
// outer lists the table's columns in order.
func (g *tenantGen) insert(table string, columns []string, outer []string, inner []string, from string) statement {
	if len(columns) != len(outer) {
		panic(fmt.Sprintf("seed: %s: %d columns, %d values", table, len(columns), len(outer)))
	}
	return statement{table: table, sql: fmt.Sprintf("INSERT INTO wh.%s (%s) %s SELECT %s FROM (SELECT %s FROM %s)",
		table, strings.Join(columns, ", "), g.prelude, strings.Join(outer, ",\n  "), strings.Join(inner, ",\n  "), from)}
}

func cols(s string) []string { return strings.Fields(strings.ReplaceAll(s, ",", " ")) }

func (g *tenantGen) statements() []statement {
	var out []statement
	out = append(out, g.dimensions()...)
	out = append(out, g.contacts(), g.calls(), g.conversations(), g.kpiEvents(), g.botFlowKPIs(), g.npsAnswers(),
		g.userSessions(), g.whatsappSessions(), g.lineStatusChanges(), g.templateStatusChanges(),
		g.pipelineCards(), g.hsmSends(), g.campaigns(), g.unsubscriptions(), g.appointments(),
		g.auditEvents(), g.documentSends())
	return out
}
