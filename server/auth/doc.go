// Package auth holds users (with a role: viewer, manager, admin, or operator
// above tenants), their API tokens (stored as SHA-256 hashes, never in clear;
// with an optional expiry; revocable by id), the audit trail (a trail per
// tenant, and the operators' as tenant 0), and the verifier of bearer JWTs from
// the platform's OpenID Connect provider (OIDC, on coreos/go-oidc), the
// personal_data permission per user (LGPD, issue 17: personal columns whole
// and extractions allowed; never an operator's) and the tenant's settings
// (whether a purpose is mandatory for unmasked reads), in the
// control-plane database (SQLite or PostgreSQL, through server/database). Its
// schema is the versioned migration set Migrations
// (migrations/<dialect>/NNNN_name.sql, recorded in auth_migrations), applied by
// New.
//
// It imports server/database; it must not import the HTTP layer or the other
// stores.
package auth
