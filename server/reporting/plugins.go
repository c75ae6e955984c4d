package reporting

import (
	"context"
	"errors"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/plugins/host"
	"github.com/relato/relato/server/snapshot"
)

// freezePlugin runs a plugin report and freezes its output rows.
func (s *Service) freezePlugin(ctx context.Context, runID string, tenant uint32, comp *engine.Compiled, progress func(int64)) (snapshot.Info, error) {
	res, err := s.Plugins.Run(ctx, tenant, comp)
	if err != nil {
		return snapshot.Info{}, pluginError(err)
	}
	defer res.Close()
	info, err := s.Snapshots.CreateFrom(ctx, runID, comp, func(ctx context.Context, table string) (bool, error) {
		_, err := host.CopyRows(ctx, s.Warehouse, table, snapshot.RowColumn, res)
		return res.Truncated(), err
	}, progress)
	if err != nil {
		return info, pluginError(err)
	}
	return info, nil
}

// pluginFailure is a plugin's own error (host.RunError), fit to show people.
type pluginFailure struct {
	msg string
	err error
}

func (e *pluginFailure) Error() string       { return e.msg }
func (e *pluginFailure) Unwrap() error       { return e.err }
func (e *pluginFailure) UserMessage() string { return e.msg }

func pluginError(err error) error {
	var re *host.RunError
	if errors.As(err, &re) {
		return &pluginFailure{msg: re.Error(), err: err}
	}
	return err
}
