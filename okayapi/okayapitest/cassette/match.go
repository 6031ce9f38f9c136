package cassette

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxRequestBody bounds how much of a request body is read.
const maxRequestBody = 32 << 20

// sent is a request as PhalApi reads it.
type sent struct {
	method  string
	urlForm string     // "query" or "path"
	form    url.Values // query and body merged, one value a name, the body's winning
	service string     // from service, s or the path; "" if none
	own     map[string]string
}

// common are the parameters every call carries; they are never matched.
var common = []string{"s", "service", "app_key", "sign", "uuid", "token"}

// readRequest reads req's body and parses it as PHP would fill $_REQUEST.
// It returns the body read, so that a caller can send the request on.
func readRequest(req *http.Request) (sent, []byte, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxRequestBody+1))
		req.Body.Close()
		if err != nil {
			return sent{}, nil, fmt.Errorf("cassette: reading the request: %w", err)
		}
		if len(b) > maxRequestBody {
			return sent{}, nil, fmt.Errorf("cassette: request body larger than %d bytes", maxRequestBody)
		}
		body = b
	}
	// A request of our own to parse: ParseMultipartForm reads the URL-encoded
	// and the multipart forms alike.
	u := *req.URL
	pr := &http.Request{Method: req.Method, URL: &u, Header: req.Header, Body: io.NopCloser(bytes.NewReader(body))}
	_ = pr.ParseMultipartForm(maxRequestBody) // like PHP, ignore what does not parse
	return parseSent(pr), body, nil
}

// parseSent reads a parsed server-side request.
func parseSent(r *http.Request) sent {
	form := url.Values{}
	srcs := []url.Values{r.URL.Query(), r.PostForm}
	if r.MultipartForm != nil {
		srcs = append(srcs, r.MultipartForm.Value)
	}
	for _, src := range srcs {
		for k, vs := range src {
			if len(vs) > 0 {
				form[k] = []string{vs[len(vs)-1]}
			}
		}
	}
	s := sent{method: r.Method, form: form, urlForm: "query", own: map[string]string{}}
	pathService := servicePath(r.URL.Path)
	if pathService != "" {
		s.urlForm = "path"
	}
	s.service = form.Get("service")
	if s.service == "" {
		s.service = form.Get("s")
	}
	if s.service == "" {
		s.service = pathService
	}
	if s.service == "" {
		s.service = defaultService
	}
	for k := range form {
		if !slices.Contains(common, k) {
			s.own[k] = form.Get(k)
		}
	}
	return s
}

// servicePath reads the path form /api/App/Class/Action.
func servicePath(p string) string {
	rest, ok := strings.CutPrefix(p, "/api/")
	if !ok {
		return ""
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return ""
	}
	return strings.Join(parts, ".")
}

// secretName reports whether a parameter (or answer field) holds a secret
// by its name.
func secretName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "password") || strings.Contains(n, "passwd") ||
		strings.Contains(n, "secret") || strings.Contains(n, "token")
}

// placeholderPrefix starts every textual placeholder.
const placeholderPrefix = "REDACTED-"

// serviceMatches reports whether x answers service.
func (x *exchange) serviceMatches(service string) bool {
	if x.side == nil {
		return actionDir(service) == x.action
	}
	return x.side.Service == anyService || x.side.Service == service
}

