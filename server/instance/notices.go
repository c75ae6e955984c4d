package instance

import (
	"context"
	"net/mail"
	"net/url"
	"os"
	"strconv"

	"github.com/relato/relato/delivery"
)

// settingError is a bad value of one setting; msg never repeats the value
// (a relay URL may hold a password).
type settingError struct{ name, msg string }

func (e settingError) Error() string { return "--" + e.name + ": " + e.msg }

// relayConfig reads --smtp-relay, --smtp-relay-ca-file and --mail-from as
// delivery's e-mail settings (recipients are set per notice). Errors name the
// setting and never echo the URL.
func (c Config) relayConfig() (delivery.EmailConfig, error) {
	if c.SMTPRelay == "" {
		return delivery.EmailConfig{}, settingError{"smtp-relay", "needed when --mail-from is set"}
	}
	u, err := url.Parse(c.SMTPRelay)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		return delivery.EmailConfig{}, settingError{"smtp-relay", "want smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS)"}
	}
	cfg := delivery.EmailConfig{Host: u.Hostname(), Encryption: map[string]string{"smtp": "starttls", "smtps": "tls"}[u.Scheme], From: c.MailFrom}
	if p := u.Port(); p != "" {
		if cfg.Port, err = strconv.Atoi(p); err != nil {
			return delivery.EmailConfig{}, settingError{"smtp-relay", "the port is not a number"}
		}
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		pass, _ := u.User.Password()
		cfg.Password = delivery.Secret(pass)
	}
	if c.SMTPRelayCAFile != "" {
		pem, err := os.ReadFile(c.SMTPRelayCAFile)
		if err != nil {
			return delivery.EmailConfig{}, settingError{"smtp-relay-ca-file", err.Error()}
		}
		cfg.TLS.CAPEM = string(pem)
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return delivery.EmailConfig{}, settingError{"mail-from", "want the notices' sender, e.g. Relatórios <relato@example.com>"}
	}
	cfg.Recipients = []string{c.MailFrom} // each notice names its own (Email.To)
	if err := cfg.Validate(); err != nil {
		return delivery.EmailConfig{}, settingError{"smtp-relay", err.Error()}
	}
	return cfg, nil
}

// noticeMailer is reporting.Notices.SendMail over the configured relay, nil
// when there is none. The relay is the operators' own choice, so the outbound
// guard lets it through even on a private or loopback address.
func (c Config) noticeMailer() (func(ctx context.Context, to, subject, body string) error, error) {
	if c.SMTPRelay == "" {
		return nil, nil
	}
	cfg, err := c.relayConfig()
	if err != nil {
		return nil, err
	}
	guard, err := delivery.NewGuard(append([]string{cfg.Host}, c.AllowOutbound...)...)
	if err != nil {
		return nil, settingError{"smtp-relay", err.Error()}
	}
	relay, err := delivery.NewEmail(cfg, delivery.Options{Guard: guard})
	if err != nil {
		return nil, settingError{"smtp-relay", err.Error()}
	}
	return func(ctx context.Context, to, subject, body string) error {
		one, err := relay.To(to)
		if err != nil {
			return err
		}
		_, err = one.SendText(ctx, subject, body)
		return err
	}, nil
}
