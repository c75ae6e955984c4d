// Package i18n holds relato's problem messages in pt-BR and English: one
// catalog per language (messages_pt_br.go, messages_en.go), keyed by the typed
// message ids in ids.go, and the helpers that render a message in a reader's
// language, choose that language from an Accept-Language header or a POSIX
// locale (LANG=pt_BR.UTF-8), and carry it in a context.
//
// Errors that a person reads are built as i18n.Errorf(id, args...): the error
// keeps the id and its parameters, Error() renders English for logs, and the
// API and the CLI render Message.In(lang) for the reader. pt-BR is the default.
//
// Why golang.org/x/text/message and not nicksnyder/go-i18n: x/text is already
// a dependency of relato, and its printer formats numbers as the reader's
// locale writes them (pt-BR "1.000.000" and "2,5"; en "1,000,000") and selects
// plural forms (CLDR, or "=1" where pt's "one" would also catch 0), which
// go-i18n leaves to the caller. Ids are Go constants, so a misspelt id does
// not compile, and TestCatalog_EveryIDHasBothLanguages walks ids.go.
//
// Parameters that are ids, codes, years or values as typed are passed as
// strings so they are never grouped ("wallet 1000000", not "1.000.000").
// Arguments with an In(lang string) string method (a Message, engine.Text)
// are rendered in the same language first.
//
// It imports only the standard library and golang.org/x/text, so engine/,
// delivery/ and server/ can all use it (it sits under engine/ because the
// top level is fixed; delivery may import this one engine package and no
// other); it must not import any relato package.
package i18n
