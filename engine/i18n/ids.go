package i18n

// Message ids. Every id has a text in messages_pt_br.go and messages_en.go
// with the same parameters (TestCatalog_EveryIDHasBothLanguages). Parameters
// are listed after the id: %[1]d numbers are shown as the reader's locale
// writes them; %[1]s strings (ids, codes, values as typed) are shown as given.
const (
	// Raw is a text shown as it is (Verbatim): %[1]s.
	Raw ID = "raw"
	// ListAnd joins the last item of a list: %[1]s the items before, %[2]s the last.
	ListAnd ID = "list.and"

	// Lengths of time: %[1]d the count.
	SpanDays    ID = "span.days"
	SpanHours   ID = "span.hours"
	SpanMinutes ID = "span.minutes"
	SpanSeconds ID = "span.seconds"

	// Filter values (engine).
	FilterRequired          ID = "filter.required"             // a required filter is missing
	FilterRequiredByQuery   ID = "filter.required_by_query"    // the query needs it and nothing set it
	FilterNeedsOneValue     ID = "filter.needs_one_value"      // a required multiple filter is empty
	FilterUnknown           ID = "filter.unknown"              // %[1]s the report's filters
	FilterUnknownDidYouMean ID = "filter.unknown_did_you_mean" // %[1]s the guess, %[2]s the report's filters
	FilterComputed          ID = "filter.computed"
	FilterUnknownType       ID = "filter.unknown_type"    // %[1]s the type
	FilterTakesOne          ID = "filter.takes_one"       // %[1]d values given
	FilterTooManyValues     ID = "filter.too_many_values" // %[1]d the maximum, %[2]d given
	FilterValueN            ID = "filter.value_n"         // %[1]d the position, %[2]s the problem
	FilterComputing         ID = "filter.computing"       // %[1]s the problem
	FilterComputedValue     ID = "filter.computed_value"  // %[1]s the problem
	FilterChecking          ID = "filter.checking"        // %[1]s the problem
	FilterNotValid          ID = "filter.not_valid"       // %[1]s the rule
	FilterSpanTooLong       ID = "filter.span_too_long"   // %[1]s the period's span, %[2]s the maximum
	FilterUnknownLookup     ID = "filter.unknown_lookup"  // %[1]s the kind, %[2]s the values
	FilterNotString         ID = "filter.not_string"
	FilterTooLongBytes      ID = "filter.too_long_bytes" // %[1]d the maximum
	FilterNotInteger        ID = "filter.not_integer"
	FilterNotIntegerGot     ID = "filter.not_integer_got" // %[1]s the value
	FilterNotNumber         ID = "filter.not_number"
	FilterNotNumberGot      ID = "filter.not_number_got" // %[1]s the value
	FilterNotFinite         ID = "filter.not_finite"
	FilterNotBool           ID = "filter.not_bool"
	FilterNotBoolGot        ID = "filter.not_bool_got" // %[1]s the value
	FilterNotDate           ID = "filter.not_date"
	FilterNotDateGot        ID = "filter.not_date_got" // %[1]s the value
	FilterNotDatetime       ID = "filter.not_datetime"
	FilterNotDatetimeGot    ID = "filter.not_datetime_got" // %[1]s the value
	FilterDSTGap            ID = "filter.dst_gap"          // %[1]s the time, %[2]s the zone, %[3]s the day, %[4]s clock before, %[5]s after, %[6]s the first valid time, %[7]s the same with offset
	FilterDSTGapShort       ID = "filter.dst_gap_short"    // %[1]s the time, %[2]s the zone
	FilterNotDurationUnit   ID = "filter.not_duration_unit"
	FilterNotDuration       ID = "filter.not_duration"
	FilterInvalidDuration   ID = "filter.invalid_duration" // %[1]s the value
	FilterNotOneOf          ID = "filter.not_one_of"       // %[1]s the allowed values, %[2]s the value
	FilterNotLookupID       ID = "filter.not_lookup_id"    // %[1]s the kind, %[2]s the value
	FilterNotLookupName     ID = "filter.not_lookup_name"  // %[1]s the kind
	PeriodFromTo            ID = "period.from_to"
	PeriodLastNDays         ID = "period.last_n_days"
	PeriodNotRelative       ID = "period.not_relative" // %[1]s the relative names, %[2]s the value
	PeriodFrom              ID = "period.from"         // %[1]s the problem
	PeriodTo                ID = "period.to"           // %[1]s the problem
	PeriodEmpty             ID = "period.empty"        // %[1]s the end, %[2]s the start, as typed
	PeriodReversed          ID = "period.reversed"     // %[1]s the end, %[2]s the start
	PeriodInvalid           ID = "period.invalid"
	PeriodNotDateOrTime     ID = "period.not_date_or_time" // %[1]s the value
	DateNoMonth             ID = "date.no_month"           // %[1]s the value, %[2]s the month number
	DateNoDay               ID = "date.no_day"             // %[1]s the value, %[2]s the month's name, %[3]s the year, %[4]d days in that month
	FilterNameAmbiguous     ID = "filter.name_ambiguous"   // %[1]s the name, %[2]d how many, %[3]s the kind, %[4]s the ids
	FilterNameUnknown       ID = "filter.name_unknown"     // %[1]s the name, %[2]s the kind

	// Month names (MonthName).
	MonthJanuary   ID = "month.01"
	MonthFebruary  ID = "month.02"
	MonthMarch     ID = "month.03"
	MonthApril     ID = "month.04"
	MonthMay       ID = "month.05"
	MonthJune      ID = "month.06"
	MonthJuly      ID = "month.07"
	MonthAugust    ID = "month.08"
	MonthSeptember ID = "month.09"
	MonthOctober   ID = "month.10"
	MonthNovember  ID = "month.11"
	MonthDecember  ID = "month.12"

	// Lookup kinds, as a message names them.
	LookupWallet    ID = "lookup.wallet"
	LookupUser      ID = "lookup.user"
	LookupQueue     ID = "lookup.queue"
	LookupChannel   ID = "lookup.channel"
	LookupEventType ID = "lookup.event_type"
	LookupLine      ID = "lookup.line"
	LookupTemplate  ID = "lookup.template"
	LookupPipeline  ID = "lookup.pipeline"
	LookupCampaign  ID = "lookup.campaign"

	// HTTP: Huma's own problems (by their English pattern) and authentication.
	HTTPValidationFailed     ID = "http.validation_failed"
	HTTPBodyRequired         ID = "http.body_required"
	HTTPBodyTooLarge         ID = "http.body_too_large"
	HTTPInvalidInteger       ID = "http.invalid_integer"
	HTTPInvalidFloat         ID = "http.invalid_float"
	HTTPInvalidBoolean       ID = "http.invalid_boolean"
	HTTPUnexpectedProperty   ID = "http.unexpected_property"
	HTTPRequiredProperty     ID = "http.required_property"
	HTTPExpectedBoolean      ID = "http.expected_boolean"
	HTTPExpectedNumber       ID = "http.expected_number"
	HTTPExpectedInteger      ID = "http.expected_integer"
	HTTPExpectedString       ID = "http.expected_string"
	HTTPExpectedArray        ID = "http.expected_array"
	HTTPExpectedObject       ID = "http.expected_object"
	HTTPExpectedOneOf        ID = "http.expected_one_of"
	HTTPExpectedMin          ID = "http.expected_min"
	HTTPExpectedExclMin      ID = "http.expected_excl_min"
	HTTPExpectedMax          ID = "http.expected_max"
	HTTPExpectedExclMax      ID = "http.expected_excl_max"
	HTTPExpectedMinLength    ID = "http.expected_min_length"
	HTTPExpectedMaxLength    ID = "http.expected_max_length"
	HTTPExpectedPattern      ID = "http.expected_pattern"
	HTTPExpectedMinItems     ID = "http.expected_min_items"
	HTTPExpectedMaxItems     ID = "http.expected_max_items"
	HTTPExpectedDateTime     ID = "http.expected_date_time"
	HTTPExpectedDate         ID = "http.expected_date"
	HTTPExpectedEmail        ID = "http.expected_email"
	HTTPExpectedUnique       ID = "http.expected_unique"
	HTTPExpectedOneSchema    ID = "http.expected_one_schema"
	HTTPExpectedAnySchema    ID = "http.expected_any_schema"
	HTTPMissingToken         ID = "http.missing_token"
	HTTPInvalidToken         ID = "http.invalid_token"
	HTTPOperatorAboveTenants ID = "http.operator_above_tenants"
	HTTPOperatorsOnly        ID = "http.operators_only"
	HTTPInternal             ID = "http.internal"

	// Titles of problems by HTTP status ("http.title.<status>"): English keeps
	// the reason phrases of RFC 9110, pt-BR says them in plain words.
	HTTPTitleBadRequest           ID = "http.title.400"
	HTTPTitleUnauthorized         ID = "http.title.401"
	HTTPTitleForbidden            ID = "http.title.403"
	HTTPTitleNotFound             ID = "http.title.404"
	HTTPTitleMethodNotAllowed     ID = "http.title.405"
	HTTPTitleNotAcceptable        ID = "http.title.406"
	HTTPTitleConflict             ID = "http.title.409"
	HTTPTitleGone                 ID = "http.title.410"
	HTTPTitlePreconditionFailed   ID = "http.title.412"
	HTTPTitleTooLarge             ID = "http.title.413"
	HTTPTitleUnsupportedMediaType ID = "http.title.415"
	HTTPTitleUnprocessable        ID = "http.title.422"
	HTTPTitleTooManyRequests      ID = "http.title.429"
	HTTPTitleInternal             ID = "http.title.500"
	HTTPTitleNotImplemented       ID = "http.title.501"
	HTTPTitleUnavailable          ID = "http.title.503"

	// CLI (server/cli).
	CLIFilterProblem           ID = "cli.filter_problem" // %[1]s the filter, %[2]s the problem
	CLIUnknownCommand          ID = "cli.unknown_command"
	CLIUnknownReport           ID = "cli.unknown_report"
	CLIUnknownReportDidYouMean ID = "cli.unknown_report_did_you_mean"
	CLIFilterForm              ID = "cli.filter_form"
	CLIRunOneReport            ID = "cli.run_one_report"
	CLIOutputFolderMissing     ID = "cli.output_folder_missing"
	CLIUnknownTimeZone         ID = "cli.unknown_time_zone"
	CLISQLOneStatement         ID = "cli.sql_one_statement"
	CLILookupsOneKind          ID = "cli.lookups_one_kind"

	// Destinations (delivery config validation).
	DeliveryPortRange            ID = "delivery.port_range"
	DeliveryRequired             ID = "delivery.required"
	DeliveryHostForm             ID = "delivery.host_form"
	DeliveryNotJSONObject        ID = "delivery.not_json_object"
	DeliveryUnknownField         ID = "delivery.unknown_field"
	DeliveryNoPEM                ID = "delivery.no_pem"
	DeliveryFingerprintHex       ID = "delivery.fingerprint_hex"
	DeliveryEncryptionIsFTP      ID = "delivery.encryption_is_ftp"
	DeliveryEmailEncryption      ID = "delivery.email_encryption"
	DeliveryEmailAuth            ID = "delivery.email_auth"
	DeliveryPasswordWithUsername ID = "delivery.password_with_username"
	DeliveryUsernameWithAuth     ID = "delivery.username_with_auth"
	DeliveryClearPassword        ID = "delivery.clear_password"
	DeliveryNotEmail             ID = "delivery.not_email"
	DeliveryAtLeastOne           ID = "delivery.at_least_one"
	DeliveryOneLine              ID = "delivery.one_line"
	DeliveryNotNegative          ID = "delivery.not_negative"
	DeliveryNotFTPKind           ID = "delivery.not_ftp_kind"
	DeliveryFTPEncryption        ID = "delivery.ftp_encryption"
	DeliveryPlainNoTLS           ID = "delivery.plain_no_tls"
	DeliveryPasswordOrKey        ID = "delivery.password_or_key"
	DeliveryHostKeyForm          ID = "delivery.host_key_form"
	DeliveryInsecureContradicts  ID = "delivery.insecure_contradicts"
	DeliverySFTPEncryption       ID = "delivery.sftp_encryption"
	DeliveryWrongJSONType        ID = "delivery.wrong_json_type"
	DeliveryJSONInteger          ID = "delivery.json_integer"
	DeliveryJSONBool             ID = "delivery.json_bool"
	DeliveryJSONList             ID = "delivery.json_list"
	DeliveryJSONObject           ID = "delivery.json_object"
	DeliveryJSONString           ID = "delivery.json_string"

	// Schedules (server/api schedule validation, server/schedules).
	ScheduleStartsAtForm          ID = "schedule.starts_at_form"
	ScheduleEndsAtForm            ID = "schedule.ends_at_form"
	ScheduleEndsAfterStarts       ID = "schedule.ends_after_starts"
	ScheduleSayWhen               ID = "schedule.say_when"
	ScheduleRepeatOrCron          ID = "schedule.repeat_or_cron"
	ScheduleInvalidCron           ID = "schedule.invalid_cron"
	ScheduleStartsAtWithRepeat    ID = "schedule.starts_at_with_repeat"
	ScheduleOnlyWeekly            ID = "schedule.only_weekly"
	ScheduleOnlyMonthly           ID = "schedule.only_monthly"
	ScheduleOnceInFuture          ID = "schedule.once_in_future"
	ScheduleDays                  ID = "schedule.days"
	ScheduleWeeklyNeedsDay        ID = "schedule.weekly_needs_day"
	ScheduleMonthlyNeedsDay       ID = "schedule.monthly_needs_day"
	ScheduleEvery                 ID = "schedule.every"
	ScheduleUnknownTimeZone       ID = "schedule.unknown_time_zone"
	ScheduleUnknownFilter         ID = "schedule.unknown_filter"
	ScheduleNeedsDestination      ID = "schedule.needs_destination"
	ScheduleInvalid               ID = "schedule.invalid"
	ScheduleInvalidDestination    ID = "schedule.invalid_destination"
	ScheduleNoConnectionTest      ID = "schedule.no_connection_test"
	ScheduleNoConnectionTestShort ID = "schedule.no_connection_test_short"
	ScheduleUnknownKind           ID = "schedule.unknown_kind"
	ScheduleInternalAddress       ID = "schedule.internal_address"
	ScheduleSecretAgain           ID = "schedule.secret_again"
	ScheduleSecretBinding         ID = "schedule.secret_binding"
	ScheduleControlChars          ID = "schedule.control_chars"
	ScheduleDotDotSegments        ID = "schedule.dotdot_segments"
	ScheduleFileNameLength        ID = "schedule.file_name_length"
	ScheduleFileNameSeparator     ID = "schedule.file_name_separator"
	ScheduleFileNameDotDot        ID = "schedule.file_name_dotdot"
	ScheduleFileNamePlaceholder   ID = "schedule.file_name_placeholder"
	CronTimeZone                  ID = "cron.time_zone"
	CronFields                    ID = "cron.fields"
	CronUnsupported               ID = "cron.unsupported"
	CronNeverMatches              ID = "cron.never_matches"

	// API problems (server/api problem()).
	APIInvalidFilterValues              ID = "api.invalid_filter_values"
	APIUnknownReport                    ID = "api.unknown_report"
	APINoReport                         ID = "api.no_report"
	APINoReportDidYouMean               ID = "api.no_report_did_you_mean"
	APIRunNotFinished                   ID = "api.run_not_finished"
	APIUnknownLookup                    ID = "api.unknown_lookup"
	APIReportGone                       ID = "api.report_gone"
	WarehouseInUse                      ID = "warehouse.in_use"
	APIUnknownFormatNamed               ID = "api.unknown_format_named"
	APIResultRemoved                    ID = "api.result_removed"
	APIRunNotFound                      ID = "api.run_not_found"
	APIRunConflict                      ID = "api.run_conflict"
	APIInvalidCursor                    ID = "api.invalid_cursor"
	APIInvalidCursorDetail              ID = "api.invalid_cursor_detail"
	APIScheduleNotFound                 ID = "api.schedule_not_found"
	APIQuota                            ID = "api.quota"
	APIQuotaTenant                      ID = "api.quota.tenant"
	APIQuotaUser                        ID = "api.quota.user"
	APIOperatorPersonalData             ID = "api.operator_personal_data"
	APIPersonalDataRequired             ID = "api.personal_data_required"
	APIPurposeRequired                  ID = "api.purpose_required"
	APIPurposeRequiredDetail            ID = "api.purpose_required_detail"
	APINotFound                         ID = "api.not_found"
	APIPluginNotFound                   ID = "api.plugin_not_found"
	APILinkInvalid                      ID = "api.link_invalid"
	APILinkExpired                      ID = "api.link_expired"
	APIInvalidQuery                     ID = "api.invalid_query"
	APIDateOrInstant                    ID = "api.date_or_instant"
	APIReportNotFound                   ID = "api.report_not_found"
	APIAuditForAdmins                   ID = "api.audit_for_admins"
	APIAllRunsForManagers               ID = "api.all_runs_for_managers"
	APIOthersRunsForManagers            ID = "api.others_runs_for_managers"
	APIAfterFrom                        ID = "api.after_from"
	APIUnknownSortColumn                ID = "api.unknown_sort_column"
	APINotAColumn                       ID = "api.not_a_column"
	APIUnknownFormat                    ID = "api.unknown_format"
	APIPluginEntitlementsForAdmins      ID = "api.plugin_entitlements_for_admins"
	APINoPlugins                        ID = "api.no_plugins"
	APISchedulesForManagers             ID = "api.schedules_for_managers"
	APITenantSettingsForAdmins          ID = "api.tenant_settings_for_admins"
	APIOnlyOperatorsCreateOperators     ID = "api.only_operators_create_operators"
	APIInvalidUser                      ID = "api.invalid_user"
	APIAdminsOwnTenant                  ID = "api.admins_own_tenant"
	APITenantUserNeedsTenant            ID = "api.tenant_user_needs_tenant"
	APIOperatorNoTenant                 ID = "api.operator_no_tenant"
	APIDisplayNameRequired              ID = "api.display_name_required"
	APICannotDisableYourself            ID = "api.cannot_disable_yourself"
	APIOnlyOperatorsIssueOperatorTokens ID = "api.only_operators_issue_operator_tokens"
	APIInvalidTokenRequest              ID = "api.invalid_token_request"
	APIUserDisabled                     ID = "api.user_disabled"
	APIExpiryNotFuture                  ID = "api.expiry_not_future"
	APIUsersForAdmins                   ID = "api.users_for_admins"
	HTTPMetricsNeedOperatorToken        ID = "http.metrics_need_operator_token"
	HTTPMetricsForOperators             ID = "http.metrics_for_operators"
	HTTPNotUTF8                         ID = "http.not_utf8"
	HTTPNotUTF8Detail                   ID = "http.not_utf8_detail"

	// A run's status, as a sentence names it ("the run is %s").
	RunStatusWaiting    ID = "run.status.waiting"
	RunStatusProcessing ID = "run.status.processing"
	RunStatusFinished   ID = "run.status.finished"
	RunStatusFailed     ID = "run.status.failed"
	RunStatusCanceled   ID = "run.status.canceled"

	// Users and tokens (server/auth).
	AuthRole            ID = "auth.role"
	AuthUserDisabled    ID = "auth.user_disabled"
	AuthTokenNameLength ID = "auth.token_name_length"
	AuthExpiryPast      ID = "auth.expiry_past"
	AuthExpiryForm      ID = "auth.expiry_form"
	AuthExpiryPositive  ID = "auth.expiry_positive"
	AuthExpiryTenYears  ID = "auth.expiry_ten_years"

	// Run-end notices (server/reporting/notify.go, issue 14).
	NoticeEmailOff        ID = "notice.email_off"        // e-mail notices asked for on a server without a relay
	NoticeNoAddress       ID = "notice.no_address"       // the requester has no e-mail address
	NoticeInvalid         ID = "notice.invalid"          // the problem's title
	NoticeSubjectFinished ID = "notice.subject.finished" // %[1]s the report's title
	NoticeSubjectFailed   ID = "notice.subject.failed"   // %[1]s the report's title
	NoticeHello           ID = "notice.hello"            // %[1]s the requester's name
	NoticeHelloNoName     ID = "notice.hello_no_name"
	NoticeIntro           ID = "notice.intro" // %[1]s the report's title, %[2]s when it was asked for
	NoticeStatus          ID = "notice.status"
	NoticeRows            ID = "notice.rows"      // the line "Rows: N": %[1]d the row count
	NoticeTruncated       ID = "notice.truncated" // the line "Rows: N (cut…)": %[1]d the row count
	NoticeFinished        ID = "notice.finished"  // the status, capitalised
	NoticeFailed          ID = "notice.failed"
	NoticeReason          ID = "notice.reason"
	NoticeFilters         ID = "notice.filters"
	NoticeOpen            ID = "notice.open"
	NoticeFootnote        ID = "notice.footnote"

	// E-mail addresses of users (server/api).
	APIInvalidEmail ID = "api.invalid_email" // the problem's title
	APINotAnEmail   ID = "api.not_an_email"
)
