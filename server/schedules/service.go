package schedules

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/relato/relato/delivery"
	"github.com/relato/relato/engine/export"
	"github.com/relato/relato/server/runs"
)

// Host is what the server supplies: creating a run of a schedule's report
// (compiling its filters, relative periods resolved at now) and writing a
// finished run's result in a format (an export format ID, never an alias or
// empty: writeFile resolves the schedule's format first).
type Host interface {
	StartRun(ctx context.Context, sch *Schedule, now time.Time) (runID string, err error)
	WriteResult(ctx context.Context, r *runs.Run, format string, w io.Writer) error
}

// Linker is a Host that can link a run's file (an e-mail carries the link
// when the file is too big to attach); "" when it cannot.
type Linker interface {
	DownloadURL(r *runs.Run, format, name string) string
}

// Describer is a Host that can put a run's filters in words ("Carteira:
// Vendas · Limite (T): 20 s"): an e-mail shows them under its text.
type Describer interface {
	FiltersText(r *runs.Run) string
}

// Clock tells the time; tests move it.
type Clock interface{ Now() time.Time }

// Service fires due schedules and delivers their runs' files. Several
// instances may share one store: each due time is claimed by one of them.
type Service struct {
	Store *Store
	Runs  *runs.Store
	Host  Host
	Guard *delivery.Guard      // outbound allow-list; nil refuses every internal address
	Retry delivery.RetryPolicy // per destination; zero: 5 attempts from 30 s doubling
	Poll  time.Duration        // default 5s
	Lease time.Duration        // how long a claimed fire stays ours until its run is queued; default 2h
	// DeliveryLease is how long a delivering fire stays ours without a
	// renewal; the delivering instance renews it every DeliveryLease/3, so a
	// dead one's delivery is taken over about DeliveryLease after its last
	// renewal, like a run's lease. Default 1m.
	DeliveryLease time.Duration
	ID            string // instance id; default random
	Logger        *slog.Logger
	// TempDir holds files while they are delivered; default os.TempDir().
	TempDir string
	// Notifier, when set, tells owners about fires that did not deliver.
	Notifier Notifier

	once sync.Once
	stop chan struct{}
	done chan struct{}
}

func (s *Service) init() {
	s.once.Do(func() {
		if s.Poll <= 0 {
			s.Poll = 5 * time.Second
		}
		if s.Lease <= 0 {
			s.Lease = 2 * time.Hour
		}
		if s.DeliveryLease <= 0 {
			s.DeliveryLease = time.Minute
		}
		if s.ID == "" {
			b := make([]byte, 4)
			rand.Read(b)
			host, _ := os.Hostname()
			s.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
		}
		if s.Logger == nil {
			s.Logger = slog.Default()
		}
		if s.Guard == nil {
			s.Guard = delivery.DefaultGuard()
		}
	})
}

