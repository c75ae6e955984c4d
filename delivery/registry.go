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
	registry   = map[string]Factory{}
)

// Register adds a destination kind; it fails if the name is taken.
func Register(kind string, f Factory) error {
	registryMu.Lock()
	defer registryMu.Unlock()
	if kind == "" || f == nil {
		return fmt.Errorf("register destination: empty kind or nil factory")
	}
	if _, ok := registry[kind]; ok {
		return fmt.Errorf("register destination %q: already registered", kind)
	}
	registry[kind] = f
	return nil
}

// MustRegister is Register for init functions: it panics on error.
func MustRegister(kind string, f Factory) {
	if err := Register(kind, f); err != nil {
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

// New builds a destination of a registered kind from its JSON config.
func New(kind string, cfgJSON []byte, opts ...Option) (Destination, error) {
	registryMu.RLock()
	f, ok := registry[kind]
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
	return f(cfgJSON, o)
}
