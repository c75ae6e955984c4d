package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/engine/chsql"
)

// Where snapshot tables live when the warehouse is a ClickHouse cluster
// (issue 18). A CREATE or RENAME on one node of a cluster is invisible to
// the others, so on a cluster each result table must be created on every
// node and replicated:
//
//   - ModeOnCluster: the DDL runs ON CLUSTER <Cluster.Name> and each result
//     table is a ReplicatedMergeTree under /clickhouse/relato/results/<table>
//     with replica '{replica}' (every node of the cluster, all shards, holds
//     a replica: results are small, capped by max_rows, and any node can then
//     serve any page).
//   - ModeReplicated: the results database itself uses the Replicated
//     database engine (zoo path /clickhouse/relato/results, shard 'results',
//     replica '{shard}-{replica}', so every node is a replica of one shard),
//     which replays each CREATE and DROP on every node; no ON CLUSTER.
//
// In both modes ClickHouse refuses CREATE … AS SELECT (distributed DDL runs
// the statement on every node; a Replicated database forbids it unless
// database_replicated_allow_heavy_create), so the result is first frozen in
// a plain local table of results_staging on the node relato is connected to,
// checked (rows, checksum), and then published: CREATE the replicated table
// with the staged columns, INSERT … SELECT from the staging table, SYSTEM
// SYNC REPLICA so every replica has the rows before the run is finished,
// DROP the staging table. ModeSingle (the default) keeps today's RENAME of
// results.r_<id>_part to results.r_<id>.
type ClusterMode string

const (
	ModeSingle     ClusterMode = ""           // one server: CREATE … AS SELECT + RENAME
	ModeOnCluster  ClusterMode = "on-cluster" // DDL ON CLUSTER, ReplicatedMergeTree tables
	ModeReplicated ClusterMode = "replicated" // a Replicated results database
)

// StagingDatabase holds results being frozen on a cluster, local to one node.
const StagingDatabase = "results_staging"

// Cluster says where result tables are created; the zero value is one server.
type Cluster struct {
	Name string // the cluster of remote_servers (ModeOnCluster)
	Mode ClusterMode
}

// ParseClusterMode reads a mode setting: "", "single", "on-cluster" or "replicated".
func ParseClusterMode(s string) (ClusterMode, error) {
	switch s {
	case "", "single":
		return ModeSingle, nil
	case string(ModeOnCluster), string(ModeReplicated):
		return ClusterMode(s), nil
	}
	return "", fmt.Errorf("want single, on-cluster or replicated, got %q", s)
}

// Validate reports a mode that lacks what it needs.
func (c Cluster) Validate() error {
	if _, err := ParseClusterMode(string(c.Mode)); err != nil {
		return err
	}
	if c.Mode == ModeOnCluster && c.Name == "" {
		return errors.New("on-cluster needs the cluster's name (remote_servers)")
	}
	if c.Name != "" && !chsql.ValidIdentifier(c.Name) {
		return fmt.Errorf("cluster name %q is not a plain identifier", c.Name)
	}
	return nil
}

// onCluster is the " ON CLUSTER name" clause of ModeOnCluster, else "".
func (c Cluster) onCluster() string {
	if c.Mode == ModeOnCluster {
		return " ON CLUSTER " + chsql.QuoteIdent(c.Name)
	}
	return ""
}

// DatabaseDDL are the statements that create the results databases.
func (c Cluster) DatabaseDDL() []string {
	switch c.Mode {
	case ModeOnCluster:
		return []string{
			"CREATE DATABASE IF NOT EXISTS " + Database + c.onCluster(),
			"CREATE DATABASE IF NOT EXISTS " + StagingDatabase,
		}
	case ModeReplicated:
		return []string{
			"CREATE DATABASE IF NOT EXISTS " + Database + " ENGINE = Replicated('/clickhouse/relato/results', 'results', '{shard}-{replica}')",
			"CREATE DATABASE IF NOT EXISTS " + StagingDatabase,
		}
	}
	return []string{"CREATE DATABASE IF NOT EXISTS " + Database}
}

