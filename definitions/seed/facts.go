package seed

import (
	"fmt"
	"strconv"
)

func f(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func numbers(n int64) string { return "numbers(" + strconv.FormatInt(n, 10) + ")" }

// contacts: current state, created over twice the window (half before it).
func (g *tenantGen) contacts() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("contacts",
		cols("tenant_id, wallet_id, contact_id, name, phone, email, created_at, origin_channel, loyal_user_id, updated_at, document, loyal_since"),
		[]string{
			num(g.t), g.wallet("widx"), g.id("n"), g.contactName("n"), g.contactPhone("n"), g.contactEmail("n"),
			dt("cr"), "och", f("if(loyal, %s, 0)", g.agent(n, "loyal_user", "widx")),
			dt(f("cr + %s %% greatest(1, %d - cr)", n.h("upd"), g.winEnd)),
			f("leftPad(toString(%s %% 100000000000), 11, '0')", n.h("cpf")),
			f("if(loyal, %s, NULL)", dt(f("cr + %s %% greatest(1, %d - cr)", n.h("lsince"), g.winEnd))),
		},
		[]string{
			"number + 1 AS n", g.contactWallet("n") + " AS widx",
			f("toInt64(%s) - if(%s < 0.5, %d, 0) AS cr", g.at(r, "t"), r.u("old"), g.opt.Days*86400),
			r.pickW("oc", channels) + " AS och", r.u("loyal") + " < 0.3 AS loyal",
		}, numbers(g.nContacts))
}

// calls: ~3 % IVR hang-ups, ~10 % of queued calls abandoned (about a tenth of
// them in under 5 s), 8 % outbound; waits exponential with a 5 % long tail,
// talk a gamma(2) of about 4 minutes.
func (g *tenantGen) calls() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("calls",
		cols(`tenant_id, wallet_id, call_id, queue_id, user_id, direction, caller, arrived_at, entered_queue_at,
			answered_at, ended_at, outcome, wait_ms, talk_ms, hold_ms, wrap_ms, queue_position, ivr_path`),
		[]string{
			num(g.t), f("if(oc = 'ivr_abandoned', 0, %s)", g.wallet("widx")), g.id("n"),
			f("if(is_out OR oc = 'ivr_abandoned', 0, %d + qn)", g.t*100),
			f("if(oc = 'answered', %s, 0)", g.agent(n, "agent", "widx")),
			"if(is_out, 'outbound', 'inbound')", g.contactPhone("cn"),
			dt("arr"), dt("eq"), f("if(oc = 'answered', %s, NULL)", dt("eq + intDiv(wait, 1000)")), dt("ended"),
			"oc", "wait", "talk", "hold", "wrap",
			f("if(oc != 'ivr_abandoned' AND NOT is_out, 1 + intDiv(wait, 20000) + %s, 0)", n.mod("pos", 3)),
			f("if(is_out, '', concat('menu>', toString(1 + %s), if(oc = 'ivr_abandoned' AND %s < 0.5, '', concat('>', toString(1 + %s)))))",
				n.mod("m1", 4), n.u("m3"), n.mod("m2", 3)),
		},
		[]string{
			"number + 1 AS n", r.u("dir") + " < 0.08 AS is_out", r.u("out") + " AS r_out",
			"multiIf(is_out, 'answered', r_out < 0.03, 'ivr_abandoned', r_out < 0.13, 'abandoned', 'answered') AS oc",
			"1 + " + r.mod("q", queuesPerTenant) + " AS qn",
			f("if(is_out, 1 + %s, 1 + (qn - 1) %% %d) AS widx", r.mod("ow", walletsPerTenant), walletsPerTenant),
			f("1 + %s AS cn", r.mod("c", g.nContacts)),
			g.at(r, "t") + " AS arr",
			f("if(is_out, 0, 8 + %s) AS ivr_s", r.mod("ivr", 80)),
			"arr + ivr_s AS eq",
			f("toUInt32(multiIf(is_out OR oc = 'ivr_abandoned', 0, oc = 'answered', least(1800000, %s * if(%s < 0.05, 8, 1)), least(1800000, %s * if(%s < 0.05, 6, 1)))) AS wait",
				r.exp("w1", 22000), r.u("w2"), r.exp("w3", 45000), r.u("w4")),
			f("toUInt32(if(oc = 'answered', %s + %s + 15000, 0)) AS talk", r.exp("t1", 110000), r.exp("t2", 110000)),
			f("toUInt32(if(oc = 'answered' AND %s < 0.3, %s, 0)) AS hold", r.u("h1"), r.exp("h2", 40000)),
			f("toUInt32(if(oc = 'answered', 3000 + %s, 0)) AS wrap", r.mod("wr", 60000)),
			"multiIf(oc = 'answered', eq + intDiv(wait + talk + hold, 1000), oc = 'abandoned', eq + intDiv(wait, 1000), eq) AS ended",
		}, numbers(g.opt.Calls))
}

