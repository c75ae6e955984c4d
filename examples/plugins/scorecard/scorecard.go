package main

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/relato/relato/plugins/sdk"
)

type weights struct{ volume, quality, productivity float64 }

type input struct {
	from, to time.Time
	wallet   int64 // 0 = every wallet
	weights  weights
}

func readInput(f sdk.Filters) (input, error) {
	var in input
	var err error
	if in.from, in.to, err = f.Period("period"); err != nil {
		return in, err
	}
	if f.Has("wallet") {
		if in.wallet, err = f.Int("wallet"); err != nil {
			return in, err
		}
	}
	for _, w := range []struct {
		name string
		dst  *float64
	}{{"weight_volume", &in.weights.volume}, {"weight_quality", &in.weights.quality}, {"weight_productivity", &in.weights.productivity}} {
		n, err := f.Int(w.name)
		if err != nil {
			return in, err
		}
		*w.dst = float64(n)
	}
	return in, nil
}

// userStats is one user's activity in the period.
type userStats struct {
	id                    uint64
	name, wallet          string
	calls, talkMS         int64
	conversations         int64
	promoters, detractors int64
	answers               int64
	loggedS               int64
}

func (u *userStats) handled() int64 { return u.calls + u.conversations }

// loggedTimeSQL is each user's logged-in time in seconds, by the rule of
// access.user_logins (definitions/access/user_logins.yaml): the union of the
// user's sessions clipped to [from, to), a session without logout ending at
// the user's next login (in any wallet) and one with neither adding nothing.
// Each session adds the part of its clipped span not covered by the user's
// earlier sessions, so overlapping sessions (an incorrect logout) count once
// and the total never exceeds the period. The wallet filter picks the
// sessions whose share is added, as the report's wallet filter picks rows.
const loggedTimeSQL = `SELECT user_id, sum(share) AS logged FROM (
	  SELECT user_id, wallet_id, login_at, logout_at, next_login,
	      greatest(0, dateDiff('second', greatest(clip_from, ifNull(covered_to, clip_from)), clip_to)) AS share
	  FROM (
	    SELECT *, max(toNullable(clip_to)) OVER (PARTITION BY user_id ORDER BY login_at, session_id
	        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_to
	    FROM (
	      SELECT *, greatest(login_at, {from:DateTime('UTC')}) AS clip_from,
	          least(ifNull(ifNull(logout_at, next_login), greatest(login_at, {from:DateTime('UTC')})), {to:DateTime('UTC')}) AS clip_to
	      FROM (
	        SELECT session_id, user_id, wallet_id, login_at, logout_at,
	            leadInFrame(toNullable(login_at)) OVER (PARTITION BY user_id ORDER BY login_at, session_id
	                ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_login
	        FROM wh.user_sessions WHERE user_id != 0)))
	  WHERE login_at < {to:DateTime('UTC')}
	    AND ({wallet:UInt64} = 0 OR wallet_id = {wallet:UInt64}))
	GROUP BY user_id HAVING logged > 0`

