package schedules

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/relato/relato/engine/export"

	"github.com/relato/relato/engine/i18n"
)

// Errors callers branch on; the API maps them to problem+json.
var (
	ErrNotFound = errors.New("schedule not found")
)

// Schedule is a report run on a recurrence and delivered to destinations.
type Schedule struct {
	ID           string
	TenantID     uint32
	OwnerID      string // the user runs are requested as; gets failure notices
	Name         string
	ReportID     string
	Filters      json.RawMessage // as given: relative periods stay relative ("yesterday")
	Recurrence   string          // 5-field cron, "once" or "last-business-day HH:MM", on the wall clock of TimeZone (ParseRecurrence)
	StartsAt     *time.Time      // first moment it may fire; "once" fires exactly then. nil: from now
	EndsAt       *time.Time      // it never fires after this; nil: no end
	TimeZone     string          // tz database name, e.g. America/Sao_Paulo
	Destinations []Destination
	Format       string // an export format ID: csv, csv-excel, xlsx (see CheckFormat)
	FileName     string // template, see RenderFileName
	Paused       bool
	NextFireAt   *time.Time // nil while paused
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Last fire and delivery, for display.
	LastFireAt          *time.Time
	LastRunID           *string
	LastDeliveryOutcome *string // delivered, failed, run_failed
	LastDeliveryError   *string
}

// Destination is one place a schedule sends its file. Config holds the
// decrypted secrets in memory only; the store seals them.
type Destination struct {
	Kind   string          `json:"kind"`
	Config json.RawMessage `json:"config"`
}

// Location loads the schedule's zone.
func (s *Schedule) Location() (*time.Location, error) { return time.LoadLocation(s.TimeZone) }

// NextFire computes the first due time after t (zero when it never fires
// again): not before StartsAt (a "once" schedule fires exactly at StartsAt,
// and never once that has passed), and never after EndsAt.
func (s *Schedule) NextFire(t time.Time) (time.Time, error) {
	r, err := ParseRecurrence(s.Recurrence)
	if err != nil {
		return time.Time{}, err
	}
	loc, err := s.Location()
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	switch {
	case r.Once():
		if s.StartsAt != nil && s.StartsAt.After(t) {
			next = *s.StartsAt
		}
	case s.StartsAt != nil && s.StartsAt.After(t):
		next = r.Next(s.StartsAt.Add(-time.Nanosecond), loc) // the start itself may be a fire
	default:
		next = r.Next(t, loc)
	}
	if s.EndsAt != nil && next.After(*s.EndsAt) {
		return time.Time{}, nil
	}
	return next, nil
}

// NextFires lists the next n due times after t, by NextFire's rules.
func (s *Schedule) NextFires(t time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n {
		next, err := s.NextFire(t)
		if err != nil || next.IsZero() {
			break
		}
		out = append(out, next)
		t = next
	}
	return out
}

// NormalizeKind accepts "sftp" for "delivery.sftp".
func NormalizeKind(kind string) string {
	if kind != "" && !strings.Contains(kind, ".") {
		return "delivery." + kind
	}
	return kind
}

// DefaultFileName is used when a schedule gives none.
const DefaultFileName = "{report}_{from}_{to}_{run_time}"

var placeholderRe = regexp.MustCompile(`\{([a-z_]*)\}`)

// FileNameValues fill a file-name template.
type FileNameValues struct {
	Report   string // the report id's last part: service_level
	ReportID string // kpis.service_level
	From, To string // the period's first and last day, yyyy-mm-dd (To inclusive: 2024-03-07 for 2024-03-01..2024-03-07)
	RunTime  time.Time
	RunID    string
	Schedule string // the schedule's name
}

var placeholders = map[string]func(v FileNameValues) string{
	"report":    func(v FileNameValues) string { return v.Report },
	"report_id": func(v FileNameValues) string { return v.ReportID },
	"from":      func(v FileNameValues) string { return v.From },
	"to":        func(v FileNameValues) string { return v.To },
	"run_time":  func(v FileNameValues) string { return v.RunTime.Format("20060102-150405") },
	"date":      func(v FileNameValues) string { return v.RunTime.Format("2006-01-02") },
	"run_id":    func(v FileNameValues) string { return v.RunID },
	"schedule":  func(v FileNameValues) string { return v.Schedule },
}

