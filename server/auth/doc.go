// Package auth holds users, their API tokens (stored as SHA-256 hashes, never
// in clear) and the audit trail, in the control-plane database (SQLite or
// PostgreSQL, through server/database). Its schema is the versioned migration set
// Migrations (migrations/<dialect>/NNNN_name.sql, recorded in auth_migrations),
// applied by New.
//
// It imports server/database; it must not import the HTTP layer or the other
// stores.
package auth
