package i18n

import (
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/message/catalog"
)

// en is the English catalog: the texts the API answers with Accept-Language:
// en and the CLI with LANG=en_US.UTF-8, and what Error() gives for logs.
var en = map[ID]catalog.Message{
	Raw:     str("%[1]s"),
	ListAnd: str("%[1]s and %[2]s"),

	SpanDays:    plural.Selectf(1, "%d", "=1", "1 day", "other", "%[1]d days"),
	SpanHours:   plural.Selectf(1, "%d", "=1", "1 hour", "other", "%[1]d hours"),
	SpanMinutes: plural.Selectf(1, "%d", "=1", "1 minute", "other", "%[1]d minutes"),
	SpanSeconds: plural.Selectf(1, "%d", "=1", "1 second", "other", "%[1]d seconds"),

	FilterRequired:          str("is required"),
	FilterRequiredByQuery:   str("is required by the query"),
	FilterNeedsOneValue:     str("needs at least one value"),
	FilterUnknown:           str("unknown filter (this report has: %[1]s)"),
	FilterUnknownDidYouMean: str("unknown filter; did you mean %[1]s? (this report has: %[2]s)"),
	FilterComputed:          str("is computed by the report and cannot be set"),
	FilterUnknownType:       str("has unknown type %[1]q"),
	FilterTakesOne:          str("takes one value, got %[1]d"),
	FilterTooManyValues:     str("takes at most %[1]d values, got %[2]d"),
	FilterValueN:            str("value %[1]d: %[2]s"),
	FilterComputing:         str("computing: %[1]s"),
	FilterComputedValue:     str("computed value %[1]s"),
	FilterChecking:          str("checking: %[1]s"),
	FilterNotValid:          str("is not valid: must satisfy %[1]s"),
	FilterSpanTooLong:       str("spans %[1]s, more than the maximum of %[2]s"),
	FilterUnknownLookup:     str("unknown %[1]s %[2]s for this tenant"),
	FilterNotString:         str("must be a string"),
	FilterTooLongBytes:      str("is longer than %[1]d bytes"),
	FilterNotInteger:        str("must be an integer"),
	FilterNotIntegerGot:     str("must be an integer, got %[1]s"),
	FilterNotNumber:         str("must be a number"),
	FilterNotNumberGot:      str("must be a number, got %[1]q"),
	FilterNotFinite:         str("must be a finite number"),
	FilterNotBool:           str("must be true or false"),
	FilterNotBoolGot:        str("must be true or false, got %[1]q"),
	FilterNotDate:           str("must be a date like 2024-01-31"),
	FilterNotDateGot:        str("must be a date like 2024-01-31 (or today, yesterday), got %[1]q"),
	FilterNotDatetime:       str("must be a date and time like 2024-01-31T13:45:00"),
	FilterNotDatetimeGot:    str("must be a date and time like 2024-01-31T13:45:00, got %[1]q"),
	FilterDSTGap:            str("%[1]s does not exist in %[2]s: on %[3]s the clocks jumped from %[4]s to %[5]s; give a time from %[6]s on (or an offset, %[7]s)"),
	FilterDSTGapShort:       str("%[1]s does not exist in %[2]s (a clock change skips it)"),
	FilterNotDurationUnit:   str("must be a duration with a unit, like 20s or 2m"),
	FilterNotDuration:       str("must be a duration like 20s or 2m"),
	FilterInvalidDuration:   str("invalid duration %[1]q (use e.g. 30s, 2m, 1h, 31d)"),
	FilterNotOneOf:          str("must be one of %[1]s, got %[2]q"),
	FilterNotLookupID:       str("must be a %[1]s id (a positive integer), got %[2]s"),
	FilterNotLookupName:     str("must be a %[1]s name"),
	PeriodFromTo:            str("must have exactly the fields from and to"),
	PeriodLastNDays:         str("last_N_days needs N ≥ 1"),
	PeriodNotRelative:       str("must be a relative period (%[1]s) or FROM..TO, got %[2]q"),
	PeriodFrom:              str("from: %[1]s"),
	PeriodTo:                str("to: %[1]s"),
	PeriodEmpty:             str("is empty: it ends (%[1]s) where it starts (%[2]s)"),
	PeriodReversed:          str("ends (%[1]s) before it starts (%[2]s)"),
	PeriodInvalid:           str("must be a relative period such as last_7_days or FROM..TO"),
	PeriodNotDateOrTime:     str("%[1]q is neither a date (2024-01-31) nor a date and time (2024-01-31T13:45)"),
	DateNoMonth:             str("%[1]q does not exist: there is no month %[2]s"),
	DateNoDay:               str("%[1]q does not exist: %[2]s %[3]s has %[4]d days"),
	FilterNameAmbiguous:     str("%[1]q names %[2]d %[3]s values (%[4]s): give the id"),
	FilterNameUnknown:       str("no %[2]s is named %[1]q"),

	MonthJanuary: str("January"), MonthFebruary: str("February"), MonthMarch: str("March"),
	MonthApril: str("April"), MonthMay: str("May"), MonthJune: str("June"),
	MonthJuly: str("July"), MonthAugust: str("August"), MonthSeptember: str("September"),
	MonthOctober: str("October"), MonthNovember: str("November"), MonthDecember: str("December"),

	LookupWallet:    str("wallet"),
	LookupUser:      str("user"),
	LookupQueue:     str("queue"),
	LookupChannel:   str("channel"),
	LookupEventType: str("event_type"),
	LookupLine:      str("line"),
	LookupTemplate:  str("template"),
	LookupPipeline:  str("pipeline"),
	LookupCampaign:  str("campaign"),
}

// str is a plain message text.
func str(s string) catalog.Message { return catalog.String(s) }
