package reporting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/i18n"
	"github.com/relato/relato/server/runs"
	"github.com/relato/relato/server/schedules"
)

// NoticeEmail is the notice a requester may ask for when a run ends
// (POST /v1/runs notify: ["email"]).
const NoticeEmail = "email"

// Notices are what a run's end may set off (issue 14, "Notices"): an e-mail
// to the requester who asked for one, and the deployment's failure webhook for
// a run someone asked for that failed (a schedule's runs have their own notice,
// schedules.Service.Notifier). The zero value sends nothing.
type Notices struct {
	// SendMail mails a plain-text message to one address through the
	// configured relay (--smtp-relay, --mail-from). Nil: e-mail notices are
	// off and a run asking for one is refused.
	SendMail func(ctx context.Context, to, subject, body string) error
	// ContactOf is a user's display name and e-mail address now
	// (auth.Store.ContactOf); "" when the user has none.
	ContactOf func(ctx context.Context, userID string) (name, email string, err error)
	// FailureWebhook receives a JSON notice when a requested run fails
	// (--failure-webhook). Nil: none.
	FailureWebhook schedules.Notifier
}

// ErrNoticeUnavailable refuses a notice that cannot be sent; its message
// says why, for the requester, in pt-BR and English (Reason.In(lang)).
type ErrNoticeUnavailable struct{ Reason i18n.Message }

func (e ErrNoticeUnavailable) Error() string { return e.Reason.String() }

// CheckNotices tells whether the notices asked for (NoticeEmail) can be sent
// to user: e-mail needs a relay configured and an address on the user.
// Errors: ErrNoticeUnavailable, or the user store's error.
func (s *Service) CheckNotices(ctx context.Context, userID string, notify []string) error {
	if !slices.Contains(notify, NoticeEmail) {
		return nil
	}
	if s.Notices.SendMail == nil {
		return ErrNoticeUnavailable{i18n.M(i18n.APINoticeNoRelay)}
	}
	if s.Notices.ContactOf == nil {
		return ErrNoticeUnavailable{i18n.M(i18n.APINoticeNoEmail)}
	}
	_, email, err := s.Notices.ContactOf(ctx, userID)
	if err != nil {
		return err
	}
	if email == "" {
		return ErrNoticeUnavailable{i18n.M(i18n.APINoticeNoEmail)}
	}
	return nil
}

// RunEnded sends the notices of a run that just ended (runs.Pool.Ended):
// the e-mail its requester asked for, in their language, when it finished or
// failed, and the failure webhook's notice when a requested run failed. The
// store makes sure only one instance sends them, once (runs.Store.ClaimNotice).
// A notice that cannot be sent is logged; the run stays as it ended.
func (s *Service) RunEnded(ctx context.Context, r *runs.Run) {
	s.init()
	ended := r.Status == runs.StatusFinished || r.Status == runs.StatusFailed
	wantsEmail := ended && slices.Contains(r.Notify, NoticeEmail) && s.Notices.SendMail != nil && s.Notices.ContactOf != nil
	wantsHook := r.Status == runs.StatusFailed && r.Origin != runs.OriginSchedule && s.Notices.FailureWebhook != nil
	if !wantsEmail && !wantsHook {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if ok, err := s.Runs.ClaimNotice(ctx, r.ID); err != nil || !ok {
		if err != nil {
			s.Logger.Error("claim run notice", "run", r.ID, "err", err)
		}
		return
	}
	if wantsHook {
		n := schedules.FailureNotice{TenantID: r.TenantID, OwnerID: r.UserID, ReportID: r.ReportID, ReportTitle: s.reportTitle(r, engine.DefaultLanguage),
			RunID: r.ID, Outcome: "run_failed", Error: textOf(r.Error), At: s.Now().UTC()}
		if err := s.Notices.FailureWebhook.NotifyFailure(ctx, n); err != nil {
			s.Logger.Warn("failure notice not sent", "run", r.ID, "err", err)
		}
	}
	if wantsEmail {
		if err := s.mailRunEnded(ctx, r); err != nil {
			s.Logger.Warn("run notice not mailed", "run", r.ID, "user", r.UserID, "err", err)
		} else {
			s.Logger.Info("run notice mailed", "run", r.ID, "user", r.UserID, "status", r.Status)
		}
	}
}

// mailRunEnded writes and sends the requester's e-mail: the report's title,
// the status, the row count or the reason it failed, the filters in words
// and a link to the run.
func (s *Service) mailRunEnded(ctx context.Context, r *runs.Run) error {
	name, email, err := s.Notices.ContactOf(ctx, r.UserID)
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("the requester has no e-mail address")
	}
	subject, body := s.RunEndedMessage(ctx, r, name)
	return s.Notices.SendMail(ctx, email, subject, body)
}

