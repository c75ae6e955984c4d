// Package web serves relato's web pages (Relatórios, Gerar relatório, the
// result view with its chart, Agendamentos with the schedule form and its
// destinations). The pages are static HTML, CSS and vanilla JS modules
// embedded with go:embed; they talk only to the public HTTP API under /v1
// with the user's bearer token, so this package imports nothing from the
// server: whoever mounts it also mounts the API on the same origin.
package web
