package reporting

import (
	"fmt"
	"io"
	"sync/atomic"
)

// Metrics counts what the application does, for /metrics.
type Metrics struct {
	RunsCreated, RunsFinished, RunsFailed, Downloads atomic.Int64
}

// WritePrometheus writes the counters in the Prometheus text format 0.0.4.
func (m *Metrics) WritePrometheus(w io.Writer) {
	for _, c := range []struct {
		name string
		n    *atomic.Int64
	}{
		{"relato_runs_created_total", &m.RunsCreated},
		{"relato_runs_finished_total", &m.RunsFinished},
		{"relato_runs_failed_total", &m.RunsFailed},
		{"relato_downloads_total", &m.Downloads},
	} {
		fmt.Fprintf(w, "# TYPE %s counter\n%s %d\n", c.name, c.name, c.n.Load())
	}
}
