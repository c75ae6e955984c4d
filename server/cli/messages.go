package cli

import (
	"errors"
	"strings"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/i18n"
)

// problemLang is the language the CLI's problems are in: --lang (any
// command's, as --lang X or --lang=X), else RELATO_LANG, else the POSIX
// locale (LC_ALL, LC_MESSAGES, LANG: pt_BR.UTF-8 → pt-BR, en_US.UTF-8 → en).
// A locale that names no language relato speaks (C, POSIX, de_DE, none)
// gives English: as with gettext, the C locale means the program's own
// untranslated texts, which for a command line run by scripts and CI are
// the English ones. The pages and the API default to pt-BR instead.
func problemLang(args []string, getenv func(string) string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "lang="); ok && strings.HasPrefix(a, "-") {
			if l := i18n.FromLocale(v); l != "" {
				return l
			}
		}
		if (a == "--lang" || a == "-lang") && i+1 < len(args) {
			if l := i18n.FromLocale(args[i+1]); l != "" {
				return l
			}
		}
	}
	for _, v := range []string{"RELATO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			// POSIX: the first of these that is set decides, even as C.
			if l := i18n.FromLocale(s); l != "" {
				return l
			}
			return i18n.En
		}
	}
	return i18n.En
}

// problemText is err as one line in lang: filter problems each in lang with
// the filter's name, a message error in lang when nothing wraps it, and any
// other error as it says itself.
func problemText(err error, lang string) string {
	var fe engine.FilterErrors
	if errors.As(err, &fe) && err.Error() == fe.Error() {
		parts := make([]string, len(fe))
		for i, e := range fe {
			parts[i] = i18n.M(i18n.CLIFilterProblem, e.Filter, e.In(lang)).In(lang)
		}
		return strings.Join(parts, "; ")
	}
	var l i18n.Localized
	if errors.As(err, &l) && l.Error() == err.Error() {
		return l.LocalizedMessage().In(lang)
	}
	return err.Error()
}
