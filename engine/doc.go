// Package engine is relato's report engine: the definition DSL (types, loader,
// linter, compiler), filter types, periods, the expr-lang environment, the
// backend contract and fixture tests. It knows nothing of HTTP, the runs store
// or delivery; it must not import anything under server/, delivery/ or plugins/.
package engine