// collect runs one query per source and merges them by user.
func collect(ctx context.Context, wh sdk.Warehouse, in input) ([]*userStats, error) {
	params := map[string]any{"from": in.from, "to": in.to, "wallet": in.wallet}
	byUser := map[uint64]*userStats{}
	user := func(id uint64) *userStats {
		u, ok := byUser[id]
		if !ok {
			u = &userStats{id: id}
			byUser[id] = u
		}
		return u
	}
	const walletCond = ` AND ({wallet:UInt64} = 0 OR wallet_id = {wallet:UInt64})`
	queries := []struct {
		sql  string
		scan func(u *userStats, v []int64)
	}{
		{`SELECT user_id, count(), sum(talk_ms) FROM wh.calls
		  WHERE outcome = 'answered' AND user_id != 0
		    AND entered_queue_at >= {from:DateTime('UTC')} AND entered_queue_at < {to:DateTime('UTC')}` + walletCond + `
		  GROUP BY user_id`,
			func(u *userStats, v []int64) { u.calls, u.talkMS = v[0], v[1] }},
		{`SELECT user_id, count() FROM wh.conversations
		  WHERE handled_by = 'user' AND user_id != 0
		    AND started_at >= {from:DateTime('UTC')} AND started_at < {to:DateTime('UTC')}` + walletCond + `
		  GROUP BY user_id`,
			func(u *userStats, v []int64) { u.conversations = v[0] }},
		{`SELECT user_id, countIf(score >= 9), countIf(score <= 6), count() FROM wh.nps_answers
		  WHERE user_id != 0
		    AND answered_at >= {from:DateTime('UTC')} AND answered_at < {to:DateTime('UTC')}` + walletCond + `
		  GROUP BY user_id`,
			func(u *userStats, v []int64) { u.promoters, u.detractors, u.answers = v[0], v[1], v[2] }},
		{loggedTimeSQL, func(u *userStats, v []int64) { u.loggedS = v[0] }},
	}
	for _, q := range queries {
		err := each(ctx, wh, q.sql, params, func(row []*string) error {
			v, err := ints(row)
			if err != nil {
				return err
			}
			q.scan(user(uint64(v[0])), v[1:])
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(byUser) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(byUser))
	for id := range byUser {
		ids = append(ids, int64(id))
	}
	err := each(ctx, wh, `SELECT u.user_id, u.name, ifNull(w.name, '') FROM wh.users AS u
		LEFT ANY JOIN wh.wallets AS w ON w.wallet_id = u.wallet_id
		WHERE u.user_id IN {ids:Array(UInt32)}`, map[string]any{"ids": ids}, func(row []*string) error {
		id, err := strconv.ParseUint(text(row[0]), 10, 64)
		if err != nil {
			return err
		}
		if u, ok := byUser[id]; ok {
			u.name, u.wallet = text(row[1]), text(row[2])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*userStats, 0, len(byUser))
	for _, u := range byUser {
		if u.handled() == 0 && u.answers == 0 && u.loggedS == 0 {
			continue // no activity: no all-zero row sharing the last rank
		}
		if u.name == "" {
			u.name = fmt.Sprintf("#%d", u.id) // a user missing from wh.users
		}
		out = append(out, u)
	}
	return out, nil
}

func each(ctx context.Context, wh sdk.Warehouse, sql string, params map[string]any, fn func([]*string) error) error {
	rows, err := wh.Query(ctx, sql, params)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Row()); err != nil {
			return err
		}
	}
	return rows.Err()
}

func ints(row []*string) ([]int64, error) {
	out := make([]int64, len(row))
	for i, s := range row {
		if s == nil {
			continue
		}
		n, err := strconv.ParseInt(*s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("unexpected value %q: %v", *s, err)
		}
		out[i] = n
	}
	return out, nil
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// scored is one output row.
type scored struct {
	*userStats
	rank         int
	avgTalk      *float64
	nps          *float64
	productivity *float64
	score        *float64
}

func (r scored) values() []any {
	return []any{r.rank, r.name, r.wallet, r.calls, ptr(r.avgTalk), r.conversations, r.answers, ptr(r.nps),
		time.Duration(r.loggedS) * time.Second, ptr(r.productivity), ptr(r.score)}
}

func ptr(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// score computes each user's components, weighted score and rank.
func score(users []*userStats, w weights) []scored {
	out := make([]scored, len(users))
	var maxHandled int64
	var maxProd float64
	for i, u := range users {
		r := scored{userStats: u}
		if u.calls > 0 {
			r.avgTalk = num(float64(u.talkMS) / 1000 / float64(u.calls))
		}
		if u.answers > 0 {
			r.nps = num(float64(u.promoters-u.detractors) * 100 / float64(u.answers))
		}
		if u.loggedS > 0 {
			r.productivity = num(float64(u.handled()) * 3600 / float64(u.loggedS))
			maxProd = math.Max(maxProd, *r.productivity)
		}
		maxHandled = max(maxHandled, u.handled())
		out[i] = r
	}
	for i := range out {
		r := &out[i]
		var sum, weight float64
		if maxHandled > 0 {
			sum += w.volume * float64(r.handled()) * 100 / float64(maxHandled)
			weight += w.volume
		}
		if r.nps != nil {
			sum += w.quality * (*r.nps + 100) / 2
			weight += w.quality
		}
		if r.productivity != nil && maxProd > 0 {
			sum += w.productivity * *r.productivity * 100 / maxProd
			weight += w.productivity
		}
		if weight > 0 {
			r.score = num(sum / weight)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.score == nil) != (b.score == nil) {
			return a.score != nil
		}
		if a.score != nil && *a.score != *b.score {
			return *a.score > *b.score
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.id < b.id
	})
	for i := range out {
		out[i].rank = i + 1
		if i > 0 && sameScore(out[i].score, out[i-1].score) {
			out[i].rank = out[i-1].rank // ties share a rank: 1, 2, 2, 4
		}
	}
	return out
}

func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func num(f float64) *float64 { return &f }
