package delivery

import (
	"fmt"
	"slices"
	"sync"
)

// Factory builds a destination from its JSON config. It validates the config
// and returns a *ConfigError listing every problem.
type Factory func(cfgJSON []byte, opts Options) (Destination, error)

// Options are what the host supplies beside the user's config.
type Options struct {
	// Guard checks every outbound connection; nil means DefaultGuard().
	Guard *Guard
}

// Option sets an Option.
type Option func(*Options)

// WithGuard sets the outbound address guard (for example one allowing a
// customer's private network, or 127.0.0.0/8 in tests).
func WithGuard(g *Guard) Option { return func(o *Options) { o.Guard = g } }

var (
	registryMu sync.RWMutex
	registry   = map[string]registered{}
)

type registered struct {
	factory Factory
	spec    KindSpec
}

// Register adds a destination kind, named by spec.Kind, with the factory
// that builds it. It fails if the name is taken or the spec is incomplete
// (a label or help text missing in one of Languages, an enum without values…).
func Register(spec KindSpec, f Factory) error {
	if f == nil {
		return fmt.Errorf("register destination %q: nil factory", spec.Kind)
	}
	if err := spec.validate(); err != nil {
		return fmt.Errorf("register destination %q: %w", spec.Kind, err)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := registry[spec.Kind]; ok {
		return fmt.Errorf("register destination %q: already registered", spec.Kind)
	}
	registry[spec.Kind] = registered{factory: f, spec: spec}
	return nil
}

// MustRegister is Register for init functions: it panics on error.
func MustRegister(spec KindSpec, f Factory) {
	if err := Register(spec, f); err != nil {
		panic(err)
	}
}

// Kinds lists the registered kinds, sorted.
func Kinds() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Spec returns the field spec of a registered kind ("delivery.sftp").
func Spec(kind string) (KindSpec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	r, ok := registry[kind]
	return r.spec, ok
}

// Specs lists the specs of every registered kind, sorted by kind.
func Specs() []KindSpec {
	kinds := Kinds()
	out := make([]KindSpec, 0, len(kinds))
	for _, k := range kinds {
		if s, ok := Spec(k); ok {
			out = append(out, s)
		}
	}
	return out
}

// New builds a destination of a registered kind from its JSON config.
func New(kind string, cfgJSON []byte, opts ...Option) (Destination, error) {
	registryMu.RLock()
	r, ok := registry[kind]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown destination kind %q (known: %v)", kind, Kinds())
	}
	var o Options
	for _, opt := range opts {
		opt(&o)
	}
	if o.Guard == nil {
		o.Guard = DefaultGuard()
	}
	return r.factory(cfgJSON, o)
}
