package i18n

import (
	"context"
	"errors"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages relato speaks, as BCP 47 tags; Default is what a reader who
// asks for nothing (or for a language relato lacks) gets.
const (
	PtBR    = "pt-BR"
	En      = "en"
	Default = PtBR
)

// Languages lists the supported languages, the default first.
var Languages = []string{PtBR, En}

// ID names one message of the catalog; the constants are in ids.go.
type ID string

// Message is a message id with its parameters, rendered late in the reader's
// language. The zero Message renders as "".
type Message struct {
	ID   ID
	Args []any
}

// M builds a Message.
func M(id ID, args ...any) Message { return Message{ID: id, Args: args} }

// Verbatim is a text shown as it is in every language: a message from a
// component relato does not translate (a database, an expression engine).
func Verbatim(s string) Message { return M(Raw, s) }

// IsZero reports whether m has no id.
func (m Message) IsZero() bool { return m.ID == "" }

// String is the English text, for logs.
func (m Message) String() string { return m.In(En) }

// In renders m in lang (pt-BR or en; anything else falls back to pt-BR).
func (m Message) In(lang string) string {
	if m.ID == "" {
		return ""
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if l, ok := a.(interface{ In(string) string }); ok {
			a = l.In(lang)
		}
		args[i] = a
	}
	return printer(lang).Sprintf(string(m.ID), args...)
}

var (
	buildOnce sync.Once
	printers  map[string]*message.Printer
)

func printer(lang string) *message.Printer {
	buildOnce.Do(func() {
		b := catalog.NewBuilder(catalog.Fallback(language.MustParse(Default)))
		printers = map[string]*message.Printer{}
		for lang, msgs := range catalogs() {
			tag := language.MustParse(lang)
			for id, m := range msgs {
				if err := b.Set(tag, string(id), m); err != nil {
					panic("i18n: message " + string(id) + " in " + lang + ": " + err.Error())
				}
			}
			printers[lang] = message.NewPrinter(tag, message.Catalog(b))
		}
	})
	if p, ok := printers[lang]; ok {
		return p
	}
	return printers[Default]
}

// catalogs is every language's catalog by tag.
func catalogs() map[string]map[ID]catalog.Message {
	return map[string]map[ID]catalog.Message{PtBR: ptBR, En: en}
}

// Error is a problem a person reads: Error() is English for logs; callers
// that know the reader render Message.In(lang).
type Error struct{ Message }

func (e *Error) Error() string { return e.In(En) }

// Errorf returns an *Error with id and its parameters.
func Errorf(id ID, args ...any) error { return &Error{M(id, args...)} }

// Localized is an error that can say itself in a reader's language.
type Localized interface {
	error
	LocalizedMessage() Message
}

// LocalizedMessage returns the message itself, so *Error is Localized.
func (e *Error) LocalizedMessage() Message { return e.Message }

// MessageOf is the message of the first Localized error in err's chain, or
// err's text verbatim when it has none (nil gives the zero Message).
func MessageOf(err error) Message {
	if err == nil {
		return Message{}
	}
	var l Localized
	if errors.As(err, &l) {
		return l.LocalizedMessage()
	}
	return Verbatim(err.Error())
}

// Text renders err in lang (see MessageOf).
func Text(err error, lang string) string { return MessageOf(err).In(lang) }

var matcher = language.NewMatcher([]language.Tag{language.MustParse(PtBR), language.English})

// Match chooses the language for an Accept-Language header ("en-US,en;q=0.9"
// → en); an empty, malformed or unsupported header gives pt-BR.
func Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Languages[i]
}

// FromLocale reads a POSIX locale (the LANG or LC_ALL variable:
// "pt_BR.UTF-8", "en_US.UTF-8", "en") or a tag ("pt-BR"): pt-BR or en, or ""
// for "", "C", "POSIX" and languages relato lacks, so a caller can try the
// next source.
func FromLocale(s string) string {
	s, _, _ = strings.Cut(s, ".")
	s, _, _ = strings.Cut(s, "@")
	s = strings.ReplaceAll(s, "_", "-")
	if s == "" || s == "C" || s == "POSIX" {
		return ""
	}
	tag, err := language.Parse(s)
	if err != nil {
		return ""
	}
	_, i, conf := matcher.Match(tag)
	if conf == language.No {
		return ""
	}
	return Languages[i]
}

type langKey struct{}

// WithLang returns ctx carrying the reader's language.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// FromContext is the reader's language ctx carries, pt-BR when none.
func FromContext(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok && l != "" {
		return l
	}
	return Default
}
