// Command load measures the example server's throughput on loopback, by
// hand (never in CI): requests per second of a bare net/http handler
// (GET /healthz) and of an authenticated POST /api/agent/chat through the
// full Gatehouse stack, in the same run, with wrk when it is installed and
// a Go client otherwise.
//
//	go run ./examples/load                 # 10 s per target
//	go run ./examples/load -duration 5s -connections 32
//
// It builds examples/server, starts it and a bare server as child
// processes on 127.0.0.1 with limits high enough for the run, registers a
// user, and stops both at the end. The goal: full stack ≥ 0.6 × bare.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long each target is loaded")
	conns := flag.Int("connections", 32, "concurrent connections")
	useGo := flag.Bool("go-client", false, "use the Go client even when wrk is installed")
	pin := flag.Bool("pin", false, "pin the servers to CPU 0 and wrk to CPU 1 (taskset), so that they do not compete for a core")
	bare := flag.String("bare", "", "internal: serve the bare handler on this address")
	flag.Parse()
	if *bare != "" {
		serveBare(*bare)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration <= 0 || *duration > 5*time.Minute || *conns < 1 || *conns > 1000 {
		fatal(errors.New("-duration must be in (0, 5m] and -connections in [1, 1000]"))
	}
	if err := measure(ctx, *duration, *conns, *useGo, *pin); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}

// serveBare is the baseline: net/http with one handler and nothing else.
func serveBare(addr string) {
	body := []byte(`{"status":"ok"}` + "\n")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fatal(err)
	}
	fmt.Printf("bare on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fatal(srv.Serve(ln))
}

// loadConfig keeps every limit above what a loopback run reaches.
const loadConfig = `{"rate_limits": {"ip": "1000000/second", "chat_user": "1000000/second", "chat_ip": "1000000/second"}}`

func measure(ctx context.Context, d time.Duration, conns int, useGo, pin bool) error {
	var serverCPU, clientCPU []string
	if pin {
		if _, err := exec.LookPath("taskset"); err != nil {
			return errors.New("-pin needs taskset (util-linux)")
		}
		serverCPU, clientCPU = []string{"taskset", "-c", "0"}, []string{"taskset", "-c", "1"}
	}
	dir, err := os.MkdirTemp("", "gatehouse-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "server")
	fmt.Println("building examples/server ...")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/gatehouse-go/gatehouse/examples/server").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(loadConfig), 0o600); err != nil {
		return err
	}
	full, stopFull, err := start(ctx, filepath.Join(dir, "server.log"), `Gatehouse example API on http://(\S+)`,
		append(serverCPU, bin, "-addr", "127.0.0.1:0", "-config", cfg)...)
	if err != nil {
		return err
	}
	defer stopFull()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bareAddr, stopBare, err := start(ctx, filepath.Join(dir, "bare.log"), `bare on http://(\S+)`, append(serverCPU, self, "-bare", "127.0.0.1:0")...)
	if err != nil {
		return err
	}
	defer stopBare()

	token, err := login("http://" + full)
	if err != nil {
		return err
	}
	chat := target{name: "POST /api/agent/chat, JWT, full stack", url: "http://" + full + "/api/agent/chat", method: "POST",
		body: `{"message":"What can you do?"}`, headers: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token}}
	targets := []target{
		{name: "GET /healthz, bare net/http", url: "http://" + bareAddr + "/healthz", method: "GET"},
		chat,
		{name: "GET /healthz, full stack", url: "http://" + full + "/healthz", method: "GET"},
	}
	tool := "wrk"
	if _, err := exec.LookPath("wrk"); err != nil || useGo {
		tool = "Go client"
	}
	placement := "servers and load generator share every core"
	if pin {
		placement = "servers on CPU 0, load generator on CPU 1"
	}
	fmt.Printf("%s, %d connections, %s per target, %s\n", tool, conns, d, placement)
	rps := make([]float64, len(targets))
	for i, t := range targets {
		if tool == "wrk" {
			rps[i], err = runWrk(ctx, dir, t, d, conns, clientCPU)
		} else {
			rps[i], err = runGo(ctx, t, d, conns)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		fmt.Printf("  %-42s %10.0f req/s\n", t.name, rps[i])
	}
	ratio := rps[1] / rps[0]
	verdict := "meets"
	if ratio < 0.6 {
		verdict = "misses"
	}
	fmt.Printf("full-stack chat / bare healthz = %.2f (%s the 0.6 goal)\n", ratio, verdict)
	return nil
}

type target struct {
	name, url, method, body string
	headers                 map[string]string
}

// start runs a child process (argv) whose stdout announces its address.
func start(ctx context.Context, logPath, announce string, argv ...string) (string, func(), error) {
	bin, args := argv[0], argv[1:]
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
		logFile.Close()
	}
	re := regexp.MustCompile(announce)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case addr := <-found:
		return addr, stop, nil
	case <-time.After(30 * time.Second):
	case <-ctx.Done():
	}
	stop()
	return "", nil, fmt.Errorf("%s did not start; see %s", filepath.Base(bin), logPath)
}

// login registers a user and returns an access token.
func login(base string) (string, error) {
	post := func(path, body string) ([]byte, error) {
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			return nil, fmt.Errorf("%s: %s %s", path, res.Status, b)
		}
		return b, nil
	}
	const pw = "correct horse battery staple"
	if _, err := post("/api/auth/register", `{"username":"loadtest","email":"load@example.com","password":"`+pw+`"}`); err != nil {
		return "", err
	}
	b, err := post("/api/auth/login", `{"username":"loadtest","password":"`+pw+`"}`)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("login: no token in %s", b)
	}
	return tok.AccessToken, nil
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func runWrk(ctx context.Context, dir string, t target, d time.Duration, conns int, prefix []string) (float64, error) {
	script := filepath.Join(dir, "request.lua")
	var lua bytes.Buffer
	fmt.Fprintf(&lua, "wrk.method = %q\n", t.method)
	if t.body != "" {
		fmt.Fprintf(&lua, "wrk.body = %q\n", t.body)
	}
	for k, v := range t.headers {
		fmt.Fprintf(&lua, "wrk.headers[%q] = %q\n", k, v)
	}
	if err := os.WriteFile(script, lua.Bytes(), 0o600); err != nil {
		return 0, err
	}
	args := append(prefix, "wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", "-s", script, t.url)
	out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	if bytes.Contains(out, []byte("Non-2xx")) || bytes.Contains(out, []byte("Socket errors")) { // any answer but 200 voids the figure
		return 0, fmt.Errorf("errors during the run:\n%s", out)
	}
	m := wrkRPS.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// runGo is the fallback load generator: conns keep-alive connections in
// a closed loop.
func runGo(ctx context.Context, t target, d time.Duration, conns int) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, t.method, t.url, strings.NewReader(t.body))
				for k, v := range t.headers {
					req.Header.Set(k, v)
				}
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		return 0, fmt.Errorf("%d responses were not 200", n)
	}
	return float64(ok.Load()) / time.Since(begin).Seconds(), nil
}
