package cli

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/relato/relato/server/instance"
)

// serve runs the API, the pages, the worker pool and the scheduler until a
// signal. Its configuration comes from flags, RELATO_* variables and an
// optional YAML file (see instance.LoadConfig); every bad value is reported
// at once.
func (a *app) serve(ctx context.Context, args []string) error {
	cfg, err := instance.LoadConfig(args, os.LookupEnv, a.stderr)
	if err != nil {
		return err
	}
	instance.Version = buildVersion()
	in, err := instance.New(ctx, cfg, instance.Options{})
	if err != nil {
		return err
	}
	defer in.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	fmt.Fprintf(a.stderr, "relato %s serving http://%s/ (pages), API docs http://%s/docs\n", buildVersion(), ln.Addr(), ln.Addr())
	if cfg.Demo {
		if err := in.DemoUsers(ctx, a.stderr); err != nil {
			return err
		}
	}
	if err := in.Start(ctx, false); err != nil {
		return err
	}
	return in.Serve(ctx, ln)
}
