package delivery_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
)

// A file cut at its report's max_rows says so where it travels: the
// manifest sidecar (truncated, and rows = the cap), under the name as typed.
func TestDestinations_DeliverACutFileUnderItsNameAsTyped(t *testing.T) {
	t.Parallel()
	const name = "relatório_nível serviço_2026-11-30.csv"
	type target struct {
		kind string
		root string
		dest delivery.Destination
	}
	var targets []target
	for _, m := range ftpModes {
		srv := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: m.mode})
		d, err := delivery.New(m.kind, ftpConfig(srv, `"manifest": true`), loopback)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, target{m.kind, srv.Root, d})
	}
	sshd := deliverytest.StartSSHD(t)
	d, err := delivery.New(delivery.KindSFTP, sftpConfig(sshd, map[string]any{"manifest": true}), loopback)
	if err != nil {
		t.Fatal(err)
	}
	targets = append(targets, target{delivery.KindSFTP, sshd.Root, d})

	for _, tg := range targets {
		t.Run(tg.kind, func(t *testing.T) {
			f := csvFile(name, reportCSV(10))
			f.Manifest = delivery.Manifest{Rows: 10000, ReportID: "extraction.contact_phones", Truncated: true}
			if _, err := tg.dest.Send(context.Background(), f); err != nil {
				t.Fatalf("send: %v", err)
			}
			readBack(t, tg.root, name) // fails the test when the name arrived changed
			var man struct {
				File      string `json:"file"`
				Rows      int64  `json:"rows"`
				Truncated *bool  `json:"truncated"`
			}
			if err := json.Unmarshal(readBack(t, tg.root, name+".manifest.json"), &man); err != nil {
				t.Fatal(err)
			}
			if man.File != name || man.Rows != 10000 || man.Truncated == nil || !*man.Truncated {
				t.Errorf("manifest = %+v, want file %q, rows 10000, truncated true", man, name)
			}
		})
	}
}
