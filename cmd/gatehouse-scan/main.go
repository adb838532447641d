// Command gatehouse-scan audits the security of an HTTP API: headers, TLS,
// CORS, cookies, authentication, rate limiting and error handling. Each
// finding comes with the request and response that prove it and the
// Gatehouse option that fixes it.
//
//	go run github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan https://api.example.com/ \
//	    -origin https://app.example.com -protected /api/me -fail-on high
//
// It contacts only the target's host, follows no redirect elsewhere,
// sends at most -budget requests (200) with a -timeout each, and sends
// nothing that changes data unless -allow-unsafe is given.
//
// Exit status: 0 when no finding reaches -fail-on, 1 when one does, 2 for
// a usage error or a scan that could not run.
//
// The checks live in package scan, which other programs and tests import.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan/scan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// options are the parsed command line.
type options struct {
	cfg      scan.Config
	format   string
	sarif    string
	failOn   string
	quiet    bool
	caFile   string
	protects list
}

func usage(fs *flag.FlagSet) func() {
	return func() {
		fmt.Fprintf(fs.Output(), `usage: gatehouse-scan [flags] URL

Audits the HTTP API at URL and prints what is wrong, the evidence, and the
Gatehouse option that fixes it. Flags may come before or after URL.

The -token may also be given in the environment as GATEHOUSE_SCAN_TOKEN,
which keeps it out of the process list and shell history.

Exit status: 0 no finding at or above -fail-on, 1 findings, 2 error.

flags:
`)
		fs.PrintDefaults()
	}
}

// parse reads flags that may come before or after the URL.
func parse(args []string, stderr io.Writer, getenv func(string) string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("gatehouse-scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = usage(fs)
	fs.Var(&o.protects, "protected", "`PATH` that must require authentication (repeatable)")
	fs.StringVar(&o.cfg.Token, "token", "", "a valid bearer `TOKEN` for the -protected paths (or GATEHOUSE_SCAN_TOKEN); never printed")
	fs.StringVar(&o.cfg.Origin, "origin", "", "the browser `ORIGIN` the API allows, e.g. https://app.example.com (default: the target's)")
	fs.IntVar(&o.cfg.Rate, "rate", 0, "check rate limiting with up to `N` extra requests (default 0: not checked)")
	fs.StringVar(&o.cfg.RatePath, "rate-path", "", "`PATH` the rate-limiting check requests (default: the target's)")
	fs.IntVar(&o.cfg.Budget, "budget", scan.DefaultBudget, "at most `N` requests, -rate aside")
	fs.DurationVar(&o.cfg.Timeout, "timeout", scan.DefaultTimeout, "per-request timeout (a `DURATION` such as 5s)")
	fs.BoolVar(&o.cfg.AllowUnsafe, "allow-unsafe", false, "also send POST probes (malformed JSON, a 2 MiB body; never parsable)")
	fs.IntVar(&o.cfg.HTTPPort, "http-port", 80, "`PORT` for the plain-HTTP check of an https target")
	fs.StringVar(&o.caFile, "ca", "", "PEM `FILE` of CA certificates to trust for the target")
	fs.BoolVar(&o.cfg.Insecure, "insecure", false, "scan even if the certificate does not verify (reported as GH-TLS-004)")
	fs.StringVar(&o.format, "format", "text", "output `FORMAT` on stdout: text, json or sarif")
	jsonOut := fs.Bool("json", false, "shorthand for -format json")
	fs.StringVar(&o.sarif, "sarif", "", "also write a SARIF 2.1.0 log to `FILE`")
	fs.StringVar(&o.failOn, "fail-on", "medium", "exit 1 when a finding is at least this `SEVERITY` (info, low, medium, high, critical, none)")
	fs.BoolVar(&o.quiet, "q", false, "no progress line on stderr")

	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fs.Usage()
		return nil, fmt.Errorf("want exactly one URL, got %d", len(rest))
	}
	o.cfg.Target = rest[0]
	o.cfg.Protected = o.protects
	if *jsonOut {
		o.format = "json"
	}
	switch o.format {
	case "text", "json", "sarif":
	default:
		return nil, fmt.Errorf("-format %q: want text, json or sarif", o.format)
	}
	if o.failOn != "none" {
		if _, err := scan.ParseSeverity(o.failOn); err != nil {
			return nil, err
		}
	}
	if o.cfg.Token == "" {
		o.cfg.Token = strings.TrimSpace(getenv("GATEHOUSE_SCAN_TOKEN"))
	}
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-ca %s: no PEM certificate found", o.caFile)
		}
		o.cfg.RootCAs = pool
	}
	return o, nil
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parse(args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse-scan:", err)
		return exitError
	}
	var progress *scan.ProgressPrinter
	if !o.quiet {
		progress = scan.NewProgressPrinter(stderr, isTerminal(stderr))
		o.cfg.Progress = progress.Update
	}
	report, err := scan.Run(ctx, o.cfg)
	if progress != nil {
		progress.Done()
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse-scan:", strings.TrimPrefix(err.Error(), "scan: "))
		if report == nil {
			return exitError
		}
		fmt.Fprintln(stderr, "gatehouse-scan: interrupted; the report below is partial")
	}
	if o.sarif != "" {
		if werr := writeFile(o.sarif, report.WriteSARIF); werr != nil {
			fmt.Fprintln(stderr, "gatehouse-scan:", werr)
			return exitError
		}
	}
	switch o.format {
	case "json":
		err = report.WriteJSON(stdout)
	case "sarif":
		err = report.WriteSARIF(stdout)
	default:
		err = report.WriteText(stdout, scan.TextOptions{Color: useColor(isTerminal(stdout), getenv)})
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse-scan:", err)
		return exitError
	}
	if ctx.Err() != nil {
		return exitError
	}
	if o.failOn != "none" {
		threshold, _ := scan.ParseSeverity(o.failOn)
		if report.Fails(threshold) {
			return exitFindings
		}
	}
	return exitOK
}

// useColor reports whether to colour the table: only on a terminal, and
// not when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func useColor(terminal bool, getenv func(string) string) bool {
	return terminal && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
