package engine

import (
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns the candidate a mistyped name most likely meant, or "" when
// none is close: the one candidate at the smallest edit distance (Levenshtein,
// case-insensitive), when that distance is at most 2 or a fifth of the name's
// length (0 is a difference of case only) (kpis.service_levl → kpis.service_level, perido → period); else, for a
// dotted id given without its category, the one candidate ending in
// "."+name (service_level → kpis.service_level). Ties suggest nothing rather
// than a guess.
func Suggest(name string, candidates []string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return ""
	}
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist, tie := "", -1, false
	for _, c := range sorted {
		d := levenshtein.ComputeDistance(name, strings.ToLower(c))
		switch {
		case bestDist < 0 || d < bestDist:
			best, bestDist, tie = c, d, false
		case d == bestDist:
			tie = true
		}
	}
	if bestDist >= 0 && !tie && (bestDist <= 2 || bestDist <= len(name)/5) && bestDist < len(name) {
		return best
	}
	var suffix []string
	for _, c := range sorted {
		if strings.HasSuffix(strings.ToLower(c), "."+name) {
			suffix = append(suffix, c)
		}
	}
	if len(suffix) == 1 {
		return suffix[0]
	}
	return ""
}
