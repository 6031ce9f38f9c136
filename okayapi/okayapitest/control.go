package okayapitest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ControlFaultPath is the path of the control endpoint that WithControlEndpoint
// turns on. OkayAPI's own paths are / and /api/…, so it cannot be taken for a
// call.
const ControlFaultPath = "/_fake/fault"

// controlPrefix is the part of the URL space the control endpoint owns.
const controlPrefix = "/_fake/"

// faultNames are the short names of the faults, by Fault.
var faultNames = [...]string{
	FaultHTML502:           "html502",
	FaultDropAfter:         "drop-after",
	FaultStall:             "stall",
	FaultTruncate:          "truncate",
	FaultNonJSON:           "non-json",
	FaultException500:      "exception",
	FaultExceptionRet0:     "exception-ret0",
	FaultExceptionDB:       "exception-db",
	FaultRedirect307:       "redirect307",
	FaultStoreThenRedirect: "store-then-redirect",
}

const faultNameList = "html502, drop-after, stall, truncate, non-json, exception, exception-ret0, exception-db, " +
	"redirect307 or store-then-redirect"

// ParseFault reads a fault's short name, as the control endpoint and the
// fakeserver command take it: html502 (FaultHTML502), drop-after
// (FaultDropAfter), stall (FaultStall), truncate (FaultTruncate), non-json
// (FaultNonJSON), exception (FaultException500), exception-ret0
// (FaultExceptionRet0), exception-db (FaultExceptionDB), redirect307
// (FaultRedirect307) or store-then-redirect (FaultStoreThenRedirect). Case
// does not matter.
func ParseFault(name string) (Fault, error) {
	if i := slices.Index(faultNames[:], strings.ToLower(name)); i > 0 {
		return Fault(i), nil
	}
	return 0, fmt.Errorf("okayapitest: unknown fault %q (want %s)", name, faultNameList)
}

// WithControlEndpoint turns on (default off) an HTTP endpoint that injects
// faults into the running server from outside the process, e.g. with curl
// while a command-line client talks to it:
//
//	POST /_fake/fault?kind=drop-after&service=App.Market_ChatMessage.Send&n=1
//
// kind is a name ParseFault reads (required); service is the service the
// fault applies to (optional: any service); n is how many calls misbehave
// (optional: 1). The parameters may be in the query or in an urlencoded
// body. The endpoint works as InjectFaultFor and answers 204 No Content; it
// answers 400 with a plain-text reason naming the parameter for a missing,
// repeated, unknown or bad parameter, 405 for a method other than POST, 404
// for another path under /_fake/, and 403 to a client whose address is not
// a loopback one. Its requests are not recorded and no fault applies to them.
func WithControlEndpoint(on bool) Option { return func(c *config) { c.control = on } }

// serveControl answers a request under controlPrefix.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err != nil || !isLoopback(host) {
		http.Error(w, "okayapitest: the control endpoint answers loopback clients only", http.StatusForbidden)
		return
	}
	if r.URL.Path != ControlFaultPath {
		http.Error(w, "okayapitest: no such control endpoint (the one there is: POST "+ControlFaultPath+")", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "okayapitest: "+ControlFaultPath+" takes POST", http.StatusMethodNotAllowed)
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
	s.InjectFaultFor(service, f, n)
	if s.cfg.log != nil {
		s.cfg.log.LogAttrs(context.Background(), slog.LevelInfo, "okayapitest fault injected",
			slog.String("fault", f.String()), slog.String("service", service), slog.Int("n", n))
	}
	w.WriteHeader(http.StatusNoContent)
}

// controlParams reads the control endpoint's parameters, or says what is
// wrong with them.
func controlParams(form map[string][]string) (f Fault, service string, n int, msg string) {
	for name, vs := range form {
		switch {
		case name != "kind" && name != "service" && name != "n":
			return 0, "", 0, fmt.Sprintf("unknown parameter %q (want kind, service, n)", name)
		case len(vs) > 1:
			return 0, "", 0, "parameter " + name + " given more than once"
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
		return 0, "", 0, "parameter kind is required: " + faultNameList
	}
	f, err := ParseFault(kind)
	if err != nil {
		return 0, "", 0, fmt.Sprintf("parameter kind: unknown fault %q (want %s)", kind, faultNameList)
	}
	service = get("service")
	if service != "" && !validServiceName(service) {
		return 0, "", 0, fmt.Sprintf("parameter service: %q is not a service name like App.Market_ChatMessage.Send", service)
	}
	n = 1
	if v := get("n"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return 0, "", 0, fmt.Sprintf("parameter n: %q is not a count of 1 or more", v)
		}
	}
	return f, service, n, ""
}

// validServiceName reports whether name looks like a service: Class.Action
// or Namespace.Class.Action, each part letters, digits and underscores.
func validServiceName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.IndexFunc(p, func(r rune) bool {
			return !(r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
		}) >= 0 {
			return false
		}
	}
	return true
}

// isLoopback reports whether host is a loopback IP address.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
