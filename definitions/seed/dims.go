package seed

import (
	"fmt"
	"strings"
	"time"

	"github.com/relato/relato/engine/chsql"
)

// mix is splitmix64: a deterministic hash for the few values built in Go.
func mix(xs ...uint64) uint64 {
	var h uint64 = 0x9e3779b97f4a7c15
	for _, x := range xs {
		h ^= x
		h += 0x9e3779b97f4a7c15
		z := h
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		h = z ^ (z >> 31)
	}
	return h
}

func values(table, columns string, rows [][]string) statement {
	rs := make([]string, len(rows))
	for i, r := range rows {
		rs[i] = "(" + strings.Join(r, ", ") + ")"
	}
	return statement{table: table, sql: fmt.Sprintf("INSERT INTO wh.%s (%s) VALUES %s", table, columns, strings.Join(rs, ", "))}
}

func num[T int | int64 | uint32 | uint64](v T) string { return fmt.Sprint(v) }

func dtLit(epoch uint32) string {
	return chsql.QuoteString(time.Unix(int64(epoch), 0).UTC().Format(time.DateTime))
}

func (g *tenantGen) emailDomain() string {
	switch g.t {
	case 1:
		return "@demo.example.com"
	case 2:
		return Tenant2EmailDomain
	}
	return fmt.Sprintf("@tenant%d.example.com", g.t)
}

// userWallet is the wallet index of user number k (0 for admin and managers).
func userWallet(k int) int {
	if k <= 4 {
		return 0
	}
	return (k-5)%walletsPerTenant + 1
}

func (g *tenantGen) linePhone(l int) string {
	if g.t == 2 {
		return fmt.Sprintf("%s%06d", Tenant2PhonePrefix, 990000+l)
	}
	return fmt.Sprintf("+55113%07d", 4000000+(g.t%100)*10+l)
}

func (g *tenantGen) dimensions() []statement {
	t := g.t
	var out []statement
	out = append(out, values("tenants", "tenant_id, name, time_zone", [][]string{{num(t), chsql.QuoteString(g.name), chsql.QuoteString(g.tz)}}))

	var rows [][]string
	for w := 1; w <= walletsPerTenant; w++ {
		rows = append(rows, []string{num(t), num(t*100 + w), chsql.QuoteString(walletNames[w-1])})
	}
	out = append(out, values("wallets", "tenant_id, wallet_id, name", rows))

	rows = nil
	for k := 1; k <= usersPerTenant; k++ {
		h := mix(g.opt.Seed, uint64(t), uint64(k), 1)
		f, l := firstNames[h%uint64(len(firstNames))], lastNames[(h>>16)%uint64(len(lastNames))]
		name := f + " " + l
		if t == 2 {
			name += " " + Tenant2NameMarker
		}
		email := fmt.Sprintf("%s.%s%d%s", ascii(f), ascii(l), k, g.emailDomain())
		role := "viewer"
		switch {
		case k == 1:
			role = "admin"
		case k <= 4:
			role = "manager"
		}
		wallet := 0
		if w := userWallet(k); w > 0 {
			wallet = t*100 + w
		}
		active := "1"
		if h%50 == 0 {
			active = "0"
		}
		rows = append(rows, []string{num(t), num(t*1000 + k), num(wallet), chsql.QuoteString(name), chsql.QuoteString(email), chsql.QuoteString(role), active})
	}
	out = append(out, values("users", "tenant_id, user_id, wallet_id, name, email, role, active", rows))

	rows = nil
	for q := 1; q <= queuesPerTenant; q++ {
		rows = append(rows, []string{num(t), num(t*100 + q), num(t*100 + (q-1)%walletsPerTenant + 1), chsql.QuoteString(queueNames[q-1])})
	}
	out = append(out, values("queues", "tenant_id, queue_id, wallet_id, name", rows))

	rows = nil
	for l := 1; l <= linesPerTenant; l++ {
		rows = append(rows, []string{num(t), num(t*100 + l), num(t*100 + l), chsql.QuoteString(g.linePhone(l)), chsql.QuoteString(g.name + " - " + walletNames[l-1])})
	}
	out = append(out, values("lines", "tenant_id, line_id, wallet_id, phone, name", rows))

	rows = nil
	for i, tp := range templates {
		l := i%linesPerTenant + 1
		rows = append(rows, []string{num(t), num(t*1000 + i + 1), num(t*100 + l), num(t*100 + l), chsql.QuoteString(tp.name), chsql.QuoteString(tp.category), "'pt_BR'",
			dtLit(g.winStart - 30*86400 + uint32(i)*86400)})
	}
	out = append(out, values("templates", "tenant_id, template_id, wallet_id, line_id, name, category, language, created_at", rows))

	rows = nil
	var stages [][]string
	for p, pl := range pipelines {
		pid := t*100 + p + 1
		rows = append(rows, []string{num(t), num(pid), num(t*100 + p + 1), chsql.QuoteString(pl.name)})
		for s, name := range pl.stages {
			stages = append(stages, []string{num(t), num(pid), num(pid*10 + s + 1), num(s + 1), chsql.QuoteString(name)})
		}
	}
	out = append(out, values("pipelines", "tenant_id, pipeline_id, wallet_id, name", rows))
	out = append(out, values("pipeline_stages", "tenant_id, pipeline_id, stage_id, position, name", stages))

	rows = nil
	for b := 1; b <= botsPerTenant; b++ {
		rows = append(rows, []string{num(t), num(t*100 + b), num(t*100 + b), chsql.QuoteString(botNames[b-1])})
	}
	out = append(out, values("bots", "tenant_id, bot_id, wallet_id, name", rows))

	rows = nil
	for _, e := range eventTypes {
		rows = append(rows, []string{num(t), chsql.QuoteString(e.code), chsql.QuoteString(e.label)})
	}
	out = append(out, values("event_types", "tenant_id, event_type, label", rows))
	return out
}