// Start runs Tick every Poll until Stop.
func (s *Service) Start() {
	s.init()
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-s.stop; cancel() }()
	go func() {
		defer close(s.done)
		t := time.NewTicker(s.Poll)
		defer t.Stop()
		for {
			if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
				s.Logger.Error("schedules tick", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends the loop and waits for the current tick (deliveries in flight
// are canceled; their fires are taken over after the lease).
func (s *Service) Stop() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
}

// Tick does one pass: take over fires of dead instances, fire due schedules,
// and deliver the files of scheduled runs that finished.
func (s *Service) Tick(ctx context.Context) error {
	s.init()
	var errs []error
	expired, err := s.Store.ExpiredFires(ctx, FireClaimed)
	errs = append(errs, err)
	for _, f := range expired {
		if ok, err := s.Store.TakeFire(ctx, f.ID, FireClaimed, FireClaimed, s.ID, s.Lease); err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		s.startRun(ctx, f)
	}
	fires, err := s.Store.ClaimDue(ctx, s.ID, s.Lease)
	errs = append(errs, err)
	for _, f := range fires {
		s.startRun(ctx, f)
	}
	errs = append(errs, s.deliverFinished(ctx))
	return errors.Join(errs...)
}

// RunNow fires a schedule at once, outside its recurrence, and returns the run id.
func (s *Service) RunNow(ctx context.Context, tenant uint32, id string) (string, error) {
	s.init()
	f, err := s.Store.FireNow(ctx, tenant, id, s.ID, s.Lease)
	if err != nil {
		return "", err
	}
	runID, err := s.startRun(ctx, f)
	if err != nil {
		return "", err
	}
	return runID, nil
}

func (s *Service) startRun(ctx context.Context, f *Fire) (string, error) {
	log := s.Logger.With("schedule_id", f.ScheduleID, "tenant_id", f.TenantID, "due_at", f.DueAt, "fire_id", f.ID)
	sch, err := s.Store.Get(ctx, f.TenantID, f.ScheduleID)
	if err == nil {
		var runID string
		runID, err = s.Host.StartRun(ctx, sch, s.Store.now())
		if err == nil {
			if err = s.Store.FireQueued(ctx, f.ID, runID, sch); err == nil {
				log.Info("schedule fired", "run_id", runID, "manual", f.Manual)
				return runID, nil
			}
		}
	}
	log.Error("schedule fire failed", "err", err)
	if eerr := s.Store.EndFire(context.WithoutCancel(ctx), f.ID, FireRunFailed, err); eerr != nil {
		log.Error("record failed fire", "err", eerr)
	}
	return "", err
}

// deliverFinished delivers the runs that finished since the last pass, and
// fires whose delivering instance died.
func (s *Service) deliverFinished(ctx context.Context) error {
	var errs []error
	queued, err := s.Store.Fires(ctx, FireQueued, 100)
	errs = append(errs, err)
	for _, f := range queued {
		r, err := s.Runs.Get(ctx, f.TenantID, *f.RunID)
		if errors.Is(err, runs.ErrNotFound) {
			errs = append(errs, s.Store.EndFire(ctx, f.ID, FireRunFailed, errors.New("the run was deleted before it was delivered")))
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch r.Status {
		case runs.StatusFinished:
		case runs.StatusFailed, runs.StatusCanceled:
			msg := "the run " + string(r.Status)
			if r.Error != nil {
				msg += ": " + *r.Error
			}
			errs = append(errs, s.Store.EndFire(ctx, f.ID, FireRunFailed, errors.New(msg)))
			if sch, err := s.Store.Get(ctx, f.TenantID, f.ScheduleID); err == nil {
				s.notifyFailure(ctx, sch, r.ID, string(FireRunFailed), errors.New(msg))
			}
			continue
		default:
			continue
		}
		ok, err := s.Store.TakeFire(ctx, f.ID, FireQueued, FireDelivering, s.ID, s.DeliveryLease)
		if err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.deliver(ctx, f, r))
	}
	stuck, err := s.Store.ExpiredFires(ctx, FireDelivering)
	errs = append(errs, err)
	for _, f := range stuck {
		if ok, err := s.Store.TakeFire(ctx, f.ID, FireDelivering, FireDelivering, s.ID, s.DeliveryLease); err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		r, err := s.Runs.Get(ctx, f.TenantID, *f.RunID)
		if err != nil {
			errs = append(errs, s.Store.EndFire(ctx, f.ID, FireRunFailed, err))
			continue
		}
		errs = append(errs, s.deliver(ctx, f, r))
	}
	return errors.Join(errs...)
}

// deliver writes the run's file once and sends it to every destination with
// retries, recording each attempt; the fire ends delivered only if all did.
func (s *Service) deliver(ctx context.Context, f *Fire, r *runs.Run) error {
	log := s.Logger.With("schedule_id", f.ScheduleID, "run_id", r.ID, "fire_id", f.ID)
	sch, err := s.Store.Get(ctx, f.TenantID, f.ScheduleID)
	if err == nil {
		sch, err = s.Store.AsFired(ctx, f, sch)
	}
	if err != nil {
		return s.Store.EndFire(ctx, f.ID, FireFailed, fmt.Errorf("schedule: %w", err))
	}
	file, cleanup, err := s.writeFile(ctx, sch, r)
	if err != nil {
		log.Error("write scheduled file", "err", err)
		return s.Store.EndFire(ctx, f.ID, FireFailed, fmt.Errorf("writing the file: %w", err))
	}
	defer cleanup()
	// Keep the fire ours while we deliver; if the lease is lost (we stalled and
	// another instance took over), stop.
	ctx, stopRenewing := s.renewFire(ctx, f.ID, log)
	defer stopRenewing()
	done, err := s.Store.DeliveredDestinations(ctx, f.ID)
	if err != nil {
		return err
	}
	var failures []string
	for i, d := range sch.Destinations {
		if done[i] {
			// Resuming a fire whose instance died: this destination already has
			// the file, and must not get it twice.
			log.Info("already delivered", "destination", i, "kind", d.Kind)
			continue
		}
		dest, err := delivery.New(d.Kind, d.Config, delivery.WithGuard(s.Guard))
		if err != nil {
			// Configs are validated on save; this is a kind removed since.
			failures = append(failures, fmt.Sprintf("destination %d (%s): %v", i, d.Kind, err))
			continue
		}
		policy := s.Retry
		policy.OnAttempt = func(a delivery.Attempt) {
			rec := Delivery{FireID: f.ID, ScheduleID: sch.ID, TenantID: sch.TenantID, RunID: r.ID, Destination: i, Kind: d.Kind,
				Attempt: a.Number, FileName: file.Name, StartedAt: a.Start, EndedAt: a.End, Bytes: a.Bytes, Outcome: a.Outcome}
			if a.Err != nil {
				m := a.Err.Error()
				rec.Error = &m
			}
			if err := s.Store.RecordDelivery(context.WithoutCancel(ctx), rec); err != nil {
				log.Error("record delivery attempt", "err", err)
			}
		}
		rc, err := delivery.WithRetry(dest, policy).Send(ctx, file)
		if err != nil {
			log.Warn("delivery failed", "destination", i, "kind", d.Kind, "err", err)
			failures = append(failures, fmt.Sprintf("destination %d (%s): %v", i, d.Kind, err))
			continue
		}
		log.Info("delivered", "destination", i, "kind", d.Kind, "remote", rc.Remote, "bytes", rc.Bytes)
	}
	if len(failures) > 0 {
		cause := errors.New(strings.Join(failures, "; "))
		err := s.Store.EndFire(context.WithoutCancel(ctx), f.ID, FireFailed, cause)
		s.notifyFailure(ctx, sch, r.ID, string(FireFailed), cause)
		return err
	}
	return s.Store.EndFire(context.WithoutCancel(ctx), f.ID, FireDelivered, nil)
}

// writeFile renders the run's result to a temporary file named by the
// schedule's template, with the extension and content type of its format.
func (s *Service) writeFile(ctx context.Context, sch *Schedule, r *runs.Run) (delivery.File, func(), error) {
	format, err := export.ParseFormat(sch.Format)
	if err != nil {
		return delivery.File{}, nil, err
	}
	tmp, err := os.CreateTemp(s.TempDir, "relato-delivery-*")
	if err != nil {
		return delivery.File{}, nil, err
	}
	cleanup := func() { os.Remove(tmp.Name()) }
	if err := s.Host.WriteResult(ctx, r, format.ID, tmp); err != nil {
		tmp.Close()
		cleanup()
		return delivery.File{}, nil, err
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return delivery.File{}, nil, err
	}
	vals, from, to := FileValues(sch, r)
	file, err := delivery.FileFromPath(tmp.Name(), RenderFileName(sch.FileName, vals, format.Extension), format.ContentType)
	if err != nil {
		cleanup()
		return delivery.File{}, nil, err
	}
	file.Manifest = delivery.Manifest{ReportID: r.ReportID, ReportVersion: fmt.Sprint(r.ReportVersion), RunID: r.ID, PeriodFrom: from, PeriodTo: to, Truncated: r.Truncated}
	if r.TotalRows != nil {
		file.Manifest.Rows = *r.TotalRows
	}
	if d, ok := s.Host.(Describer); ok {
		file.Manifest.Filters = d.FiltersText(r)
	}
	if l, ok := s.Host.(Linker); ok {
		file.DownloadURL = l.DownloadURL(r, format.ID, file.Name)
	}
	return file, cleanup, nil
}

// FileValues are the file-name template values of a run of sch.
func FileValues(sch *Schedule, r *runs.Run) (v FileNameValues, from, to time.Time) {
	loc, err := sch.Location()
	if err != nil {
		loc = time.UTC
	}
	v = FileNameValues{ReportID: r.ReportID, Report: r.ReportID, RunTime: r.RequestedAt.In(loc), RunID: r.ID, Schedule: sch.Name}
	if i := strings.LastIndexByte(r.ReportID, '.'); i >= 0 {
		v.Report = r.ReportID[i+1:]
	}
	var resolved map[string]string
	if json.Unmarshal(r.FiltersResolved, &resolved) == nil {
		if p, ok := resolved["period"]; ok {
			f, t, _ := strings.Cut(p, "/")
			from, _ = time.Parse(time.RFC3339, f)
			to, _ = time.Parse(time.RFC3339, t)
			if !from.IsZero() && to.After(from) {
				// The end is exclusive; a name says the last day it covers.
				v.From, v.To = from.Format(time.DateOnly), to.Add(-time.Nanosecond).Format(time.DateOnly)
			}
		}
	}
	return v, from, to
}

// renewFire renews fire fireID's lease every Lease/3 until the returned stop
// is called; the returned context is canceled if the lease is lost.
func (s *Service) renewFire(ctx context.Context, fireID string, log *slog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		t := time.NewTicker(s.DeliveryLease / 3)
		defer t.Stop()
		for {
			select {
			case <-stopped:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := s.Store.RenewFire(ctx, fireID, s.ID, s.DeliveryLease)
				if err != nil {
					log.Warn("renew delivery lease", "err", err)
					continue
				}
				if !ok {
					log.Warn("delivery lease lost: another instance took the fire over")
					cancel()
					return
				}
			}
		}
	}()
	return ctx, func() { close(stopped); cancel() }
}
