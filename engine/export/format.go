package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/writer"
)

// Format is one output file format.
type Format struct {
	// ID is stable: the API, the CLI and stored schedules use it ("csv",
	// "csv-excel", "xlsx"). Lower case letters, digits, '.', '_' and '-'.
	ID string
	// Aliases are other names ParseFormat and Lookup accept ("rfc4180",
	// "pt-br-excel", "excel"); compared case-insensitively.
	Aliases []string
	// Extension is the file name extension with its dot (".csv", ".xlsx").
	Extension string
	// ContentType is the media type of the file, for HTTP downloads and e-mail
	// attachments ("text/csv; charset=utf-8").
	ContentType string
	// Labels is what a person sees, by language tag: "pt-BR", "en".
	Labels map[string]string
	// Write streams rows to w with a header of fields' labels; lang picks
	// language-dependent details (XLSX sheet name and date display). It calls
	// progress (when not nil) with the rows written so far, does not buffer
	// (wrap w in a bufio.Writer for large files) and does not close rows.
	Write func(ctx context.Context, w io.Writer, fields []writer.Field, rows engine.Rows, lang string, progress func(rows int64)) (writer.Stats, error)
}

// Label is f's name for a person in lang ("pt-BR", "en"), falling back to the
// pt-BR label, then to the ID.
func (f Format) Label(lang string) string {
	if l := f.Labels[lang]; l != "" {
		return l
	}
	if l := f.Labels[engine.DefaultLanguage]; l != "" {
		return l
	}
	return f.ID
}

// ErrUnknownFormat is wrapped by ParseFormat's error for a name no format
// answers to.
var ErrUnknownFormat = errors.New("unknown format")

// displayOrder puts the built-in formats first, in the order people choose
// them most (the programs' csv-exact last of them); formats registered later
// follow sorted by ID.
var displayOrder = []string{"csv", "csv-excel", "xlsx", "csv-exact"}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// registry holds formats by ID and by every name they answer to. The
// package functions use defaultRegistry; tests build their own.
type registry struct {
	mu     sync.RWMutex
	byID   map[string]Format // by ID
	byName map[string]string // lower-case ID or alias → ID
}

func newRegistry() *registry {
	return &registry{byID: map[string]Format{}, byName: map[string]string{}}
}

var defaultRegistry = newRegistry()

// Register adds a format. It returns an error, and registers nothing, when
// the ID is empty or not of the form above, Write is nil, Extension does not
// start with '.', ContentType is empty, an alias is empty, or the ID or an
// alias is already taken (case-insensitively) by another format's ID or alias.
func Register(f Format) error { return defaultRegistry.register(f) }

// MustRegister is Register for init-time wiring: it panics on error.
func MustRegister(f Format) {
	if err := Register(f); err != nil {
		panic(err)
	}
}

// Lookup finds a format by ID or alias, case-insensitively.
func Lookup(id string) (Format, bool) { return defaultRegistry.lookup(id) }

// ParseFormat reads a format name given by a person or a client: an ID or
// alias, case-insensitive, surrounding spaces ignored; "" is csv. An unknown
// name returns an error wrapping ErrUnknownFormat that lists the known IDs:
// `unknown format "pdf" (csv, csv-excel, xlsx)`.
func ParseFormat(s string) (Format, error) { return defaultRegistry.parse(s) }

// Formats lists the registered formats in display order: csv, csv-excel,
// xlsx, csv-exact, then the others by ID. The values are copies.
func Formats() []Format { return defaultRegistry.list() }

// IDs are the registered formats' IDs in display order.
func IDs() []string { return defaultRegistry.ids() }

func (r *registry) register(f Format) error {
	if f.ID == "" {
		return errors.New("register format: empty ID")
	}
	if !idPattern.MatchString(f.ID) {
		return fmt.Errorf("register format %q: ID must be lower case letters, digits, '.', '_' or '-'", f.ID)
	}
	if f.Write == nil {
		return fmt.Errorf("register format %q: nil Write", f.ID)
	}
	if !strings.HasPrefix(f.Extension, ".") {
		return fmt.Errorf("register format %q: extension %q must start with '.'", f.ID, f.Extension)
	}
	if f.ContentType == "" {
		return fmt.Errorf("register format %q: empty content type", f.ID)
	}
	f = clone(f)
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := map[string]bool{}
	for _, n := range append([]string{f.ID}, f.Aliases...) {
		key := strings.ToLower(strings.TrimSpace(n))
		if key == "" {
			return fmt.Errorf("register format %q: empty alias", f.ID)
		}
		if owner, taken := r.byName[key]; taken {
			return fmt.Errorf("register format %q: name %q already taken by format %q", f.ID, n, owner)
		}
		if keys[key] {
			return fmt.Errorf("register format %q: name %q given twice", f.ID, n)
		}
		keys[key] = true
	}
	for key := range keys {
		r.byName[key] = f.ID
	}
	r.byID[f.ID] = f
	return nil
}

func (r *registry) lookup(name string) (Format, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	id, ok := r.byName[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Format{}, false
	}
	return clone(r.byID[id]), true
}

func (r *registry) parse(s string) (Format, error) {
	name := strings.TrimSpace(s)
	if name == "" {
		name = "csv"
	}
	if f, ok := r.lookup(name); ok {
		return f, nil
	}
	return Format{}, fmt.Errorf("%w %q (%s)", ErrUnknownFormat, s, strings.Join(r.ids(), ", "))
}

func (r *registry) list() []Format {
	r.mu.RLock()
	out := make([]Format, 0, len(r.byID))
	for _, f := range r.byID {
		out = append(out, clone(f))
	}
	r.mu.RUnlock()
	rank := func(id string) int {
		if i := slices.Index(displayOrder, id); i >= 0 {
			return i
		}
		return len(displayOrder)
	}
	slices.SortFunc(out, func(a, b Format) int {
		if ra, rb := rank(a.ID), rank(b.ID); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func (r *registry) ids() []string {
	fs := r.list()
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}

// clone copies f's slice and map, so callers cannot change the registry.
func clone(f Format) Format {
	f.Aliases = slices.Clone(f.Aliases)
	f.Labels = maps.Clone(f.Labels)
	return f
}
