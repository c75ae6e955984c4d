package main

import (
	"bufio"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/relato/relato/server/auth"
	"github.com/relato/relato/server/servertest"
)

// readmeCommand is one command line of a ```sh block of README.md.
type readmeCommand struct {
	line int    // where it starts in README.md
	text string // as written, continuation lines joined
}

// readmeCommands returns the curl and relato command lines of README.md's
// ```sh blocks: lines ending in a backslash and single-quoted arguments
// spanning lines are joined. Other commands (make) and `relato serve` (the
// test server stands for it) are left out.
func readmeCommands(t *testing.T, readme string) []readmeCommand {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		out     []readmeCommand
		inBlock bool
		cur     *readmeCommand
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inBlock = strings.TrimSpace(line) == "```sh"
			continue
		}
		if !inBlock {
			continue
		}
		if cur == nil {
			if strings.TrimSpace(line) == "" {
				continue
			}
			cur = &readmeCommand{line: n}
			cur.text = line
		} else {
			cur.text += "\n" + line
		}
		if strings.HasSuffix(line, `\`) || strings.Count(cur.text, "'")%2 == 1 {
			continue // the command goes on
		}
		fields := strings.Fields(cur.text)
		prog := filepath.Base(fields[0])
		if prog == "curl" || prog == "relato" && !(len(fields) > 1 && fields[1] == "serve") {
			out = append(out, *cur)
		}
		cur = nil
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestREADME_ExamplesRunAsWritten runs every curl and relato command of the
// README's ```sh blocks, as written, through bash:
//
//   - curl answers the test server (servertest.Start: the demo data's test
//     scale) on the host the README uses, localhost:8080 or 127.0.0.1:8080,
//     replaced by the test server's; $TOKEN is an admin of tenant 1. A curlrc
//     (CURL_HOME) makes curl print the status on stderr; it must be 2xx.
//   - relato is `bin/relato` built from this tree in a temporary folder that
//     is the working directory; RELATO_DATA names a warehouse seeded there
//     with `relato seed --scale test`. It must exit 0.
func TestREADME_ExamplesRunAsWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and seeds a warehouse")
	}
	cmds := readmeCommands(t, "README.md")
	var nCurl, nRelato int
	for _, c := range cmds {
		if strings.HasPrefix(c.text, "curl") {
			nCurl++
		} else {
			nRelato++
		}
	}
	// The README had 2 curl and 2 relato run examples when this was written;
	// fewer means the extraction broke, not that the README shrank.
	if nCurl < 2 || nRelato < 2 {
		t.Fatalf("found %d curl and %d relato commands in README.md; want at least 2 of each: %+v", nCurl, nRelato, cmds)
	}

	srv := servertest.Start(t, servertest.Options{})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	curlHome := filepath.Join(work, "curlhome")
	if err := os.MkdirAll(curlHome, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(curlHome, ".curlrc"), []byte("write-out = \"%{stderr}%{http_code}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "bin", "relato")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(work, "warehouse")
	if out, err := exec.Command(bin, "seed", "--data", data, "--scale", "test").CombinedOutput(); err != nil {
		t.Fatalf("relato seed: %v\n%s", err, out)
	}
	env := append(os.Environ(),
		"TOKEN="+srv.Token(1, "README", auth.Admin),
		"CURL_HOME="+curlHome,
		"RELATO_DATA="+data,
	)

	for _, c := range cmds {
		t.Run("README.md:"+strconv.Itoa(c.line), func(t *testing.T) {
			text := strings.NewReplacer("localhost:8080", u.Host, "127.0.0.1:8080", u.Host).Replace(c.text)
			cmd := exec.Command("bash", "-c", text)
			cmd.Dir, cmd.Env = work, env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if err != nil {
				t.Fatalf("%s\nexit: %v\nstdout: %s\nstderr: %s", c.text, err, stdout.String(), stderr.String())
			}
			if strings.HasPrefix(c.text, "curl") {
				code := stderr.String()
				if len(code) < 3 || code[len(code)-3] != '2' {
					t.Fatalf("%s\nstatus %s: %s", c.text, code, stdout.String())
				}
			}
		})
	}
}
