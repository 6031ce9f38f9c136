package okayapitest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// controlFaultPath is the path of the control endpoint that
// WithControlEndpoint turns on. OkayAPI's own paths are / and /api/…, so it
// cannot be taken for a call.
const controlFaultPath = "/_fake/fault"

// controlPrefix is the part of the URL space the control endpoint owns.
const controlPrefix = "/_fake/"

// serveControl answers a request under controlPrefix.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !isLoopback(host) {
		http.Error(w, "okayapitest: the control endpoint answers loopback clients only", http.StatusForbidden)
		return
	}
	if r.URL.Path != controlFaultPath {
		http.Error(w, "okayapitest: no such control endpoint (the one there is: POST "+controlFaultPath+")", http.StatusNotFound)
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		var b strings.Builder
		for _, k := range faultKinds {
			fmt.Fprintf(&b, "%-20s %s\n", k.name, k.doc)
		}
		writeAll(w, b.String())
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "okayapitest: "+controlFaultPath+" takes POST (GET lists the faults)", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "okayapitest: unreadable parameters: "+err.Error(), http.StatusBadRequest)
		return
	}
	f, service, n, msg := controlParams(r.Form)
	if msg != "" {
		http.Error(w, "okayapitest: "+msg, http.StatusBadRequest)
		return
	}
	s.InjectFault(service, f, n)
	if s.cfg.log != nil {
		s.cfg.log.LogAttrs(context.Background(), slog.LevelInfo, "okayapitest fault injected",
			slog.String("fault", string(f)), slog.String("service", service), slog.Int("n", n))
	}
	w.WriteHeader(http.StatusNoContent)
}

// controlParams reads the control endpoint's parameters, or says what is
// wrong with them.
func controlParams(form map[string][]string) (f Fault, service string, n int, msg string) {
	for name, vs := range form {
		switch {
		case name != "kind" && name != "service" && name != "n":
			return "", "", 0, fmt.Sprintf("unknown parameter %q (want kind, service, n)", name)
		case len(vs) > 1:
			return "", "", 0, "parameter " + name + " given more than once"
		}
	}
	get := func(name string) string {
		if vs := form[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	kind := get("kind")
	if kind == "" {
		return "", "", 0, "parameter kind is required: " + faultNames()
	}
	k, ok := Fault(kind).kind()
	if !ok {
		return "", "", 0, fmt.Sprintf("parameter kind: unknown fault %q (want %s)", kind, faultNames())
	}
	f = k.name
	service = get("service")
	if service != "" && !validServiceName(service) {
		return "", "", 0, fmt.Sprintf("parameter service: %q is not a service name like App.Hello.World", service)
	}
	n = 1
	if v := get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return "", "", 0, fmt.Sprintf("parameter n: %q is not a count of 1 or more", v)
		}
	}
	return f, service, n, ""
}

// isLoopback reports whether host is a loopback IP address.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