func (g *tenantGen) conversations() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("conversations",
		cols(`tenant_id, wallet_id, conversation_id, contact_id, channel, direction, handled_by, user_id, bot_id,
			started_at, first_response_at, ended_at, status, protocol, event_type, line_id, queue_id`),
		[]string{
			num(g.t), g.wallet("widx"), g.id("n"), g.id("cn"), "ch", "dir", "hb",
			f("if(hb = 'user', %s, 0)", g.agent(n, "agent", "widx")),
			f("if(hb = 'bot', %d + 1 + %s, 0)", g.t*100, n.mod("bot", botsPerTenant)),
			dt("st"), f("if(hb = 'none', NULL, %s)", dt("st + fr")), f("if(is_open, NULL, %s)", dt("st + fr + dur")),
			"if(is_open, 'open', 'closed')",
			f("concat('%d', formatDateTime(%s, '%%Y%%m%%d'), leftPad(toString(n), 9, '0'))", g.t, dt("st")),
			"ev",
			f("if(ch = 'whatsapp', %d + 1 + (widx - 1) %% %d, 0)", g.t*100, linesPerTenant),
			f("if(ch = 'voice', %d + widx, 0)", g.t*100),
		},
		[]string{
			"number + 1 AS n", f("1 + %s AS cn", r.mod("c", g.nContacts)), g.contactWallet("cn") + " AS widx",
			r.pickW("ch", channels) + " AS ch", f("if(%s < 0.2, 'outbound', 'inbound') AS dir", r.u("dir")),
			r.u("hb") + " AS rhb",
			// An unanswered voice call is no conversation (it lives in wh.calls only).
			"multiIf(rhb < 0.10 AND ch != 'voice', 'none', rhb < 0.35 AND ch IN ('whatsapp', 'webchat'), 'bot', 'user') AS hb",
			g.at(r, "t") + " AS st", r.u("open") + " < 0.04 AS is_open",
			f("toUInt32(multiIf(hb = 'none', 0, hb = 'bot', 1 + %s, 5 + %s)) AS fr", r.mod("fb", 5), r.exp("fr", 90)),
			f("toUInt32(30 + %s) AS dur", r.exp("dur", 600)),
			f("multiIf(is_open, '', hb = 'none', 'no_answer', hb = 'bot', %s, %s) AS ev", r.pickW("evb", botEvents), r.pickW("evu", userEvents)),
		}, numbers(g.nConv))
}

// kpiEvents: the closing event of every served, closed conversation.
func (g *tenantGen) kpiEvents() statement {
	c := g.r.with("conversation_id")
	return statement{table: "kpi_events", sql: f(`INSERT INTO wh.kpi_events (tenant_id, wallet_id, event_id, occurred_at, channel, event_type, user_id, bot_id, contact_id, conversation_id, value)
SELECT tenant_id, wallet_id, conversation_id, assumeNotNull(ended_at), channel, event_type, user_id, bot_id, contact_id, conversation_id,
  if(event_type = 'sale', round(49.9 + %s %% 500000 / 100.0, 2), 1)
FROM wh.conversations WHERE tenant_id = %d AND status = 'closed' AND handled_by != 'none'`, c.h("value"), g.t)}
}

// botFlowKPIs: three KPI records per bot conversation (start, option, end).
func (g *tenantGen) botFlowKPIs() statement {
	c := g.r.with("conversation_id")
	return statement{table: "bot_flow_kpis", sql: f(`INSERT INTO wh.bot_flow_kpis (tenant_id, wallet_id, recorded_at, bot_id, flow, kpi, value, contact_id, conversation_id)
SELECT tenant_id, wallet_id, started_at + step * 20, bot_id, %s,
  multiIf(step = 1, 'flow_started', step = 2, 'option_selected', %s < 7, 'flow_completed', 'transferred_to_agent'),
  if(step = 2, 1 + %s, 1), contact_id, conversation_id
FROM wh.conversations ARRAY JOIN [1, 2, 3] AS step WHERE tenant_id = %d AND handled_by = 'bot'`,
		c.pick("flow", botFlows), c.mod("done", 10), c.mod("option", 5), g.t)}
}

