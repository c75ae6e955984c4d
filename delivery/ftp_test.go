package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
)

func ftpConfig(s *deliverytest.FTPServer, extra string) []byte {
	cfg := map[string]any{"host": s.Host, "port": s.Port, "username": s.User, "password": s.Password, "directory": s.Root}
	if s.Cert.CertPEM != nil {
		cfg["tls"] = map[string]any{"ca_pem": string(s.Cert.CertPEM)}
	}
	b, _ := json.Marshal(cfg)
	if extra != "" {
		b = append(b[:len(b)-1], ","+extra+"}"...)
	}
	return b
}

var ftpModes = []struct {
	kind string
	mode deliverytest.FTPMode
}{
	{delivery.KindFTP, deliverytest.FTPPlain},
	{delivery.KindFTPES, deliverytest.FTPExplicitTLS},
	{delivery.KindFTPS, deliverytest.FTPImplicitTLS},
}

func TestFTP_DeliversFileByteForByteWithManifest(t *testing.T) {
	t.Parallel()
	for _, m := range ftpModes {
		t.Run(m.kind, func(t *testing.T) {
			t.Parallel()
			srv := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: m.mode})
			dest, err := delivery.New(m.kind, ftpConfig(srv, `"manifest": true`), loopback)
			if err != nil {
				t.Fatal(err)
			}
			body := reportCSV(7000)
			if len(body) < 300_000 {
				t.Fatalf("fixture too small: %d bytes", len(body))
			}
			f := csvFile("nível_de_serviço_2025-01.csv", body)
			f.Manifest = delivery.Manifest{Rows: 7000, ReportID: "kpis.service_level", ReportVersion: "3",
				PeriodFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), PeriodTo: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}

			rc, err := dest.Send(context.Background(), f)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if got := readBack(t, srv.Root, f.Name); !bytes.Equal(got, body) {
				t.Fatalf("delivered %d bytes differ from the %d sent", len(got), len(body))
			}
			if rc.Bytes != int64(len(body)) || rc.Remote != filepath.Join(srv.Root, f.Name) {
				t.Errorf("receipt = %+v", rc)
			}
			var man struct {
				File     string `json:"file"`
				Bytes    int64  `json:"bytes"`
				SHA256   string `json:"sha256"`
				Rows     int64  `json:"rows"`
				ReportID string `json:"report_id"`
				Version  string `json:"report_version"`
				From     string `json:"period_from"`
			}
			if err := json.Unmarshal(readBack(t, srv.Root, f.Name+".manifest.json"), &man); err != nil {
				t.Fatal(err)
			}
			if man.SHA256 != sha256hex(body) || man.Bytes != int64(len(body)) || man.Rows != 7000 ||
				man.File != f.Name || man.ReportID != "kpis.service_level" || man.Version != "3" || man.From != "2025-01-01T00:00:00Z" {
				t.Errorf("manifest = %+v", man)
			}
			assertNoPartFiles(t, srv.Root)
		})
	}
}

func TestFTP_WrongPasswordIsPermanentAuthFailure(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: deliverytest.FTPPlain})
	srv.Password = "wrong"
	dest, err := delivery.New(delivery.KindFTP, ftpConfig(srv, ""), loopback)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dest.Send(context.Background(), csvFile("a.csv", []byte("x\n")))
	if !errors.Is(err, delivery.ErrAuth) || !delivery.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent ErrAuth", err)
	}
}

func TestFTPS_CertificateChecks(t *testing.T) {
	t.Parallel()
	for _, m := range ftpModes[1:] {
		t.Run(m.kind, func(t *testing.T) {
			t.Parallel()
			srv := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: m.mode})
			base := map[string]any{"host": srv.Host, "port": srv.Port, "username": srv.User, "password": srv.Password, "directory": srv.Root}
			other := deliverytest.NewCert(t, "someone-else")
			cases := []struct {
				name    string
				tls     map[string]any
				wantErr error
			}{
				{"an untrusted self-signed certificate is refused", nil, delivery.ErrCertificateUntrust},
				{"a certificate other than the pinned one is refused", map[string]any{"fingerprint_sha256": other.Fingerprint}, delivery.ErrCertificateMismatch},
				{"a CA that did not sign it is refused", map[string]any{"ca_pem": string(other.CertPEM)}, delivery.ErrCertificateUntrust},
				{"the pinned certificate is accepted", map[string]any{"fingerprint_sha256": srv.Cert.Fingerprint}, nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					cfg := maps(base, "tls", c.tls)
					dest, err := delivery.New(m.kind, cfg, loopback)
					if err != nil {
						t.Fatal(err)
					}
					res, err := dest.(delivery.Tester).Test(context.Background())
					if res.Fingerprint != srv.Cert.Fingerprint {
						t.Errorf("test reported fingerprint %q, want %q", res.Fingerprint, srv.Cert.Fingerprint)
					}
					if c.wantErr == nil {
						if err != nil {
							t.Fatalf("test: %v", err)
						}
						return
					}
					if !errors.Is(err, c.wantErr) || !delivery.IsPermanent(err) {
						t.Fatalf("test err = %v, want permanent %v", err, c.wantErr)
					}
					if _, err := dest.Send(context.Background(), csvFile("a.csv", []byte("x\n"))); !errors.Is(err, c.wantErr) {
						t.Fatalf("send err = %v, want %v", err, c.wantErr)
					}
					if _, err := os.Stat(filepath.Join(srv.Root, "a.csv")); err == nil {
						t.Error("file was delivered despite the refused certificate")
					}
				})
			}
		})
	}
}