// noticeWords are the words of a run-end e-mail in each language.
var noticeWords = map[string]map[string]string{
	"pt-BR": {
		"subject.finished": "Relatório pronto: %s", "subject.failed": "Falha no relatório: %s",
		"hello": "Olá, %s.", "helloNoName": "Olá.",
		"intro":  "O relatório %s que você pediu em %s terminou.",
		"status": "Situação", "finished": "Finalizado", "failed": "Falha",
		"rows": "Linhas", "truncated": "cortado no limite do relatório",
		"reason": "Motivo", "filters": "Filtros", "open": "Abrir",
		"footnote": "Você recebeu este e-mail porque pediu um aviso quando o relatório terminasse.",
	},
	"en": {
		"subject.finished": "Report ready: %s", "subject.failed": "Report failed: %s",
		"hello": "Hello %s,", "helloNoName": "Hello,",
		"intro":  "The report %s you asked for on %s has ended.",
		"status": "Status", "finished": "Finished", "failed": "Failed",
		"rows": "Rows", "truncated": "cut at the report's limit",
		"reason": "Reason", "filters": "Filters", "open": "Open",
		"footnote": "You receive this e-mail because you asked to be told when the report ended.",
	},
}

// RunEndedMessage is the subject and text of the e-mail telling name that
// run r ended, in the run's notice language (pt-BR unless it is en).
func (s *Service) RunEndedMessage(ctx context.Context, r *runs.Run, name string) (subject, body string) {
	lang := r.NotifyLang
	if _, ok := noticeWords[lang]; !ok {
		lang = engine.DefaultLanguage
	}
	w := noticeWords[lang]
	title := s.reportTitle(r, lang)
	status := string(r.Status)
	subject = fmt.Sprintf(w["subject."+status], title)
	var b strings.Builder
	if name != "" {
		fmt.Fprintf(&b, w["hello"]+"\n\n", name)
	} else {
		b.WriteString(w["helloNoName"] + "\n\n")
	}
	requested := r.RequestedAt.In(s.ZoneOrDefault(ctx, r.TenantID))
	when := requested.Format("02/01/2006 15:04")
	if lang == "en" {
		when = requested.Format("2006-01-02 15:04")
	}
	fmt.Fprintf(&b, w["intro"]+"\n\n", title, when)
	fmt.Fprintf(&b, "%s: %s\n", w["status"], w[status])
	if r.Status == runs.StatusFinished && r.TotalRows != nil {
		rows := groupThousands(*r.TotalRows, lang)
		if r.Truncated {
			rows += " (" + w["truncated"] + ")"
		}
		fmt.Fprintf(&b, "%s: %s\n", w["rows"], rows)
	}
	if r.Status == runs.StatusFailed && r.Error != nil {
		fmt.Fprintf(&b, "%s: %s\n", w["reason"], *r.Error)
	}
	if _, text := FiltersInWords(r.FilterLabels, lang); text != "" {
		fmt.Fprintf(&b, "%s: %s\n", w["filters"], text)
	}
	if s.PublicURL != "" {
		fmt.Fprintf(&b, "\n%s: %s/#/runs/%s\n", w["open"], strings.TrimRight(s.PublicURL, "/"), r.ID)
	}
	b.WriteString("\n-- \n" + w["footnote"] + "\n")
	return subject, b.String()
}

// reportTitle is the run's report title in lang; its id when the report is
// gone.
func (s *Service) reportTitle(r *runs.Run, lang string) string {
	if d, ok := s.Report(r.TenantID, r.ReportID); ok {
		return d.Title.In(lang)
	}
	return r.ReportID
}

// groupThousands writes n with the language's thousands separator:
// 12.345 in pt-BR, 12,345 in English.
func groupThousands(n int64, lang string) string {
	sep := "."
	if lang == "en" {
		sep = ","
	}
	digits := fmt.Sprint(n)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var out []string
	for len(digits) > 3 {
		out = append([]string{digits[len(digits)-3:]}, out...)
		digits = digits[:len(digits)-3]
	}
	out = append([]string{digits}, out...)
	s := strings.Join(out, sep)
	if neg {
		s = "-" + s
	}
	return s
}

func textOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
