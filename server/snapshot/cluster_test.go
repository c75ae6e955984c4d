package snapshot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/relato/relato/engine"
	"github.com/relato/relato/server/snapshot"
)

// The exact DDL of each mode, written out by hand from ClickHouse's grammar
// (CREATE/DROP … ON CLUSTER, ReplicatedMergeTree(path, replica), the
// Replicated database engine, SYSTEM SYNC REPLICA [ON CLUSTER]); docs/SCALING.md
// quotes the same statements.
func TestClusterDDL_EachModeCreatesPublishesAndDropsEverywhere(t *testing.T) {
	cols := []engine.Column{{Name: "_row", Type: "UInt64"}, {Name: "atendente", Type: "Nullable(String)"}, {Name: "início", Type: "DateTime('America/Sao_Paulo')"}}
	cases := []struct {
		name      string
		cluster   snapshot.Cluster
		staged    string
		databases []string
		publish   []string
		drop      string
	}{
		{
			name:      "one server renames the staged table",
			staged:    "results.`r_abc_part`",
			databases: []string{"CREATE DATABASE IF NOT EXISTS results"},
			publish:   []string{"DROP TABLE IF EXISTS results.`r_abc`", "RENAME TABLE results.`r_abc_part` TO results.`r_abc`"},
			drop:      "DROP TABLE IF EXISTS results.`r_abc`",
		},
		{
			name:    "on-cluster runs the DDL on every node with replicated tables",
			cluster: snapshot.Cluster{Name: "relato", Mode: snapshot.ModeOnCluster},
			staged:  "results_staging.`r_abc_part`",
			databases: []string{
				"CREATE DATABASE IF NOT EXISTS results ON CLUSTER `relato`",
				"CREATE DATABASE IF NOT EXISTS results_staging",
			},
			publish: []string{
				"DROP TABLE IF EXISTS results.`r_abc` ON CLUSTER `relato` SYNC",
				"CREATE TABLE results.`r_abc` ON CLUSTER `relato` (`_row` UInt64, `atendente` Nullable(String), `início` DateTime('America/Sao_Paulo')) ENGINE = ReplicatedMergeTree('/clickhouse/relato/results/r_abc', '{replica}') ORDER BY _row",
				"INSERT INTO results.`r_abc` SELECT * FROM results_staging.`r_abc_part`",
				"SYSTEM SYNC REPLICA ON CLUSTER `relato` results.`r_abc`",
				"DROP TABLE IF EXISTS results_staging.`r_abc_part`",
			},
			drop: "DROP TABLE IF EXISTS results.`r_abc` ON CLUSTER `relato` SYNC",
		},
		{
			name:    "a replicated database replays plain DDL on every node",
			cluster: snapshot.Cluster{Mode: snapshot.ModeReplicated},
			staged:  "results_staging.`r_abc_part`",
			databases: []string{
				"CREATE DATABASE IF NOT EXISTS results ENGINE = Replicated('/clickhouse/relato/results', 'results', '{shard}-{replica}')",
				"CREATE DATABASE IF NOT EXISTS results_staging",
			},
			publish: []string{
				"DROP TABLE IF EXISTS results.`r_abc` SYNC",
				"CREATE TABLE results.`r_abc` (`_row` UInt64, `atendente` Nullable(String), `início` DateTime('America/Sao_Paulo')) ENGINE = ReplicatedMergeTree ORDER BY _row",
				"INSERT INTO results.`r_abc` SELECT * FROM results_staging.`r_abc_part`",
				"SYSTEM SYNC REPLICA results.`r_abc`",
				"DROP TABLE IF EXISTS results_staging.`r_abc_part`",
			},
			drop: "DROP TABLE IF EXISTS results.`r_abc` SYNC",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.cluster.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := c.cluster.DatabaseDDL(); !slices.Equal(got, c.databases) {
				t.Errorf("databases:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.databases, "\n"))
			}
			got, err := c.cluster.PublishDDL("abc", c.staged, cols)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.publish) {
				t.Errorf("publish:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.publish, "\n"))
			}
			if got := c.cluster.DropDDL("results.`r_abc`"); got != c.drop {
				t.Errorf("drop: %s\nwant: %s", got, c.drop)
			}
		})
	}
}

func TestClusterDDL_RefusesWhatCannotWork(t *testing.T) {
	for _, c := range []struct {
		cluster snapshot.Cluster
		want    string
	}{
		{snapshot.Cluster{Mode: snapshot.ModeOnCluster}, "needs the cluster's name"},
		{snapshot.Cluster{Mode: "sharded"}, "want single, on-cluster or replicated"},
		{snapshot.Cluster{Name: "a;DROP", Mode: snapshot.ModeOnCluster}, "not a plain identifier"},
	} {
		if err := c.cluster.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error saying %q", c.cluster, err, c.want)
		}
	}
	on := snapshot.Cluster{Name: "relato", Mode: snapshot.ModeOnCluster}
	if _, err := on.PublishDDL("abc", "results_staging.`r_abc_part`", []engine.Column{{Name: "x", Type: "String; DROP TABLE t"}}); err == nil {
		t.Error("a column type with a statement separator was put into DDL")
	}
	if _, err := on.PublishDDL("a b", "results_staging.`r_abc_part`", nil); err == nil {
		t.Error("an invalid run id was accepted")
	}
}
