package runs

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is where a run is in its life: waiting → processing → finished | failed,
// or canceled from waiting or processing.
type Status string

const (
	StatusWaiting    Status = "waiting"    // Aguardando
	StatusProcessing Status = "processing" // Em processamento
	StatusFinished   Status = "finished"   // Finalizado
	StatusFailed     Status = "failed"     // Falha
	StatusCanceled   Status = "canceled"   // Cancelado
)

// Terminal reports whether the run will not change any more.
func (s Status) Terminal() bool {
	return s == StatusFinished || s == StatusFailed || s == StatusCanceled
}

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusWaiting, StatusProcessing, StatusFinished, StatusFailed, StatusCanceled:
		return true
	}
	return false
}

// Errors callers branch on; the server maps them to problem+json in one place.
var (
	// ErrNotFound: no such run for this tenant. A foreign tenant's id is not found too.
	ErrNotFound = errors.New("run not found")
	// ErrConflict: the run is not in a state that allows the operation
	// (deleting a run that is still waiting or processing).
	ErrConflict = errors.New("run state does not allow this")
	// ErrBadCursor: a list cursor that this store did not issue.
	ErrBadCursor = errors.New("bad cursor")
	// ErrLeaseLost: the worker no longer owns the run (its lease expired and the run
	// was recovered, or it was canceled and settled by someone else).
	ErrLeaseLost = errors.New("run lease lost")
)

// Run is one requested execution of a report, with everything DESIGN §6 lists.
type Run struct {
	ID              string          // UUIDv7: time-ordered, unguessable enough to show
	Seq             int64           // request order, assigned by the store
	TenantID        uint32          //
	ReportID        string          // e.g. kpis.service_level
	ReportVersion   int             //
	FiltersGiven    json.RawMessage // as the caller sent them
	FiltersResolved json.RawMessage // after defaults and relative periods (absolute period)
	UserID          string          // who asked
	QueueKey        string          // runs sharing it run one at a time, in Seq order
	Wallet          *string         // nil when the report has no wallet or none was chosen
	Channel         *string         //
	EventType       *string         //
	FilterLabels    json.RawMessage // the filters in words as at request time (a JSON list, shaped by reporting); empty for older runs
	Origin          string          // OriginRequest or OriginSchedule
	Notify          []string        // notices the requester asked for when it ends: "email"
	NotifyLang      string          // the language of those notices: pt-BR or en
	RowsSoFar       *int64          // while processing: the count its worker last saved (SaveProgress)
	Status          Status          //
	RequestedAt     time.Time       //
	StartedAt       *time.Time      // last time a worker took it
	FinishedAt      *time.Time      // when it reached a terminal status
	TotalRows       *int64          // rows in the snapshot
	Truncated       bool            // the result hit the report's max_rows
	SnapshotSize    *int64          // bytes
	SnapshotSum     *string         // checksum of the snapshot, e.g. "sha256:…"
	Error           *string         // for users; the detail is in the logs
	Attempts        int             // times a worker took it (more than 1 after a crash)
	CancelRequested bool            // cancel asked while processing; the worker settles it
	LeaseOwner      *string         // worker holding it while processing
	LeaseExpiresAt  *time.Time      //
}

// NewRun is what a caller supplies to Create; the store fills in the rest.
type NewRun struct {
	TenantID        uint32
	ReportID        string
	ReportVersion   int
	FiltersGiven    json.RawMessage
	FiltersResolved json.RawMessage
	UserID          string
	// QueueKey defaults to QueueKey(TenantID, ReportID, Wallet).
	QueueKey  string
	Wallet    *string
	Channel   *string
	EventType *string
	// FilterLabels is stored as given (valid JSON or empty).
	FilterLabels json.RawMessage
	// Origin says who asked: OriginRequest (default) or OriginSchedule.
	Origin string
	// Notify lists the notices to send when the run ends ("email"), written
	// in NotifyLang.
	Notify     []string
	NotifyLang string
	// RequestedAt is the instant the request was validated at, against which
	// its relative periods resolve when it executes; zero: the store's clock.
	RequestedAt time.Time
}

// Origins of a run.
const (
	OriginRequest  = "request"  // a person or an API client asked for it
	OriginSchedule = "schedule" // a schedule fired
)

// QueueKey is the default serialisation key: tenant plus wallet, so one
// wallet's extractions never overlap (DESIGN §6, "Fila de Processamento").
// A run without a wallet shares a key only with runs of the same report of
// its tenant (issue 14: contacts.all_contacts no longer waits for an unrelated
// service.protocols); two runs of one report still take turns.
//
//	QueueKey(7, "kpis.service_level", &"12") = "t7/w12"
//	QueueKey(7, "kpis.service_level", nil)   = "t7/no-wallet/kpis.service_level"
func QueueKey(tenant uint32, report string, wallet *string) string {
	if wallet == nil || *wallet == "" {
		return fmt.Sprintf("t%d/no-wallet/%s", tenant, report)
	}
	return fmt.Sprintf("t%d/w%s", tenant, *wallet)
}

// Place is where a waiting run stands in its queue key.
type Place struct {
	// Position is 1 for the head of the key (it waits only for a free
	// worker), 2 when one run of the key is ahead of it, and so on.
	Position int
	// Ahead is the run immediately ahead of it in the key (processing or
	// waiting); nil at position 1.
	Ahead *Run
}

// Result is what a finished run records.
type Result struct {
	TotalRows    int64
	Truncated    bool
	SnapshotSize int64
	SnapshotSum  string
}

// UserMessenger is implemented by errors that carry a message fit for users;
// other errors are recorded with a generic message and logged in full.
type UserMessenger interface {
	UserMessage() string
}

// UserError wraps err with a message for users.
func UserError(msg string, err error) error { return &userError{msg: msg, err: err} }

type userError struct {
	msg string
	err error
}

func (e *userError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}
func (e *userError) Unwrap() error       { return e.err }
func (e *userError) UserMessage() string { return e.msg }

// userMessage picks what a failed run shows to users.
func userMessage(err error) string {
	var um UserMessenger
	if errors.As(err, &um) {
		return um.UserMessage()
	}
	return "the report could not be generated; the operators have the details"
}
