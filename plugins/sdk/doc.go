// Package sdk is the contract between relato and a custom-report plugin: what a
// plugin author imports and calls Serve on, and — in the same package, like
// go-plugin's examples/bidirectional/shared — the versioned handshake, the
// plugin map and the gRPC adapters both sides use.
//
// A plugin describes itself with a relato YAML definition without `query`
// (id, version, title, description, category, filters, limits, columns), read
// by the host with the engine's own loader, so the catalog, filter validation,
// queue, snapshots and downloads treat it exactly like a YAML report. Its Run
// receives the resolved filter values and a Warehouse: the plugin sends SQL to
// the host, which scopes it to the caller's tenant, caps it and times it out,
// and streams rows back. The plugin never sees warehouse credentials. It
// streams its output rows back to the host through an Output.
//
// The wire format is gRPC with a JSON codec (hand-written service
// descriptors, so no protoc step), mutual TLS from go-plugin's AutoMTLS.
//
// This package must not import the engine or anything from server/: plugin
// binaries link it and nothing else of relato.
package sdk
