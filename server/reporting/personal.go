package reporting

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
	"github.com/relato/relato/server/runs"
)

// Personal data under control (issue 17, LGPD).
//
//   - A reader without the personal_data permission sees every personal
//     column masked (snapshot.MaskFor) wherever rows travel: the view and its
//     search, the rows API, downloads, deliveries. Result.PersonalData carries
//     the reader's permission; its zero value masks.
//   - The extractions (engine.Definition.RequiresPersonalData) refuse to run
//     without it: ErrPersonalDataRequired, a 403 naming the permission.
//   - A schedule runs with its owner's permission at fire time
//     (Service.PersonalDataOf). An owner who lost it gets a masked file (not a
//     refused delivery: the schedule's other columns keep arriving), and is
//     told through OwnerNotice; a scheduled extraction fails with a message
//     naming the permission.
//   - Every time personal data leaves unmasked — a finished run of a report
//     with personal columns whose requester holds the permission, a download,
//     a delivery — relato writes a row into the warehouse table
//     wh.relato_personal_access (who, when, report, run, filters, rows,
//     purpose), which the tenant's audit.user_actions report shows beside the
//     platform's own wh.audit_events (UNION ALL in its query).

// ErrPersonalDataRequired refuses a report whose purpose is personal data
// (the extractions) to a caller without the personal_data permission.
var ErrPersonalDataRequired = errors.New("this report extracts personal data: running it needs the personal_data permission (ask an admin of your tenant to give it)")

// ErrPurposeRequired refuses to show personal columns whole without a
// purpose, in a tenant that made it mandatory (auth.TenantSettings).
var ErrPurposeRequired = errors.New("this tenant requires a purpose to read personal data unmasked: say why in purpose")

// CheckPurpose refuses (ErrPurposeRequired) to show def's personal columns
// whole to rq without a purpose when rq's tenant requires one; it lets
// everything else through: masked reads need no purpose.
func (s *Service) CheckPurpose(ctx context.Context, tenant uint32, def *engine.Definition, rq Requester) error {
	if !rq.PersonalData || !def.HasPersonalColumns() || strings.TrimSpace(rq.Purpose) != "" || s.PurposeRequired == nil {
		return nil
	}
	req, err := s.PurposeRequired(ctx, tenant)
	if err != nil {
		return err
	}
	if req {
		return ErrPurposeRequired
	}
	return nil
}

// PersonalAccessTable is the warehouse table of relato's LGPD records.
const PersonalAccessTable = "wh.relato_personal_access"

// Actions of the LGPD records.
const (
	ActionPersonalRun      = "report.personal_data.run"
	ActionPersonalDownload = "report.personal_data.download"
	ActionPersonalDelivery = "report.personal_data.delivery"
)

// Requester is who asks for a run or reads a result, as the LGPD record
// names them.
type Requester struct {
	UserID, Name string
	// PersonalData is the personal_data permission.
	PersonalData bool
	// Purpose is the reason given for reading personal data ("" = none).
	Purpose string
}

// PersonalAccess is one LGPD record: personal data left relato unmasked.
type PersonalAccess struct {
	Tenant   uint32
	At       time.Time
	Action   string // ActionPersonal*
	UserID   string
	UserName string
	ReportID string
	RunID    string
	Filters  json.RawMessage // as given
	Rows     int64
	Purpose  string
	Details  map[string]string // format, destination…
}

// RecordPersonalAccess writes a into the warehouse's PersonalAccessTable,
// values as typed parameters. Errors: the warehouse's.
func (s *Service) RecordPersonalAccess(ctx context.Context, a PersonalAccess) error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	details, _ := json.Marshal(a.Details)
	if a.Details == nil {
		details = []byte("{}")
	}
	filters := string(a.Filters)
	if filters == "" {
		filters = "{}"
	}
	p := map[string]string{
		"t": strconv.FormatUint(uint64(a.Tenant), 10), "e": strconv.FormatUint(binary.BigEndian.Uint64(b[:]), 10),
		"at": a.At.UTC().Format("2006-01-02 15:04:05"), "u": a.UserID, "n": a.UserName, "a": a.Action,
		"r": a.ReportID, "run": a.RunID, "f": filters, "c": strconv.FormatInt(max(a.Rows, 0), 10), "p": a.Purpose, "d": string(details),
	}
	for k, v := range p {
		p[k] = chsql.EscapeParam(v)
	}
	err := s.Warehouse.ExecQuery(ctx, engine.Query{TimeZone: "UTC", Params: p,
		SQL: "INSERT INTO " + PersonalAccessTable + " (tenant_id, event_id, at, user_id, user_name, action, report_id, run_id, filters, row_count, purpose, details) " +
			"SELECT {t:UInt32}, {e:UInt64}, toDateTime({at:String}, 'UTC'), {u:String}, {n:String}, {a:String}, {r:String}, {run:String}, {f:String}, {c:UInt64}, {p:String}, {d:String}"})
	if err != nil {
		s.Logger.Error("LGPD record not written", "action", a.Action, "run", a.RunID, "tenant", a.Tenant, "err", err)
	}
	return err
}

// holdsPersonalData reports the user's permission now (PersonalDataOf);
// false when nobody can tell.
func (s *Service) holdsPersonalData(ctx context.Context, userID string) bool {
	if s.PersonalDataOf == nil {
		return false
	}
	ok, err := s.PersonalDataOf(ctx, userID)
	if err != nil {
		s.Logger.Error("personal_data permission unknown; masking", "user", userID, "err", err)
		return false
	}
	return ok
}

// rememberRequester keeps who asked for a run until it executes, so the LGPD
// record names them and their purpose; a run resumed after a restart falls
// back to the permission the store says the user holds now.
func (s *Service) rememberRequester(runID string, rq Requester) {
	s.requesters.Store(runID, rq)
}

func (s *Service) requesterOf(ctx context.Context, r *runs.Run) Requester {
	if v, ok := s.requesters.LoadAndDelete(r.ID); ok {
		return v.(Requester)
	}
	return Requester{UserID: r.UserID, PersonalData: s.holdsPersonalData(ctx, r.UserID)}
}

// recordRun writes the LGPD record of a finished run whose report has
// personal columns and whose requester holds the permission.
func (s *Service) recordRun(ctx context.Context, r *runs.Run, def *engine.Definition, rows int64) {
	if !def.HasPersonalColumns() {
		return
	}
	rq := s.requesterOf(ctx, r)
	if !rq.PersonalData {
		return
	}
	_ = s.RecordPersonalAccess(ctx, PersonalAccess{Tenant: r.TenantID, At: s.Now(), Action: ActionPersonalRun, UserID: rq.UserID, UserName: rq.Name,
		ReportID: r.ReportID, RunID: r.ID, Filters: r.FiltersGiven, Rows: rows, Purpose: rq.Purpose})
}

// RecordDownload writes the LGPD record of a download of res read unmasked
// (res.PersonalData and personal columns); nothing otherwise.
func (s *Service) RecordDownload(ctx context.Context, res Result, rq Requester, format string) {
	if !res.PersonalData || !res.Def.HasPersonalColumns() {
		return
	}
	_ = s.RecordPersonalAccess(ctx, PersonalAccess{Tenant: res.Run.TenantID, At: s.Now(), Action: ActionPersonalDownload, UserID: rq.UserID, UserName: rq.Name,
		ReportID: res.Run.ReportID, RunID: res.Run.ID, Filters: res.Run.FiltersGiven, Rows: deref(res.Run.TotalRows), Purpose: rq.Purpose,
		Details: map[string]string{"format": format}})
}

func deref(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}