// npsAnswers: 40 % of closed WebChat conversations served by a user.
func (g *tenantGen) npsAnswers() statement {
	c := g.r.with("conversation_id")
	score := f("arrayElement(npsscores, 1 + %s)", c.mod("score", 100))
	return statement{table: "nps_answers", sql: f(`INSERT INTO wh.nps_answers (tenant_id, wallet_id, answer_id, answered_at, channel, contact_id, conversation_id, user_id, score, comment)
%s SELECT tenant_id, wallet_id, conversation_id, assumeNotNull(ended_at) + 30 + %s, 'webchat', contact_id, conversation_id, user_id, sc,
  if(%s < 50, '', multiIf(sc >= 9, %s, sc >= 7, %s, %s))
FROM (SELECT *, %s AS sc FROM wh.conversations WHERE tenant_id = %d AND channel = 'webchat' AND handled_by = 'user' AND status = 'closed' AND %s < 40)`,
		g.prelude, c.mod("delay", 600), c.mod("comment", 100), c.pick("good", npsCommentsGood), c.pick("mid", npsCommentsMid), c.pick("bad", npsCommentsBad),
		score, g.t, c.mod("nps", 100))}
}

// userSessions: two sessions per user per workday (morning, afternoon), 8 %
// absences; 4 % of morning logouts are recorded after the afternoon login
// (incorrect logout), 3 % of afternoon sessions never log out.
func (g *tenantGen) userSessions() statement {
	days := int64(len(g.dayStarts))
	kd := g.r.with("k, d") // same (user, day) → same values in both parts
	login1 := f("(ds + 13 * 3600 + %s)", kd.mod("l1", 3600))
	return g.insert("user_sessions",
		cols("tenant_id, wallet_id, session_id, user_id, login_at, logout_at, origin_ip, logout_reason"),
		[]string{
			num(g.t), f("if(k <= 4, 0, %d + (k - 5) %% %d + 1)", g.t*100, walletsPerTenant), g.id("number + 1"), f("%d + k", g.t*1000),
			dt("login"), f("if(lo = 0, NULL, %s)", dt("lo")), g.ip(g.r.with("k"), "ip"),
			"multiIf(lo = 0, '', bad, 'timeout', part = 1 AND " + kd.mod("why", 10) + " = 0, 'timeout', 'user')",
		},
		[]string{
			"number", f("number %% %d + 1 AS k", usersPerTenant), f("intDiv(number, %d) %% %d AS d", usersPerTenant, days),
			f("intDiv(number, %d) AS part", int64(usersPerTenant)*days), "arrayElement(daystarts, d + 1) AS ds",
			f("part = 0 AND %s < 4 AS bad", kd.mod("bad", 100)),
			f("if(part = 0, ds + 7 * 3600 + 1800 + %s, %s) AS login", kd.mod("l0", 7200), login1),
			f("multiIf(bad, %s + 60 + %s, part = 0, ds + 11 * 3600 + 1800 + %s, %s < 3, 0, ds + 17 * 3600 + %s) AS lo",
				login1, kd.mod("late", 1800), kd.mod("o0", 3600), kd.mod("open", 100), kd.mod("o1", 7200)),
		}, f("numbers(%d) WHERE arrayElement(workday, d + 1) = 1 AND %s >= 8", int64(usersPerTenant)*days*2, kd.mod("absent", 100)))
}

// whatsappSessions: 70 % opened by the contact, 30 % by the company with a
// template of the line.
func (g *tenantGen) whatsappSessions() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("whatsapp_sessions",
		cols("tenant_id, wallet_id, session_id, line_id, contact_id, opened_at, expires_at, opened_by, template_id, user_id, conversation_id"),
		[]string{
			num(g.t), g.wallet("li"), g.id("n"), f("%d + li", g.t*100), g.id("cn"), dt("op"), dt("op + 86400"),
			"if(by_company, 'company', 'contact')",
			f("if(by_company, %d + li + %d * %s, 0)", g.t*1000, linesPerTenant, n.mod("tpl", int64(len(templates)/linesPerTenant))),
			f("if(by_company AND %s < 70, %s, 0)", n.mod("manual", 100), g.agent(n, "agent", "li")), "0",
		},
		[]string{
			"number + 1 AS n", f("1 + %s AS cn", r.mod("c", g.nContacts)),
			f("1 + (%s - 1) %% %d AS li", g.contactWallet("cn"), linesPerTenant),
			g.at(r, "t") + " AS op", r.u("by") + " < 0.3 AS by_company",
		}, numbers(g.nWA))
}