// stagingTable is where run's result is frozen before it is published.
func (c Cluster) stagingTable(runID string) (string, error) {
	if c.Mode == ModeSingle {
		return table(runID + "_part")
	}
	if _, err := table(runID); err != nil {
		return "", err
	}
	return StagingDatabase + "." + chsql.QuoteIdent("r_"+runID+"_part"), nil
}

// DropDDL removes a result table on every node (retention, deleted runs).
// SYNC waits until the data is gone, so a dropped run's name is free again.
func (c Cluster) DropDDL(tbl string) string {
	switch c.Mode {
	case ModeOnCluster:
		return "DROP TABLE IF EXISTS " + tbl + c.onCluster() + " SYNC"
	case ModeReplicated:
		return "DROP TABLE IF EXISTS " + tbl + " SYNC"
	}
	return "DROP TABLE IF EXISTS " + tbl
}

// PublishDDL are the statements that turn the staged table into run's
// result table, given the staged columns (name and ClickHouse type, from
// DESCRIBE). On one server it is a RENAME.
func (c Cluster) PublishDDL(runID, staged string, columns []engine.Column) ([]string, error) {
	final, err := table(runID)
	if err != nil {
		return nil, err
	}
	if c.Mode == ModeSingle {
		// A final table that exists already belongs to an earlier attempt of
		// the same run that died after its rename but before the run store
		// recorded the run finished; no reader holds it (only a finished run
		// is read), so this attempt's result replaces it.
		return []string{"DROP TABLE IF EXISTS " + final, "RENAME TABLE " + staged + " TO " + final}, nil
	}
	if len(columns) == 0 {
		return nil, errors.New("snapshot: the staged result has no columns")
	}
	defs := make([]string, len(columns))
	for i, col := range columns {
		if strings.ContainsAny(col.Type, ";\n\r") || strings.Contains(col.Type, "--") || strings.Contains(col.Type, "/*") {
			return nil, fmt.Errorf("snapshot: column %q has an unexpected type %q", col.Name, col.Type)
		}
		defs[i] = chsql.QuoteIdent(col.Name) + " " + col.Type
	}
	engineClause := "ReplicatedMergeTree"
	if c.Mode == ModeOnCluster {
		engineClause += "(" + chsql.QuoteString("/clickhouse/relato/results/r_"+runID) + ", '{replica}')"
	}
	// A run taken again after a crash may find the table of its first
	// attempt: it is replaced, never appended to.
	return []string{
		c.DropDDL(final),
		"CREATE TABLE " + final + c.onCluster() + " (" + strings.Join(defs, ", ") + ") ENGINE = " + engineClause + " ORDER BY " + rowColumn,
		"INSERT INTO " + final + " SELECT * FROM " + staged,
		"SYSTEM SYNC REPLICA" + c.onCluster() + " " + final,
		"DROP TABLE IF EXISTS " + staged,
	}, nil
}

// publish runs PublishDDL for the staged table of run.
func (s *Store) publish(ctx context.Context, runID, staged string) error {
	var cols []engine.Column
	if s.Cluster.Mode != ModeSingle {
		rows, err := s.B.Query(ctx, engine.Query{SQL: "DESCRIBE TABLE " + staged})
		if err != nil {
			return err
		}
		for rows.Next() {
			v := rows.Values()
			cols = append(cols, engine.Column{Name: string(v[0]), Type: string(v[1])})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	stmts, err := s.Cluster.PublishDDL(runID, staged, cols)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := s.B.Exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// createDatabases runs DatabaseDDL.
func (s *Store) createDatabases(ctx context.Context) error {
	for _, st := range s.Cluster.DatabaseDDL() {
		if err := s.B.Exec(ctx, st); err != nil {
			return err
		}
	}
	return nil
}
