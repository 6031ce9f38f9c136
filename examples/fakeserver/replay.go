package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/okayapi-go/sdk/okayapi/okayapitest/cassette"
)

// replayConfig is what -replay serves, and how.
type replayConfig struct {
	dir     string
	addr    string
	sign    string // "dynamic" or "none"
	export  bool
	verbose bool
}

// anyToken is the token printed for -replay: any token is accepted, and
// this one has the shape of the placeholder a replayed login hands out.
const anyToken = "0000000000000000000000000000000000000000000000000000000000000001"

// serveReplay serves the cassette in cfg.dir until ctx is done: it prints
// the shell lines, with an app key and secret of its own, and answers each
// request with the recording that matches it.
func serveReplay(ctx context.Context, cfg replayConfig, stdout, stderr io.Writer) error {
	if st, err := os.Stat(cfg.dir); err != nil || !st.IsDir() {
		return fmt.Errorf("-replay %s: not a directory", cfg.dir)
	}
	app := cassette.App{AppKey: randomText("0123456789ABCDEF", 32)}
	if cfg.sign == "dynamic" {
		app.Secret = randomText("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 64)
	}
	h, err := cassette.NewHandler(cfg.dir, app)
	if err != nil {
		return err
	}
	summary, err := summarize(cfg.dir)
	if err != nil {
		return err
	}
	ln, err := listenLoopback(cfg.addr)
	if err != nil {
		return err
	}
	if cfg.verbose {
		h = logged(h, slog.New(slog.NewTextHandler(stderr, nil)))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer srv.Close()
	app.BaseURL = "http://" + ln.Addr().String()
	if err := printReplayEnv(stdout, cfg, app, summary); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	fmt.Fprintln(stderr, "fakeserver: stopped")
	return nil
}

// listenLoopback listens on addr, which must be a loopback address.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	notLoopback := fmt.Errorf("listen address %q is not a loopback address (use 127.0.0.1, ::1 or localhost)", addr)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, notLoopback
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, notLoopback
	}
	return ln, nil
}

// cassetteSummary is what the shell lines say about a cassette: how many
// answers it holds, the member it acted as most, and the member it talked
// to most (other_uuid), not counting itself.
type cassetteSummary struct {
	answers int
	member  string
	other   string
}

// summarize reads the cassette's sidecars.
func summarize(dir string) (cassetteSummary, error) {
	var sum cassetteSummary
	members, others := map[string]int{}, map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.HasSuffix(name, ".req.json") {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var side struct {
				Member string            `json:"member"`
				Params map[string]string `json:"params"`
			}
			if err := json.Unmarshal(b, &side); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if side.Member != "" {
				members[side.Member]++
			}
			if o := side.Params["other_uuid"]; o != "" && !strings.Contains(o, ",") {
				others[o]++
			}
		} else if !strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".html")) {
			sum.answers++
		}
		return nil
	})
	sum.member = most(members)
	delete(others, sum.member)
	sum.other = most(others)
	return sum, err
}

// most is the key with the highest count (the first in order on a tie).
func most(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// printReplayEnv writes the shell lines for a replaying server.
func printReplayEnv(w io.Writer, cfg replayConfig, app cassette.App, sum cassetteSummary) error {
	var b strings.Builder
	prefix := ""
	if cfg.export {
		prefix = "export "
	}
	set := func(name, value string) { fmt.Fprintf(&b, "%s%s=%s\n", prefix, name, value) }
	fmt.Fprintf(&b, "# Replaying the cassette %s (%d answers) on %s (sign: %s). Load into a shell with: set -a; . ./this-file; set +a\n",
		cfg.dir, sum.answers, app.BaseURL, cfg.sign)
	b.WriteString("# Each call is answered with the recording that matches its service and parameters, in recorded order;\n")
	b.WriteString("# one without a recording is answered ret 404 naming the nearest. Any token is accepted.\n")
	set("OKAYAPI_HOST", app.BaseURL)
	set("OKAYAPI_APP_KEY", app.AppKey)
	if app.Secret != "" {
		set("OKAYAPI_APP_SECRET", app.Secret)
	}
	member := sum.member
	if member == "" {
		member = strings.Repeat("0", 32)
	}
	b.WriteString("# Acting as the member the cassette acted as most")
	if sum.other != "" {
		b.WriteString(", chatting with the one it talked to most")
	}
	b.WriteString(":\n")
	set("OKAYAPI_UUID", member)
	set("OKAYAPI_TOKEN", anyToken)
	if sum.other != "" {
		set("OKAYAPI_OTHER_UUID", sum.other)
	}
	b.WriteString("# Serving until interrupted (Ctrl-C).\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// logged logs each request: method, service and HTTP status (never
// parameters or secrets).
func logged(h http.Handler, l *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		service := r.URL.Query().Get("s")
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/"); ok {
			service = strings.ReplaceAll(strings.Trim(rest, "/"), "/", ".")
		}
		l.Info("replayed", "method", r.Method, "service", service, "status", sw.status)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// randomText is n random characters of alphabet.
func randomText(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("fakeserver: no randomness: " + err.Error()))
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