// stepTime spreads `steps` records per object over the window; step 0 is
// the first record, whose previous status is empty.
func (g *tenantGen) stepTime(r rnd) string {
	span := int64(g.winEnd-g.winStart) / int64(g.steps)
	return f("(%d + step * %d + %s)", g.winStart, span, r.mod("when", span))
}

func (g *tenantGen) lineStatusChanges() statement {
	status := func(step string) string {
		r := g.r.with("li, " + step)
		return f("multiIf(%s = 0, 'PENDING', %s = 1, 'CONNECTED', %s)", step, step, r.pickW("status", lineLaterStatuses))
	}
	r := g.r.with("li, step")
	return g.insert("line_status_changes",
		cols("tenant_id, wallet_id, line_id, changed_at, status, previous_status, quality, messaging_tier, reason"),
		[]string{
			num(g.t), g.wallet("li"), f("%d + li", g.t*100), dt(g.stepTime(r)), status("step") + " AS status",
			f("if(step = 0, '', %s)", status("step - 1")),
			f("if(step = 0, 'UNKNOWN', %s)", r.pickW("quality", qualities)),
			f("arrayElement(%s, least(%d, 1 + intDiv(step, 2)))", stringArray(tiers), len(tiers)),
			f("multiIf(status IN ('FLAGGED', 'RESTRICTED', 'BANNED'), 'Quality rating dropped', status = 'RATE_LIMITED', 'Too many messages', status = 'OFFLINE', 'Connection lost', '')"),
		},
		[]string{f("number %% %d + 1 AS li", linesPerTenant), f("intDiv(number, %d) AS step", linesPerTenant)},
		numbers(int64(linesPerTenant*g.steps)))
}

func (g *tenantGen) templateStatusChanges() statement {
	status := func(step string) string {
		r := g.r.with("tp, " + step)
		first := g.r.with("tp")
		return f("multiIf(%s = 0, 'PENDING', %s = 1, if(%s < 15, 'REJECTED', 'APPROVED'), %s)", step, step, first.mod("rejected", 100), r.pickW("status", templateLaterStatuses))
	}
	r := g.r.with("tp, step")
	cats := make([]string, len(templates))
	for i, t := range templates {
		cats[i] = t.category
	}
	return g.insert("template_status_changes",
		cols("tenant_id, wallet_id, template_id, line_id, changed_at, status, previous_status, category, quality, reason"),
		[]string{
			num(g.t), g.wallet("li"), f("%d + tp", g.t*1000), f("%d + li", g.t*100), dt(g.stepTime(r)), status("step") + " AS status",
			f("if(step = 0, '', %s)", status("step - 1")),
			f("arrayElement(%s, tp)", stringArray(cats)),
			f("if(step = 0, 'UNKNOWN', %s)", r.pickW("quality", qualities)),
			"multiIf(status = 'REJECTED', 'INVALID_FORMAT', status IN ('PAUSED', 'FLAGGED', 'DISABLED'), 'Low quality: negative feedback', status = 'LIMIT_EXCEEDED', 'Template limit reached', '')",
		},
		[]string{f("number %% %d + 1 AS tp", len(templates)), f("intDiv(number, %d) AS step", len(templates)),
			f("(tp - 1) %% %d + 1 AS li", linesPerTenant)},
		numbers(int64(len(templates)*g.steps)))
}

