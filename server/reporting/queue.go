package reporting

import (
	"context"
	"strings"

	"github.com/relato/relato/engine"

	"github.com/relato/relato/server/runs"
)

// QueuePlace is where a waiting run stands in its line and why it waits, in
// the terms the pages show ("2º na fila da carteira Vendas, aguardando
// Protocolos de atendimento").
type QueuePlace struct {
	// Position is 1 at the head of the line (waiting for a free worker), 2
	// with one run ahead, and so on.
	Position int
	// SharedBy says which runs share the line: "wallet" (every run of the
	// tenant's wallet, whatever the report) or "report" (runs without a wallet
	// line up only with runs of the same report; runs.QueueKey).
	SharedBy string
	// Wallet is the wallet's id and WalletName its name in the warehouse
	// ("" when the line is by report, or the name is unknown).
	Wallet, WalletName string
	// Ahead is the run just ahead in the line; nil at position 1.
	Ahead *runs.Run
}

// QueuePlace tells where r stands in its queue key; nil for a run that is not
// waiting. A wallet name that cannot be read is logged and left empty: the
// place is still worth showing.
func (s *Service) QueuePlace(ctx context.Context, r *runs.Run) (*QueuePlace, error) {
	s.init()
	if r.Status != runs.StatusWaiting {
		return nil, nil
	}
	p, err := s.Runs.Place(ctx, r)
	if err != nil {
		return nil, err
	}
	qp := &QueuePlace{Position: p.Position, Ahead: p.Ahead, SharedBy: "report"}
	// Keys are "t<tenant>/w<wallet>" or "t<tenant>/no-wallet/<report>"
	// (runs.QueueKey).
	if _, rest, ok := strings.Cut(r.QueueKey, "/w"); ok && !strings.Contains(r.QueueKey, "/no-wallet") {
		qp.SharedBy, qp.Wallet = "wallet", rest
		// From the per-tenant lookups cache: a run's answer costs no
		// warehouse query, which would wait behind the runs it executes.
		for _, lk := range engine.Lookups() {
			if lk.Name != "wallet" {
				continue
			}
			names, err := s.lookups.Labels(ctx, lk, r.TenantID)
			if err != nil {
				s.Logger.Warn("wallet name for queue place", "run", r.ID, "err", err)
			}
			qp.WalletName = names[rest]
		}
	}
	return qp, nil
}
