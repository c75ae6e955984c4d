package engine

import (
	"fmt"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// The expr-lang environment of `validate` rules and computed filters: every
// filter of the report by name (nil when unset; durations are durations,
// periods have From and To), plus `now` in the tenant's zone and expr-lang's
// builtins (duration('20s'), date(…), len, …).

func exprEnv(d *Definition, values map[string]any, now time.Time) map[string]any {
	env := map[string]any{"now": now}
	for _, f := range d.Filters {
		env[f.Name] = values[f.Name]
	}
	return env
}

// compileExprCheck type-checks code with every filter holding a zero value of
// its type, so `threshold >= duration('1s')` is checked as a duration compare.
func compileExprCheck(d *Definition, code string, asBool bool) error {
	values := map[string]any{}
	for _, f := range d.Filters {
		switch {
		case f.kind == nil:
		case f.Multiple:
			values[f.Name] = []any{}
		case f.Type == "period":
			values[f.Name] = Period{}
		default:
			values[f.Name] = zeroValue(f.kind)
		}
	}
	opts := []expr.Option{expr.Env(exprEnv(d, values, time.Time{}))}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	_, err := expr.Compile(code, opts...)
	if err != nil {
		return fmt.Errorf("%s", firstLine(err.Error()))
	}
	return nil
}

func evalExpr(code string, env map[string]any, asBool bool) (any, error) {
	opts := []expr.Option{expr.Env(env)}
	if asBool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(code, opts...)
	if err != nil {
		return nil, err
	}
	return runExpr(prog, env)
}

func runExpr(prog *vm.Program, env map[string]any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return expr.Run(prog, env)
}