func (g *tenantGen) pipelineCards() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("pipeline_cards",
		cols("tenant_id, wallet_id, card_id, pipeline_id, stage_id, title, value, contact_id, user_id, status, created_at, updated_at"),
		[]string{
			num(g.t), g.wallet("p"), g.id("n"), f("%d + p", g.t*100), f("(%d + p) * 10 + s", g.t*100),
			f("concat(%s, ' #', toString(n), ' - ', %s)", n.pick("title", cardTitles), g.contactName("cn")),
			f("toDecimal64(%s + 9900, 2) / 100", n.mod("value", 2_000_000)), g.id("cn"),
			f("if(%s < 90, %s, 0)", n.mod("owned", 100), g.agent(n, "owner", "p")),
			f("if(s = 5, if(%s < 60, 'won', 'lost'), 'open')", n.mod("won", 100)),
			dt("cr"), dt(f("cr + %s %% greatest(1, %d - cr)", n.h("upd"), g.winEnd)),
		},
		[]string{"number + 1 AS n", f("1 + %s AS p", r.mod("p", int64(len(pipelines)))), f("1 + %s AS s", r.mod("s", 5)),
			f("1 + %s AS cn", r.mod("c", g.nContacts)), f("toInt64(%s) AS cr", g.at(r, "t"))},
		numbers(g.nCards))
}

// campaignStart is the Unix start of campaign c (1-based): spread over the
// window, at a business hour.
func (g *tenantGen) campaignStarts() []uint32 {
	out := make([]uint32, g.nCamp)
	for c := range out {
		day := c * len(g.dayStarts) / g.nCamp
		out[c] = g.dayStarts[day] + uint32(9+c%8)*3600
	}
	return out
}

// hsmSends: 60 % from campaigns (within 2 h of the start), 30 % manual by a
// user, 10 % by the API; 6 % fail, the rest reach sent/delivered/read, and
// 3 % of reads come without a delivery receipt.
func (g *tenantGen) hsmSends() statement {
	r, n := g.r, g.r.with("n")
	codes := make([]int, len(waErrors))
	msgs := make([]string, len(waErrors))
	for i, e := range waErrors {
		codes[i], msgs[i] = e.code, e.message
	}
	campTemplates := make([]int, g.nCamp)
	for c := range campTemplates {
		campTemplates[c] = c%len(templates) + 1
	}
	return g.insert("hsm_sends",
		cols(`tenant_id, wallet_id, send_id, template_id, line_id, contact_id, phone, campaign_id, user_id, origin, status,
			error_code, error_message, sent_at, delivered_at, read_at, failed_at, replied_at`),
		[]string{
			num(g.t), g.wallet("li"), g.id("n"), f("%d + tp", g.t*1000), f("%d + li", g.t*100), g.id("cn"), g.contactPhone("cn"),
			f("if(origin = 'campaign', %d + camp, 0)", g.t*1000), f("if(origin = 'manual', %s, 0)", g.agent(n, "agent", "li")),
			"origin", "st", "if(st = 'failed', arrayElement(" + intArray(codes) + ", err), 0)",
			"if(st = 'failed', arrayElement(" + stringArray(msgs) + ", err), '')",
			dt("sent"),
			f("if(st IN ('delivered', 'read') AND NOT (st = 'read' AND %s < 3), %s, NULL)", n.mod("nodlv", 100), dt("sent + dlv")),
			f("if(st = 'read', %s, NULL)", dt("sent + dlv + rd")),
			f("if(st = 'failed', %s, NULL)", dt("sent + dlv")),
			f("if(st = 'read' AND %s < 20, %s, NULL)", n.mod("reply", 100), dt(f("sent + dlv + rd + 10 + %s", n.exp("rt", 600)))),
		},
		[]string{
			"number + 1 AS n", f("1 + %s AS cn", r.mod("c", g.nContacts)), r.u("origin") + " AS ro",
			"multiIf(ro < 0.6, 'campaign', ro < 0.9, 'manual', 'api') AS origin",
			f("1 + %s AS camp", r.mod("camp", int64(g.nCamp))),
			f("if(origin = 'campaign', arrayElement(%s, camp), 1 + %s) AS tp", intArray(campTemplates), r.mod("tpl", int64(len(templates)))),
			f("(tp - 1) %% %d + 1 AS li", linesPerTenant),
			f("toInt64(if(origin = 'campaign', arrayElement(%s, camp) + %s, %s)) AS sent", intArray(g.campaignStarts()), r.mod("delay", 7200), g.at(r, "t")),
			r.u("status") + " AS rs",
			"multiIf(rs < 0.06, 'failed', rs < 0.15, 'sent', rs < 0.43, 'delivered', 'read') AS st",
			f("1 + %s AS err", r.mod("err", int64(len(waErrors)))),
			f("1 + %s AS dlv", r.mod("dlv", 30)), f("toUInt32(30 + %s) AS rd", r.exp("rd", 1800)),
		}, numbers(g.nHSM))
}

