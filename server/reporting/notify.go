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

// ErrNoticeUnavailable refuses a notice that cannot be sent; Message says
// why, for the requester, in their language (Error() is English, for logs).
type ErrNoticeUnavailable struct{ Message i18n.Message }

func (e ErrNoticeUnavailable) Error() string { return e.Message.In("en") }

// CheckNotices tells whether the notices asked for (NoticeEmail) can be sent
// to user: e-mail needs a relay configured and an address on the user.
// Errors: ErrNoticeUnavailable, or the user store's error.
func (s *Service) CheckNotices(ctx context.Context, userID string, notify []string) error {
	if !slices.Contains(notify, NoticeEmail) {
		return nil
	}
	if s.Notices.SendMail == nil {
		return ErrNoticeUnavailable{i18n.M(i18n.NoticeEmailOff)}
	}
	if s.Notices.ContactOf == nil {
		return ErrNoticeUnavailable{i18n.M(i18n.NoticeNoAddress)}
	}
	_, email, err := s.Notices.ContactOf(ctx, userID)
	if err != nil {
		return err
	}
	if email == "" {
		return ErrNoticeUnavailable{i18n.M(i18n.NoticeNoAddress)}
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

// RunEndedMessage is the subject and text of the e-mail telling name that
// run r ended, in the run's notice language (pt-BR unless it is en).
func (s *Service) RunEndedMessage(ctx context.Context, r *runs.Run, name string) (subject, body string) {
	lang := i18n.Match(r.NotifyLang)
	say := func(id i18n.ID, args ...any) string { return i18n.M(id, args...).In(lang) }
	title := s.reportTitle(r, lang)
	if r.Status == runs.StatusFinished {
		subject = say(i18n.NoticeSubjectFinished, title)
	} else {
		subject = say(i18n.NoticeSubjectFailed, title)
	}
	var b strings.Builder
	if name != "" {
		b.WriteString(say(i18n.NoticeHello, name) + "\n\n")
	} else {
		b.WriteString(say(i18n.NoticeHelloNoName) + "\n\n")
	}
	requested := r.RequestedAt.In(s.ZoneOrDefault(ctx, r.TenantID))
	when := requested.Format("02/01/2006 15:04")
	if lang == "en" {
		when = requested.Format("2006-01-02 15:04")
	}
	b.WriteString(say(i18n.NoticeIntro, title, when) + "\n\n")
	status := say(i18n.NoticeFailed)
	if r.Status == runs.StatusFinished {
		status = say(i18n.NoticeFinished)
	}
	fmt.Fprintf(&b, "%s: %s\n", say(i18n.NoticeStatus), status)
	if r.Status == runs.StatusFinished && r.TotalRows != nil {
		rows := say(i18n.NoticeRows, *r.TotalRows)
		if r.Truncated {
			rows = say(i18n.NoticeTruncated, *r.TotalRows)
		}
		b.WriteString(rows + "\n")
	}
	if r.Status == runs.StatusFailed && r.Error != nil {
		fmt.Fprintf(&b, "%s: %s\n", say(i18n.NoticeReason), *r.Error)
	}
	if _, text := FiltersInWords(r.FilterLabels, lang); text != "" {
		fmt.Fprintf(&b, "%s: %s\n", say(i18n.NoticeFilters), text)
	}
	if s.PublicURL != "" {
		fmt.Fprintf(&b, "\n%s: %s/#/runs/%s\n", say(i18n.NoticeOpen), strings.TrimRight(s.PublicURL, "/"), r.ID)
	}
	b.WriteString("\n-- \n" + say(i18n.NoticeFootnote) + "\n")
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

func textOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
