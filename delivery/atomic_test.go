package delivery

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// fakeDir records the calls of the atomic upload; real servers are tested
// in ftp_test.go and sftp_test.go.
type fakeDir struct {
	calls   []string
	files   map[string]string
	failPut bool
}

func (d *fakeDir) Put(_ context.Context, path string, r io.Reader) error {
	d.calls = append(d.calls, "put "+path)
	if d.failPut {
		return errors.New("disk full")
	}
	b, _ := io.ReadAll(r)
	d.files[path] = string(b)
	return nil
}

func (d *fakeDir) Rename(_ context.Context, from, to string) error {
	d.calls = append(d.calls, "rename "+from+" "+to)
	d.files[to] = d.files[from]
	delete(d.files, from)
	return nil
}

func (d *fakeDir) Remove(_ context.Context, path string) error {
	d.calls = append(d.calls, "remove "+path)
	delete(d.files, path)
	return nil
}

func TestStoreAtomically_RenamesOnlyAVerifiedPart(t *testing.T) {
	t.Parallel()
	u := remoteUpload{kind: "delivery.test"}
	badSum := errors.New("sha256 differs")
	cases := []struct {
		name      string
		failPut   bool
		check     error
		canceled  bool
		wantCalls []string
		wantErr   string
	}{
		{"a good upload is renamed into place", false, nil, false, []string{"put out/r.csv.part", "rename out/r.csv.part out/r.csv"}, ""},
		{"a failed upload removes its part", true, nil, false, []string{"put out/r.csv.part", "remove out/r.csv.part"}, "delivery.test: upload out/r.csv.part: disk full"},
		{"a failed check removes the part and never renames", false, badSum, false, []string{"put out/r.csv.part", "remove out/r.csv.part"}, "delivery.test: sha256 differs"},
		{"after cancel the dead session is not asked to remove", true, nil, true, []string{"put out/r.csv.part"}, "context canceled"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := &fakeDir{files: map[string]string{}, failPut: c.failPut}
			ctx, cancel := context.WithCancel(context.Background())
			if c.canceled {
				cancel()
			}
			defer cancel()
			err := u.storeAtomically(ctx, d, "out/r.csv", strings.NewReader("a,b\n"), func() error { return c.check })
			if !slices.Equal(d.calls, c.wantCalls) {
				t.Errorf("calls %q, want %q", d.calls, c.wantCalls)
			}
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("err = %v, want %q", err, c.wantErr)
			}
			if c.check != nil && !errors.Is(err, c.check) {
				t.Errorf("err = %v does not wrap the check's error", err)
			}
			if c.wantErr == "" && d.files["out/r.csv"] != "a,b\n" {
				t.Errorf("files %v", d.files)
			}
		})
	}
}
