// Command relato is the report engine's command line: run, lint, test, seed.
package main

import (
	"os"

	"github.com/relato/relato/server/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
