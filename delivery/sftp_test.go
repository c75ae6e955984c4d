package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/delivery/deliverytest"
)

func sftpConfig(s *deliverytest.SSHServer, over map[string]any) []byte {
	cfg := map[string]any{"host": s.Host, "port": s.Port, "username": s.User, "password": s.Password,
		"host_key_sha256": s.HostKeyFingerprint, "directory": s.Root}
	for k, v := range over {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	b, _ := json.Marshal(cfg)
	return b
}

func TestSFTP_DeliversFileByteForByte(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartSSHD(t)
	cases := []struct {
		name string
		over map[string]any
	}{
		{"with a password", nil},
		{"with a private key", map[string]any{"password": nil, "private_key": string(srv.ClientKeyPEM), "manifest": true}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest, err := delivery.New(delivery.KindSFTP, sftpConfig(srv, c.over), loopback)
			if err != nil {
				t.Fatal(err)
			}
			body := reportCSV(7000 + i)
			f := csvFile("relatório_"+string(rune('a'+i))+".csv", body)
			f.Manifest.Rows = int64(7000 + i)
			rc, err := dest.Send(context.Background(), f)
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if got := readBack(t, srv.Root, f.Name); !bytes.Equal(got, body) {
				t.Fatalf("delivered %d bytes differ from the %d sent", len(got), len(body))
			}
			if rc.Bytes != int64(len(body)) || rc.SHA256 != sha256hex(body) {
				t.Errorf("receipt = %+v", rc)
			}
			if c.over["manifest"] == true {
				var man struct {
					SHA256 string `json:"sha256"`
					Rows   int64  `json:"rows"`
				}
				if err := json.Unmarshal(readBack(t, srv.Root, f.Name+".manifest.json"), &man); err != nil {
					t.Fatal(err)
				}
				if man.SHA256 != sha256hex(body) || man.Rows != 7001 {
					t.Errorf("manifest = %+v", man)
				}
			}
			assertNoPartFiles(t, srv.Root)
		})
	}
	t.Run("a second delivery replaces the file", func(t *testing.T) {
		dest, _ := delivery.New(delivery.KindSFTP, sftpConfig(srv, nil), loopback)
		for _, body := range [][]byte{[]byte("first\n"), []byte("second\n")} {
			if _, err := dest.Send(context.Background(), csvFile("same.csv", body)); err != nil {
				t.Fatal(err)
			}
		}
		if got := readBack(t, srv.Root, "same.csv"); string(got) != "second\n" {
			t.Fatalf("got %q", got)
		}
	})
}

func TestSFTP_Refusals(t *testing.T) {
	t.Parallel()
	srv := deliverytest.StartSSHD(t)
	otherKey := deliverytest.NewSSHKey(t)
	cases := []struct {
		name    string
		over    map[string]any
		wantErr error
	}{
		{"a wrong password is an auth failure", map[string]any{"password": "wrong"}, delivery.ErrAuth},
		{"an unauthorized key is an auth failure", map[string]any{"password": nil, "private_key": string(otherKey.PrivatePEM)}, delivery.ErrAuth},
		{"a different host key than pinned is refused", map[string]any{"host_key_sha256": otherKey.Fingerprint}, delivery.ErrHostKeyMismatch},
		{"no pinned host key is refused", map[string]any{"host_key_sha256": nil}, delivery.ErrHostKeyNotPinned},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dest, err := delivery.New(delivery.KindSFTP, sftpConfig(srv, c.over), loopback)
			if err != nil {
				t.Fatal(err)
			}
			_, err = dest.Send(context.Background(), csvFile("x.csv", []byte("x\n")))
			if !errors.Is(err, c.wantErr) || !delivery.IsPermanent(err) {
				t.Fatalf("err = %v, want permanent %v", err, c.wantErr)
			}
			if _, err := os.Stat(filepath.Join(srv.Root, "x.csv")); err == nil {
				t.Fatal("file delivered despite the refusal")
			}
		})
	}
	t.Run("a connection test reports the host key to pin", func(t *testing.T) {
		dest, _ := delivery.New(delivery.KindSFTP, sftpConfig(srv, map[string]any{"host_key_sha256": nil}), loopback)
		res, err := dest.(delivery.Tester).Test(context.Background())
		if !errors.Is(err, delivery.ErrHostKeyNotPinned) || res.Fingerprint != srv.HostKeyFingerprint {
			t.Fatalf("test = %+v, %v; want fingerprint %s and ErrHostKeyNotPinned", res, err, srv.HostKeyFingerprint)
		}
	})
	t.Run("insecure_ignore_host_key skips the check explicitly", func(t *testing.T) {
		dest, _ := delivery.New(delivery.KindSFTP, sftpConfig(srv, map[string]any{"host_key_sha256": nil, "insecure_ignore_host_key": true}), loopback)
		if _, err := dest.Send(context.Background(), csvFile("insecure.csv", []byte("ok\n"))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("permission denied leaves no .part behind", func(t *testing.T) {
		locked := deliverytest.LockedDir(t, srv.Root, "locked")
		dest, _ := delivery.New(delivery.KindSFTP, sftpConfig(srv, map[string]any{"directory": locked}), loopback)
		_, err := dest.Send(context.Background(), csvFile("r.csv", reportCSV(50)))
		if !errors.Is(err, delivery.ErrPermissionDenied) || !delivery.IsPermanent(err) {
			t.Fatalf("err = %v, want permanent ErrPermissionDenied", err)
		}
		if !strings.Contains(err.Error(), "r.csv.part") {
			t.Errorf("error %q does not name the file", err)
		}
		assertNoPartFiles(t, locked)
	})
}
