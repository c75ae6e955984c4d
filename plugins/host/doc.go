// Package host discovers, verifies, starts, supervises and stops custom-report
// plugin processes (hashicorp/go-plugin over gRPC with AutoMTLS), and serves
// each run's warehouse queries scoped to the caller's tenant.
//
// A plugin folder holds, per plugin, a binary and a manifest
// `<name>.plugin.json` (id, version, binary, sha256, tenants). Open reads every
// manifest, checks each binary's checksum (go-plugin SecureConfig: a binary
// that does not match is never started), asks the plugin for its definition
// once and stops it again; runs start plugins lazily and keep them for the
// next run. A crashed or timed-out plugin is retired and started afresh by the
// next run. Every failure of a plugin fails only the run that met it.
//
// Entitlements live in the manifests' `tenants` lists: Reports and Report show
// a plugin only to entitled tenants (others get ErrNotFound), and
// SetEntitlement rewrites the manifest atomically. The API audits the change.
//
// It depends on the engine and plugins/sdk only; it must not import server/.
package host
