package cassette

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
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

// sendKeyField is the field of chat_message_data that carries an
// exactly-once send's random key (chatmsg/exactlyonce; the cassette does not
// import chatmsg, and TestExactlyOnceSendReplays fails if the two differ).
const sendKeyField = "okayapi_send_key"

// sendKeyRe finds a send key as chatmsg writes it into a message: the
// field, compact, with 32 hexadecimal digits.
var sendKeyRe = regexp.MustCompile(`"` + sendKeyField + `":"([0-9A-Fa-f]{32})"`)

// sendKeyOf returns the send key in a parameter's value, lower case, and
// the value with the key taken out; key is "" when there is none.
func sendKeyOf(v string) (key, rest string) {
	m := sendKeyRe.FindStringSubmatchIndex(v)
	if m == nil {
		return "", v
	}
	return strings.ToLower(v[m[2]:m[3]]), v[:m[2]] + v[m[3]:]
}

// The kinds of value a replay ties to a recorded one.
const (
	bindMember = "member"  // a member uuid recorded as a placeholder
	bindToken  = "token"   // the acting member's token (its placeholder)
	bindSecret = "secret"  // a secret parameter's placeholder (a password)
	bindKey    = "sendkey" // an exactly-once send's key
)

// bind ties a recorded value (a placeholder, a send key) to the value a
// replaying call sent in its place.
type bind struct{ kind, recorded, sent string }

// matcher holds what matching needs beyond the request and the recording:
// the ties made so far in this session, one to one, and the key of the
// keyed hashes.
type matcher struct {
	byRec  map[[2]string]string // (kind, recorded) -> sent
	bySent map[[2]string]string // (kind, sent) -> recorded
	// recorded are the placeholders the cassette's sidecars hold, by kind:
	// one sent as it is (a replayed login's token) stands for itself only.
	recorded map[[2]string]bool
	key      []byte // the hash key ("": none)
	keyID    string // names key in a sidecar, without revealing it
	// looseTokens: any token acts for a recorded member (NewHandler).
	looseTokens bool
	// rebindKeys: a recorded send key is tied to the latest key sent in its
	// place (NewHandler, which serves a recording again and again).
	rebindKeys bool
}

func newMatcher() *matcher {
	return &matcher{byRec: map[[2]string]string{}, bySent: map[[2]string]string{}, recorded: map[[2]string]bool{}}
}

// learn notes the placeholders of a sidecar.
func (m *matcher) learn(side *sidecar) {
	if side == nil {
		return
	}
	if side.Token != "" {
		m.recorded[[2]string{bindToken, side.Token}] = true
	}
	if strings.HasPrefix(side.Member, placeholderPrefix) {
		m.recorded[[2]string{bindMember, side.Member}] = true
	}
	for _, v := range side.Params {
		if strings.HasPrefix(v, placeholderPrefix) {
			m.recorded[[2]string{bindSecret, v}] = true
		}
	}
}

// setKey sets the key of the keyed hashes: an app's secret, or, for an app
// without one, its key. Neither is ever written to a cassette, so a hash in
// one cannot be checked against guesses by its readers.
func (m *matcher) setKey(app App) {
	k := app.Secret
	if k == "" {
		k = app.AppKey
	}
	if k == "" {
		m.key, m.keyID = nil, ""
		return
	}
	m.key = []byte(k)
	m.keyID = m.mac("okayapi cassette key id")[:8]
}