// campaigns: one row per campaign, targets = what was sent plus ~5 % skipped.
func (g *tenantGen) campaigns() statement {
	names := []string{"Black Friday", "Lembrete de vencimento", "Renegociação", "Pesquisa NPS", "Lançamento", "Reativação de clientes", "Aviso de manutenção", "Oferta relâmpago"}
	campNames := make([]string, g.nCamp)
	campTemplates := make([]int, g.nCamp)
	for c := range campNames {
		campNames[c] = fmt.Sprintf("%s #%d", names[c%len(names)], c+1)
		campTemplates[c] = c%len(templates) + 1
	}
	k := g.r.with("c")
	return statement{table: "campaigns", sql: f(`INSERT INTO wh.campaigns (tenant_id, wallet_id, campaign_id, name, template_id, line_id, created_by, started_at, finished_at, targets)
SELECT %d, %d + li, cid, arrayElement(%s, c), %d + tp, %d + li, %d + 2 + %s, toDateTime(start, 'UTC'), greatest(toDateTime(start + 3600, 'UTC'), last_sent), toUInt32(sent + intDiv(sent, 19) + %s)
FROM (SELECT number + 1 AS c, %d + c AS cid, arrayElement(%s, c) AS tp, (tp - 1) %% %d + 1 AS li, arrayElement(%s, c) AS start FROM numbers(%d)) AS k
LEFT JOIN (SELECT campaign_id, count() AS sent, max(sent_at) AS last_sent FROM wh.hsm_sends WHERE tenant_id = %d AND campaign_id != 0 GROUP BY campaign_id) AS s
ON s.campaign_id = k.cid`,
		g.t, g.t*100, stringArray(campNames), g.t*1000, g.t*100, g.t*1000, k.mod("creator", 3), k.mod("skipped", 5),
		g.t*1000, intArray(campTemplates), linesPerTenant, intArray(g.campaignStarts()), g.nCamp, g.t)}
}

func (g *tenantGen) unsubscriptions() statement {
	r := g.r
	return g.insert("unsubscriptions",
		cols("tenant_id, wallet_id, contact_id, phone, campaign_id, line_id, unsubscribed_at, reason, action"),
		[]string{
			num(g.t), g.wallet("li"), g.id("cn"), g.contactPhone("cn"), f("if(from_camp, %d + camp, 0)", g.t*1000), f("%d + li", g.t*100),
			dt("ts0"), "reason", "if(optin, 'opt_in', 'opt_out')",
		},
		[]string{
			f("1 + %s AS cn", r.mod("c", g.nContacts)), r.u("fc") + " < 0.7 AS from_camp",
			f("1 + %s AS camp", r.mod("camp", int64(g.nCamp))),
			f("if(from_camp, (arrayElement(%s, camp) - 1) %% %d + 1, 1 + %s) AS li",
				intArray(campTemplatesOf(g.nCamp)), linesPerTenant, r.mod("line", linesPerTenant)),
			f("toInt64(if(from_camp, arrayElement(%s, camp) + 600 + %s, %s)) AS ts0", intArray(g.campaignStarts()), r.mod("delay", 3*86400), g.at(r, "t")),
			r.pick("reason", unsubscribeReasons) + " AS reason",
			r.u("optin") + " < 0.1 AS optin", // about a tenth of the records subscribe again
		}, numbers(g.nUnsub))
}

func campTemplatesOf(n int) []int {
	out := make([]int, n)
	for c := range out {
		out[c] = c%len(templates) + 1
	}
	return out
}

// appointments: due up to 14 days after creation (some after End); past ones
// mostly done, some still pending (overdue) or canceled.
func (g *tenantGen) appointments() statement {
	r, n := g.r, g.r.with("n")
	end := int64(g.winEnd)
	return g.insert("appointments",
		cols("tenant_id, wallet_id, appointment_id, contact_id, user_id, created_at, due_at, status, done_at, note"),
		[]string{
			num(g.t), g.wallet("widx"), g.id("n"), g.id("cn"), g.agent(n, "agent", "widx"), dt("cr"), dt("due"), "st",
			f("if(st = 'done', %s, NULL)", dt(f("least(%d, due + %s)", end-1, n.mod("late", 7200)))), n.pick("note", appointmentNotes),
		},
		[]string{
			"number + 1 AS n", f("1 + %s AS cn", r.mod("c", g.nContacts)), g.contactWallet("cn") + " AS widx",
			f("toInt64(%s) AS cr", g.at(r, "t")), f("cr + 3600 + %s AS due", r.mod("due", 14*86400)), r.u("st") + " AS rs",
			f("if(due < %d, multiIf(rs < 0.6, 'done', rs < 0.72, 'canceled', 'pending'), if(rs < 0.9, 'pending', 'canceled')) AS st", end),
		}, numbers(g.nAppt))
}

