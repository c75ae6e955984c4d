package api

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/relato/relato/engine/i18n"
)

// say renders a message in the language of the request ctx belongs to
// (Accept-Language; pt-BR by default).
func say(ctx context.Context, id i18n.ID, args ...any) string {
	return i18n.M(id, args...).In(i18n.FromContext(ctx))
}

// problemTitle is the title of a problem with the HTTP status in lang: the
// catalog's "http.title.<status>", or Go's English status text for a status
// the catalog does not name.
func problemTitle(status int, lang string) string {
	if id := i18n.ID("http.title." + strconv.Itoa(status)); i18n.Has(id) {
		return i18n.M(id).In(lang)
	}
	return http.StatusText(status)
}

// localizeTitle is a Huma transformer: every problem Huma writes (ours,
// its own, the middleware's) passes here, so its title follows the request's
// language like its detail does.
func localizeTitle(ctx huma.Context, _ string, v any) (any, error) {
	if em, ok := v.(*huma.ErrorModel); ok {
		em.Title = problemTitle(em.Status, i18n.FromContext(ctx.Context()))
	}
	return v, nil
}

// Huma builds its own problems (decoding, validation, a missing body) in
// English, so the one error constructor that sees the request translates them
// into the reader's language by their pattern, keeping each detail's
// location and value. Problems relato builds are already in the reader's
// language and match no pattern.
func init() {
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		lang := i18n.Match(ctx.Header("Accept-Language"))
		se := huma.NewError(status, translateHuma(msg, lang), errs...)
		if em, ok := se.(*huma.ErrorModel); ok {
			for _, d := range em.Errors {
				if d != nil {
					d.Message = translateHuma(d.Message, lang)
				}
			}
		}
		return se
	}
}

// humaPattern is one English text Huma writes and the message it becomes.
type humaPattern struct {
	re *regexp.Regexp
	id i18n.ID
}

// humaPatterns come from Huma's validation message formats (so a Huma
// upgrade that rewords one still matches) plus the fixed texts of its request
// decoding; TestHumaMessages_AreTranslated formats each and translates it.
var humaPatterns = func() []humaPattern {
	formats := []struct {
		format string
		id     i18n.ID
	}{
		{"validation failed", i18n.HTTPValidationFailed},
		{"request body is required", i18n.HTTPBodyRequired},
		{"request body is too large limit=%d bytes", i18n.HTTPBodyTooLarge},
		{"invalid integer", i18n.HTTPInvalidInteger},
		{"invalid float", i18n.HTTPInvalidFloat},
		{"invalid floating value", i18n.HTTPInvalidFloat},
		{"invalid boolean", i18n.HTTPInvalidBoolean},
		{validation.MsgUnexpectedProperty, i18n.HTTPUnexpectedProperty},
		{validation.MsgExpectedRequiredProperty, i18n.HTTPRequiredProperty},
		{validation.MsgExpectedBoolean, i18n.HTTPExpectedBoolean},
		{validation.MsgExpectedNumber, i18n.HTTPExpectedNumber},
		{validation.MsgExpectedInteger, i18n.HTTPExpectedInteger},
		{validation.MsgExpectedString, i18n.HTTPExpectedString},
		{validation.MsgExpectedArray, i18n.HTTPExpectedArray},
		{validation.MsgExpectedObject, i18n.HTTPExpectedObject},
		{validation.MsgExpectedOneOf, i18n.HTTPExpectedOneOf},
		{validation.MsgExpectedMinimumNumber, i18n.HTTPExpectedMin},
		{validation.MsgExpectedExclusiveMinimumNumber, i18n.HTTPExpectedExclMin},
		{validation.MsgExpectedMaximumNumber, i18n.HTTPExpectedMax},
		{validation.MsgExpectedExclusiveMaximumNumber, i18n.HTTPExpectedExclMax},
		{validation.MsgExpectedMinLength, i18n.HTTPExpectedMinLength},
		{validation.MsgExpectedMaxLength, i18n.HTTPExpectedMaxLength},
		{validation.MsgExpectedMatchPattern, i18n.HTTPExpectedPattern},
		{validation.MsgExpectedMinItems, i18n.HTTPExpectedMinItems},
		{validation.MsgExpectedMaxItems, i18n.HTTPExpectedMaxItems},
		{validation.MsgExpectedRFC3339DateTime, i18n.HTTPExpectedDateTime},
		{validation.MsgExpectedRFC3339Date, i18n.HTTPExpectedDate},
		{validation.MsgExpectedRFC5322Email, i18n.HTTPExpectedEmail},
		{validation.MsgExpectedArrayItemsUnique, i18n.HTTPExpectedUnique},
		{validation.MsgExpectedMatchExactlyOneSchema, i18n.HTTPExpectedOneSchema},
		{validation.MsgExpectedMatchAtLeastOneSchema, i18n.HTTPExpectedAnySchema},
	}
	verbs := regexp.MustCompile(`%[vsd]`)
	out := make([]humaPattern, len(formats))
	for i, f := range formats {
		parts := verbs.Split(f.format, -1)
		for j := range parts {
			parts[j] = regexp.QuoteMeta(parts[j])
		}
		out[i] = humaPattern{regexp.MustCompile("^" + strings.Join(parts, "(.+)") + "$"), f.id}
	}
	return out
}()

// translateHuma renders one of Huma's English texts in lang; a text no
// pattern matches is returned unchanged.
func translateHuma(s, lang string) string {
	for _, p := range humaPatterns {
		if m := p.re.FindStringSubmatch(s); m != nil {
			args := make([]any, len(m)-1)
			for i, a := range m[1:] {
				args[i] = a
			}
			return i18n.M(p.id, args...).In(lang)
		}
	}
	return s
}
