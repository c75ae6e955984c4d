package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/reporting"
)

// unknownReport is the error for a report id the catalog lacks, naming the
// id it most likely meant, as the pages would offer it.
func unknownReport(cat *engine.Catalog, id string) error {
	ids := make([]string, 0, len(cat.Reports))
	for k := range cat.Reports {
		ids = append(ids, k)
	}
	if guess := engine.Suggest(id, ids); guess != "" {
		return i18n.Errorf(i18n.CLIUnknownReportDidYouMean, id, guess)
	}
	return i18n.Errorf(i18n.CLIUnknownReport, id)
}

// lookups lists the values a lookup filter accepts for a tenant, with their
// labels: `relato lookups wallet --tenant 1`. It reads them through
// reporting.LookupValues, as GET /v1/lookups/{kind} does.
func (a *app) lookups(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("lookups", flag.ContinueOnError)
	var c common
	c.register(fs)
	tenant := fs.Uint("tenant", 1, "tenant id")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var kinds []string
	for _, lk := range engine.Lookups() {
		kinds = append(kinds, lk.Name)
	}
	if len(pos) != 1 {
		return i18n.Errorf(i18n.CLILookupsOneKind, strings.Join(kinds, ", "))
	}
	b, err := c.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	app := &reporting.Service{Warehouse: b, Tables: warehouse().Tables}
	values, err := app.LookupValues(ctx, uint32(*tenant), pos[0])
	var unknown reporting.ErrUnknownLookup
	if errors.As(err, &unknown) {
		msg := fmt.Sprintf("unknown lookup %q", pos[0])
		if guess := engine.Suggest(pos[0], kinds); guess != "" {
			msg += fmt.Sprintf("; did you mean %s?", guess)
		}
		return fmt.Errorf("%s (lookups: %s)", msg, strings.Join(kinds, ", "))
	}
	if err != nil {
		return fmt.Errorf("%w (is the warehouse seeded? run relato seed)", err)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "VALUE\tLABEL")
	for _, v := range values {
		fmt.Fprintf(w, "%s\t%s\n", v.Value, v.Label)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "%d %s values for tenant %d; a filter takes the value, or the label where it names one value only (--filter wallet=Vendas)\n", len(values), pos[0], *tenant)
	return nil
}