// paramDiff lists how the sent parameters differ from x's recorded ones,
// one line each, sorted by name; none if they match.
func (x *exchange) paramDiff(own map[string]string) []string {
	if x.side == nil || x.side.Params == nil {
		return nil
	}
	rec := x.side.Params
	names := make([]string, 0, len(rec)+len(own))
	for k := range rec {
		names = append(names, k)
	}
	for k := range own {
		if _, ok := rec[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var diffs []string
	for _, k := range names {
		rv, inRec := rec[k]
		sv, inSent := own[k]
		switch {
		case !inRec:
			diffs = append(diffs, fmt.Sprintf("%s: sent %s, not recorded", k, shown(k, sv)))
		case !inSent:
			diffs = append(diffs, fmt.Sprintf("%s: recorded %s, not sent", k, shown(k, rv)))
		case secretName(k) || strings.HasPrefix(rv, placeholderPrefix) || rv == sv:
		default:
			diffs = append(diffs, fmt.Sprintf("%s: sent %s, recorded %s", k, shown(k, sv), shown(k, rv)))
		}
	}
	return diffs
}

// shown quotes a parameter's value for a message, hiding a secret one.
func shown(name, v string) string {
	if secretName(name) && !strings.HasPrefix(v, placeholderPrefix) {
		return "(secret)"
	}
	const max = 200
	if len(v) > max {
		return strconv.Quote(v[:max]) + "…"
	}
	return strconv.Quote(v)
}

// tier ranks how specifically x answers: 0 for a recorded call (a service
// and its parameters), 1 for any parameters of one service (a body-only
// file, or a sidecar without params), 2 for any service.
func (x *exchange) tier() int {
	switch {
	case x.side == nil || x.side.Params == nil && x.side.Service != anyService:
		return 1
	case x.side.Service == anyService:
		return 2
	}
	return 0
}

// find returns the exchange to serve for s and marks it served: the first
// in order, among the most specific that match, that has not been served;
// or, with repeatLast, when every match was served, the last of the most
// specific ones.
func find(xs []*exchange, s sent, repeatLast bool) *exchange {
	var last *exchange
	for tier := range 3 {
		for _, x := range xs {
			if x.tier() != tier || !x.serviceMatches(s.service) || len(x.paramDiff(s.own)) > 0 {
				continue
			}
			if x.served == 0 {
				x.served++
				return x
			}
			if last == nil || last.tier() == tier {
				last = x
			}
		}
	}
	if repeatLast && last != nil {
		last.served++
		return last
	}
	return nil
}

// noRecording explains why nothing in xs answers s: the call, the nearest
// recording and how it differs.
func noRecording(where string, xs []*exchange, s sent) string {
	var b strings.Builder
	service := s.service
	if service == "" {
		service = "(no service named)"
	}
	fmt.Fprintf(&b, "cassette %s: no recording for %s with ", where, service)
	if len(s.own) == 0 {
		b.WriteString("no parameters of its own")
	} else {
		names := make([]string, 0, len(s.own))
		for k := range s.own {
			names = append(names, k)
		}
		slices.Sort(names)
		b.WriteString("parameters")
		for _, k := range names {
			fmt.Fprintf(&b, "\n\t%s = %s", k, shown(k, s.own[k]))
		}
	}
	var best *exchange
	bestScore := 0
	for _, x := range xs {
		score := 2 * len(x.paramDiff(s.own))
		if !x.serviceMatches(s.service) {
			score += 1000
		}
		if x.served > 0 {
			score++
		}
		if best == nil || score < bestScore {
			best, bestScore = x, score
		}
	}
	if best == nil {
		b.WriteString("\nthe cassette holds no recording at all")
		return b.String()
	}
	fmt.Fprintf(&b, "\nnearest recording: %s (%s)", best.rel, best.describe())
	if !best.serviceMatches(s.service) {
		fmt.Fprintf(&b, "\n\tservice: sent %s, recorded %s", service, best.describe())
	}
	diffs := best.paramDiff(s.own)
	for _, d := range diffs {
		b.WriteString("\n\t" + d)
	}
	if best.serviceMatches(s.service) && len(diffs) == 0 && best.served > 0 {
		n := 0
		for _, x := range xs {
			if x.serviceMatches(s.service) && len(x.paramDiff(s.own)) == 0 {
				n++
			}
		}
		fmt.Fprintf(&b, "\n\tit matches, but all %d recording(s) of this call were served already: the call is made more often than when it was recorded", n)
	}
	return b.String()
}