func (g *tenantGen) auditEvents() statement {
	r, n := g.r, g.r.with("n")
	actions := make([]string, len(auditActions))
	objects := make([]string, len(auditActions))
	for i, a := range auditActions {
		actions[i], objects[i] = a.action, a.object
	}
	return g.insert("audit_events",
		cols("tenant_id, wallet_id, event_id, at, user_id, action, object_type, object_id, ip, details"),
		[]string{
			num(g.t), f("if(k = 0 OR k <= 4, 0, %d + (k - 5) %% %d + 1)", g.t*100, walletsPerTenant), g.id("n"), dt("ts0"),
			f("if(k = 0, 0, %d + k)", g.t*1000), "act", "obj",
			f("multiIf(obj = 'contact', toString(%s), obj = 'conversation', toString(%s), obj = 'user', toString(%d + 1 + %s), obj = 'template', toString(%d + 1 + %s), obj = 'campaign', toString(%d + 1 + %s), obj = 'report', concat('run-', toString(n)), '')",
				g.id("1 + "+n.mod("contact", g.nContacts)), g.id("1 + "+n.mod("conv", g.nConv)), g.t*1000, n.mod("user", usersPerTenant),
				g.t*1000, n.mod("tpl", int64(len(templates))), g.t*1000, n.mod("camp", int64(g.nCamp))),
			f("if(k = 0, '10.0.0.5', %s)", g.ip(g.r.with("k"), "ip")),
			"concat('{\"via\":\"', if(k = 0, 'api', 'web'), '\",\"action\":\"', act, '\"}')",
		},
		[]string{
			"number + 1 AS n", f("if(%s < 3, 0, 1 + %s) AS k", r.mod("api", 100), r.mod("k", usersPerTenant)),
			f("1 + %s AS ai", r.mod("action", int64(len(auditActions)))),
			f("arrayElement(%s, ai) AS act", stringArray(actions)), f("arrayElement(%s, ai) AS obj", stringArray(objects)),
			g.at(r, "t") + " AS ts0",
		}, numbers(g.nAudit))
}

func (g *tenantGen) documentSends() statement {
	r, n := g.r, g.r.with("n")
	return g.insert("document_sends",
		cols("tenant_id, wallet_id, send_id, sent_at, user_id, sent_by, document_name, contact_id, recipient_name, recipient, channel, status, read_at, error"),
		[]string{
			num(g.t), g.wallet("widx"), g.id("n"), dt("ts0"), f("if(by_api, 0, %s)", g.agent(n, "agent", "widx")),
			"if(by_api, 'api', 'user')",
			f("concat(%s, '_', formatDateTime(%s, '%%Y%%m'), '.pdf')", n.pick("doc", documentNames), dt("ts0")),
			g.id("cn"), g.contactName("cn"), "if(chn = 'email', mail, phone)", "chn", "st",
			f("if(st = 'read', %s, NULL)", dt("ts0 + 60 + "+n.mod("read", 86400))),
			f("if(st = 'failed', %s, '')", n.pick("error", documentErrors)),
		},
		[]string{
			"number + 1 AS n", f("1 + %s AS cn", r.mod("c", g.nContacts)), g.contactWallet("cn") + " AS widx",
			g.at(r, "t") + " AS ts0", r.u("api") + " < 0.4 AS by_api",
			g.contactEmail("cn") + " AS mail", g.contactPhone("cn") + " AS phone",
			f("if(mail != '' AND %s < 60, 'email', 'whatsapp') AS chn", r.mod("ch", 100)),
			r.u("st") + " AS rs", "multiIf(rs < 0.05, 'failed', rs < 0.2, 'sent', rs < 0.5, 'delivered', 'read') AS st",
		}, numbers(g.nDocs))
}