// CheckFormat reads a schedule's format name through the export registry and
// returns the ID to store: "" is "csv", aliases become their format's ID
// ("excel" → "csv-excel"). An unknown name returns export.ParseFormat's error
// (wrapping export.ErrUnknownFormat, listing the known IDs).
func CheckFormat(name string) (string, error) {
	f, err := export.ParseFormat(name)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// CheckFileName reports unknown placeholders and bad templates.
func CheckFileName(tmpl string) error {
	if len(tmpl) > 200 {
		return i18n.Errorf(i18n.ScheduleFileNameLength)
	}
	if strings.ContainsAny(tmpl, "/\\") {
		return i18n.Errorf(i18n.ScheduleFileNameSeparator)
	}
	if strings.ContainsFunc(tmpl, IsControl) {
		return i18n.Errorf(i18n.ScheduleControlChars)
	}
	if strings.Contains(tmpl, "..") {
		return i18n.Errorf(i18n.ScheduleFileNameDotDot)
	}
	for _, m := range placeholderRe.FindAllStringSubmatch(tmpl, -1) {
		if _, ok := placeholders[m[1]]; !ok {
			return i18n.Errorf(i18n.ScheduleFileNamePlaceholder, m[1])
		}
	}
	return nil
}

// illegalNameChars are the characters no common file system or server
// accepts in a file name (Windows' reserved set, which also covers the path
// separators of every system); control characters are refused too.
const illegalNameChars = `<>:"/\\|?*`

// emptyMark stands for a placeholder that rendered empty, until the
// separators around it are collapsed.
const emptyMark = "\x00"

// separatorsAroundEmpty matches an empty placeholder with the separators
// (_ - . and space) on both sides of it.
var separatorsAroundEmpty = regexp.MustCompile("[_ .-]*(?:\x00[_ .-]*)+")

// maxNameBytes bounds a rendered name before its extension: 255 bytes is the
// common file-name limit, leaving room for ".manifest.json" sidecars.
const maxNameBytes = 180

// RenderFileName fills the template and adds the extension. The user's
// letters are kept as typed (UTF-8: "relatório_nível serviço_2026-11-30");
// only characters illegal in file names (< > : " / \ | ? * and control
// characters) become "_"; a placeholder with no value disappears with the
// separators around it, leaving one ("{report}_{from}_{to}_{date}" without
// a period is "service_level_2026-11-30"); leading and trailing blanks,
// dots, "_" and "-" are trimmed; an empty result is "report". At most 180 bytes
// before the extension, cut between characters.
func RenderFileName(tmpl string, v FileNameValues, ext string) string {
	if tmpl == "" {
		tmpl = DefaultFileName
	}
	name := placeholderRe.ReplaceAllStringFunc(tmpl, func(m string) string {
		if f, ok := placeholders[m[1:len(m)-1]]; ok {
			if val := f(v); val != "" {
				return strings.Map(legalRune, val)
			}
		}
		return emptyMark
	})
	name = separatorsAroundEmpty.ReplaceAllStringFunc(name, func(m string) string {
		if i := strings.IndexAny(m, "_ .-"); i >= 0 {
			return m[i : i+1]
		}
		return ""
	})
	name = strings.Trim(strings.Map(legalRune, name), " ._-")
	if name == "" {
		name = "report"
	}
	if len(name) > maxNameBytes {
		cut := 0
		for i := range name {
			if i > maxNameBytes {
				break
			}
			cut = i
		}
		name = strings.TrimRight(name[:cut], " .")
	}
	return name + ext
}

// Changes names what an edit changed from old to new, for the audit trail:
// name, report, filters, recurrence, time_zone, format, file_name, paused,
// and per destination its kind and each config field that differs, as
// "destinations[0].config.host". A changed secret is named, its value never
// (the names carry no values at all).
func Changes(old, new *Schedule) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("name", old.Name != new.Name)
	add("report", old.ReportID != new.ReportID)
	add("filters", !sameJSONText(old.Filters, new.Filters))
	add("recurrence", old.Recurrence != new.Recurrence)
	add("time_zone", old.TimeZone != new.TimeZone)
	add("format", old.Format != new.Format)
	add("file_name", old.FileName != new.FileName)
	add("paused", old.Paused != new.Paused)
	for i := 0; i < max(len(old.Destinations), len(new.Destinations)); i++ {
		at := fmt.Sprintf("destinations[%d]", i)
		if i >= len(old.Destinations) {
			out = append(out, at+" added")
			continue
		}
		if i >= len(new.Destinations) {
			out = append(out, at+" removed")
			continue
		}
		o, n := old.Destinations[i], new.Destinations[i]
		if NormalizeKind(o.Kind) != NormalizeKind(n.Kind) {
			out = append(out, at+".kind")
			continue
		}
		var oc, nc map[string]json.RawMessage
		json.Unmarshal(o.Config, &oc)
		json.Unmarshal(n.Config, &nc)
		keys := map[string]bool{}
		for k := range oc {
			keys[k] = true
		}
		for k := range nc {
			keys[k] = true
		}
		var changed []string
		for k := range keys {
			if !sameJSONText(oc[k], nc[k]) {
				changed = append(changed, at+".config."+k)
			}
		}
		sort.Strings(changed)
		out = append(out, changed...)
	}
	return out
}

// sameJSONText compares two JSON texts by value (key order and spacing aside).
func sameJSONText(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return sameJSON(x, y)
}

// IsControl reports the characters no name, folder or user name may hold:
// C0 controls (CR and LF among them, which would break an FTP command), DEL
// and C1 controls.
func IsControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// legalRune keeps r in a file name or replaces it with "_".
func legalRune(r rune) rune {
	if r < 0x20 || r == 0x7f || strings.ContainsRune(illegalNameChars, r) || r == utf8.RuneError {
		return '_'
	}
	return r
}