func TestFTP_PermissionDeniedLeavesNoPartAndNextTryWorks(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Mode: deliverytest.FTPPlain})
	locked := deliverytest.LockedDir(t, srv.Root, "locked")
	cfg := maps(map[string]any{"host": srv.Host, "port": srv.Port, "username": srv.User, "password": srv.Password}, "directory", locked)
	dest, err := delivery.New(delivery.KindFTP, cfg, loopback)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dest.Send(context.Background(), csvFile("r.csv", reportCSV(100)))
	if !errors.Is(err, delivery.ErrPermissionDenied) || !delivery.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent ErrPermissionDenied", err)
	}
	assertNoPartFiles(t, locked)

	// A stale .part from an interrupted upload must not block the next one.
	if err := os.WriteFile(filepath.Join(srv.Root, "r.csv.part"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chown(filepath.Join(srv.Root, "r.csv.part"), uidOf(t), -1)
	dest, _ = delivery.New(delivery.KindFTP, ftpConfig(srv, ""), loopback)
	body := reportCSV(100)
	if _, err := dest.Send(context.Background(), csvFile("r.csv", body)); err != nil {
		t.Fatalf("send after stale .part: %v", err)
	}
	if !bytes.Equal(readBack(t, srv.Root, "r.csv"), body) {
		t.Fatal("content differs")
	}
	assertNoPartFiles(t, srv.Root)
}

func TestFTP_ServerDownThenUpSucceedsOnRetry(t *testing.T) {
	t.Parallel()
	port := deliverytest.FreePort(t)
	root := deliverytest.UserDir(t)
	cfg := maps(map[string]any{"host": "127.0.0.1", "port": port, "username": deliverytest.TestUserName,
		"password": deliverytest.TestUserPassword}, "directory", root)
	dest, err := delivery.New(delivery.KindFTP, cfg, loopback)
	if err != nil {
		t.Fatal(err)
	}
	var attempts []delivery.Attempt
	var waits []time.Duration
	retry := delivery.WithRetry(dest, delivery.RetryPolicy{
		MaxAttempts: 4, Initial: time.Second, Jitter: -1, // no jitter: waits are exact
		OnAttempt: func(a delivery.Attempt) { attempts = append(attempts, a) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			if len(waits) == 2 { // the server comes up during the second wait
				deliverytest.StartVsftpd(t, deliverytest.VsftpdOptions{Port: port, Root: root})
			}
			return nil
		},
	})
	body := reportCSV(2000)
	if _, err := retry.Send(context.Background(), csvFile("r.csv", body)); err != nil {
		t.Fatalf("send: %v", err)
	}
	if !bytes.Equal(readBack(t, root, "r.csv"), body) {
		t.Fatal("content differs")
	}
	if len(attempts) != 3 {
		t.Fatalf("attempts = %d, want 3 (down, down, up)", len(attempts))
	}
	for i, want := range []string{delivery.OutcomeFailed, delivery.OutcomeFailed, delivery.OutcomeDelivered} {
		a := attempts[i]
		if a.Outcome != want || a.Number != i+1 || a.Kind != delivery.KindFTP || a.End.Before(a.Start) {
			t.Errorf("attempt %d = %+v, want outcome %s", i+1, a, want)
		}
	}
	if attempts[0].Err == nil || attempts[2].Bytes != int64(len(body)) {
		t.Errorf("attempt errors/bytes: %v / %d", attempts[0].Err, attempts[2].Bytes)
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("waits = %v, want [1s 2s]", waits)
	}
}