func (m *matcher) mac(s string) string {
	h := hmac.New(sha256.New, m.key)
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// keyed is a secret's keyed hash as a sidecar keeps it, "keyid:hash", or ""
// without a key.
func (m *matcher) keyed(placeholder, v string) string {
	if m.key == nil {
		return ""
	}
	base := strings.TrimRight(strings.TrimRight(placeholder, "0123456789"), "-")
	return m.keyID + ":" + m.mac("okayapi cassette secret\x00" + base + "\x00" + v)[:32]
}

// check says why b cannot be made on top of the ties made so far and
// pending, or "".
func (m *matcher) check(b bind, pending []bind) string {
	if b.kind == bindKey && m.rebindKeys {
		return ""
	}
	rec, sent := m.byRec[[2]string{b.kind, b.recorded}], m.bySent[[2]string{b.kind, b.sent}]
	for _, p := range pending {
		if p.kind == b.kind && p.recorded == b.recorded {
			rec = p.sent
		}
		if p.kind == b.kind && p.sent == b.sent {
			sent = p.recorded
		}
	}
	if sent == "" && b.sent != b.recorded && m.recorded[[2]string{b.kind, b.sent}] {
		sent = b.sent // a recorded placeholder, sent as it is: itself
	}
	switch {
	case rec != "" && rec != b.sent:
		return "recorded " + b.recorded + ", which this session tied to another value sent earlier"
	case sent != "" && sent != b.recorded:
		return "the value sent was tied to " + sent + " earlier in this session, not to the recorded " + b.recorded
	}
	return ""
}

// commit makes the ties of a served exchange.
func (m *matcher) commit(bs []bind) {
	for _, b := range bs {
		if old, ok := m.byRec[[2]string{b.kind, b.recorded}]; ok {
			delete(m.bySent, [2]string{b.kind, old})
		}
		m.byRec[[2]string{b.kind, b.recorded}] = b.sent
		m.bySent[[2]string{b.kind, b.sent}] = b.recorded
	}
}

// answer is x's body as served in this session: each recorded send key
// tied to a new one replaced by it, so that an answer that shows the
// message (a conversation read back) shows the key of this session's call.
func (m *matcher) answer(x *exchange) []byte {
	body := x.body
	for k, sent := range m.byRec {
		if k[0] == bindKey && k[1] != sent {
			body = bytes.ReplaceAll(body, []byte(k[1]), []byte(sent))
			body = bytes.ReplaceAll(body, []byte(strings.ToUpper(k[1])), []byte(sent))
		}
	}
	return body
}

// diff lists how s differs from x's recorded call, one line each (no
// secret in them), and the ties serving x would make; none if x answers
// any call of its service.
func (x *exchange) diff(s sent, m *matcher) (diffs []string, binds []bind) {
	if x.side == nil || x.side.Params == nil {
		return nil, nil
	}
	try := func(b bind, what string) {
		if why := m.check(b, binds); why != "" {
			diffs = append(diffs, what+": "+why)
			return
		}
		binds = append(binds, b)
	}
	// The acting member: its uuid (kept in clear, or a placeholder), then
	// its token's placeholder.
	side := x.side
	if uuid := s.form.Get("uuid"); side.Member != "" || side.Recorded != "" {
		switch {
		case strings.HasPrefix(side.Member, placeholderPrefix) && uuid != "":
			try(bind{bindMember, side.Member, uuid}, "member")
		case side.Member != uuid:
			diffs = append(diffs, fmt.Sprintf("member: sent %s, recorded %s", memberShown(uuid), memberShown(side.Member)))
		}
	}
	if side.Token != "" && !m.looseTokens {
		if tok := s.form.Get("token"); tok == "" {
			diffs = append(diffs, "token: recorded with a member's token, sent without one")
		} else {
			try(bind{bindToken, side.Token, tok}, "token (the member's login)")
		}
	}
	rec := side.Params
	names := make([]string, 0, len(rec)+len(s.own))
	for k := range rec {
		names = append(names, k)
	}
	for k := range s.own {
		if _, ok := rec[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		rv, inRec := rec[k]
		sv, inSent := s.own[k]
		switch {
		case !inRec:
			diffs = append(diffs, fmt.Sprintf("%s: sent %s, not recorded", k, shown(k, sv)))
		case !inSent:
			diffs = append(diffs, fmt.Sprintf("%s: recorded %s, not sent", k, shown(k, rv)))
		case rv == sv:
		case side.Keyed[k] != "" && m.key != nil && strings.HasPrefix(side.Keyed[k], m.keyID+":"):
			if m.keyed(rv, sv) != side.Keyed[k] {
				diffs = append(diffs, fmt.Sprintf("%s: sent another value than the recorded %s (compared by keyed hash)", k, shown(k, rv)))
			}
		case strings.HasPrefix(rv, placeholderPrefix):
			try(bind{bindSecret, rv, sv}, k)
		default:
			rk, rrest := sendKeyOf(rv)
			sk, srest := sendKeyOf(sv)
			if rk != "" && sk != "" && rrest == srest {
				try(bind{bindKey, rk, sk}, k+" (its send key)")
				continue
			}
			diffs = append(diffs, fmt.Sprintf("%s: sent %s, recorded %s", k, shown(k, sv), shown(k, rv)))
		}
	}
	return diffs, binds
}

// memberShown names a member uuid for a message.
func memberShown(uuid string) string {
	if uuid == "" {
		return "no member"
	}
	return "member " + strconv.Quote(uuid)
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
// specific ones. Serving it makes its ties (see matcher).
func find(xs []*exchange, s sent, m *matcher, repeatLast bool) *exchange {
	var last *exchange
	var lastBinds []bind
	for tier := range 3 {
		for _, x := range xs {
			if x.tier() != tier || !x.serviceMatches(s.service) {
				continue
			}
			diffs, binds := x.diff(s, m)
			if len(diffs) > 0 {
				continue
			}
			if x.served == 0 {
				x.served++
				m.commit(binds)
				return x
			}
			if last == nil || last.tier() == tier {
				last, lastBinds = x, binds
			}
		}
	}
	if repeatLast && last != nil {
		last.served++
		m.commit(lastBinds)
		return last
	}
	return nil
}

// noRecording explains why nothing in xs answers s: the call, the nearest
// recording and how it differs.
func noRecording(where string, xs []*exchange, s sent, m *matcher) string {
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
		diffs, _ := x.diff(s, m)
		score := 2 * len(diffs)
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
	diffs, _ := best.diff(s, m)
	for _, d := range diffs {
		b.WriteString("\n\t" + d)
	}
	if best.serviceMatches(s.service) && len(diffs) == 0 && best.served > 0 {
		n := 0
		for _, x := range xs {
			if d, _ := x.diff(s, m); x.serviceMatches(s.service) && len(d) == 0 {
				n++
			}
		}
		fmt.Fprintf(&b, "\n\tit matches, but all %d recording(s) of this call were served already: the call is made more often than when it was recorded", n)
	}
	return b.String()
}
