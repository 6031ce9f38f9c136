package cassette

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/okayapi-go/sdk/internal/wiretest"
)

// maxAnswer bounds how much of an answer is recorded; a longer one is
// passed on unrecorded.
const maxAnswer = 64 << 20

// defaultService is what PhalApi calls when a request names none.
const defaultService = "App.Site.Index"

// engine holds a cassette's exchanges and serves, checks and records
// requests. It is safe for concurrent use.
type engine struct {
	dir       string
	maxAnswer int    // the longest answer recorded (maxAnswer; tests lower it)
	appSecret string // signatures are checked with it; "": not checked
	repeat    bool   // serve the last matching recording again when all were served
	hint      string // added to a "no recording" message
	sec       *secrets
	m         *matcher         // guarded by mu
	fail      func(msg string) // reports a problem found while serving
	logf      func(format string, args ...any)

	mu   sync.Mutex
	xs   []*exchange       // in serving order
	next int               // the next recording's order
	ids  map[string]string // a secret parameter's value (by placeholder kind) -> its numbered placeholder, this session
}

func newEngine(dir string, xs []*exchange) *engine {
	m := newMatcher()
	for _, x := range xs {
		m.learn(x.side)
	}
	return &engine{dir: dir, maxAnswer: maxAnswer, xs: xs, next: nextOrder(xs), sec: newSecrets(), m: m, ids: map[string]string{},
		fail: func(string) {}, logf: func(string, ...any) {}}
}

// hideApp hides an app's key and secret, and extra secrets, in what is
// recorded.
func (e *engine) hideApp(app App, extra []string) {
	e.sec.add(app.AppKey, phAppKey)
	e.sec.add(app.Secret, phSecret)
	for _, v := range extra {
		e.sec.add(v, phOther)
	}
}

// checkSign says what is wrong with s's signature, or "".
func (e *engine) checkSign(s sent) string {
	if e.appSecret == "" {
		return ""
	}
	got := s.form.Get("sign")
	if got == "" {
		return fmt.Sprintf("cassette %s: the request to %s has no signature, but the app signs with a secret", e.dir, s.service)
	}
	if got != wiretest.Sign(s.form, e.appSecret) {
		names := make([]string, 0, len(s.form))
		for k := range s.form {
			if k != "sign" {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		return fmt.Sprintf("cassette %s: the request to %s is signed wrongly for the app secret (over %s): a signing regression, or a client with another secret than the cassette's App",
			e.dir, s.service, strings.Join(names, ", "))
	}
	return ""
}

// lookup finds the exchange to serve for s and the body to serve (see
// matcher.answer), or explains why there is none.
func (e *engine) lookup(s sent) (*exchange, []byte, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x := find(e.xs, s, e.m, e.repeat); x != nil {
		return x, e.m.answer(x), ""
	}
	return nil, nil, noRecording(e.dir, e.xs, s, e.m) + e.hint
}

// response is x's answer to req, with body.
func (x *exchange) response(req *http.Request, body []byte) *http.Response {
	resp := httpmock.NewBytesResponse(x.status(), body)
	resp.Header.Set("Content-Type", x.contentType())
	if x.side != nil {
		for k, v := range x.side.Header {
			resp.Header.Set(k, v)
		}
	}
	resp.Request = req
	return resp
}

// replay answers req from the cassette, and, when next is not nil, sends
// what has no recording to next and records it (RecordMissing).
func (e *engine) replay(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	s, body, err := readRequest(req)
	if err != nil {
		return nil, err
	}
	if msg := e.checkSign(s); msg != "" {
		e.fail(msg)
		return nil, errors.New(msg)
	}
	x, answer, msg := e.lookup(s)
	if x != nil {
		return x.response(req, answer), nil
	}
	if next == nil {
		e.fail(msg)
		return nil, errors.New(msg)
	}
	return e.forward(req, s, body, next)
}

// record sends req to next and records the exchange.
func (e *engine) record(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	s, body, err := readRequest(req)
	if err != nil {
		return nil, err
	}
	return e.forward(req, s, body, next)
}

// forward sends req, whose body was read already, to next, and records the
// answer.
func (e *engine) forward(req *http.Request, s sent, body []byte, next http.RoundTripper) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if len(body) == 0 {
		out.Body, out.GetBody = http.NoBody, nil
	}
	resp, err := next.RoundTrip(out)
	if err != nil {
		e.logf("cassette %s: not recorded, the request to %s failed: %v", e.dir, s.service, err)
		return nil, err
	}
	answer, rerr := io.ReadAll(io.LimitReader(resp.Body, int64(e.maxAnswer)+1))
	if rerr != nil || len(answer) > e.maxAnswer {
		if rerr == nil {
			rerr = fmt.Errorf("larger than %d bytes", e.maxAnswer)
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(answer), resp.Body), resp.Body}
		} else {
			resp.Body.Close()
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(answer), errReader{rerr}), io.NopCloser(nil)}
		}
		e.logf("cassette %s: not recorded, the answer of %s could not be read whole: %v", e.dir, s.service, rerr)
		return resp, nil
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	if err := e.store(s, resp, answer); err != nil {
		e.fail(err.Error())
	}
	return resp, nil
}

// store writes one exchange down, with every secret replaced.
func (e *engine) store(s sent, resp *http.Response, answer []byte) error {
	extra := map[string]string{}
	e.sec.add(s.form.Get("app_key"), phAppKey)
	var token string // the acting member's token's placeholder
	if t := s.form.Get("token"); t != "" {
		if token = e.sec.token(t); token == t {
			token = placeholderFor("token") // too short for a placeholder of its shape
		}
	}
	if v := s.form.Get("sign"); len(v) >= minSecret {
		extra[v] = phSign
	}
	params := make(map[string]string, len(s.own))
	var keyed map[string]string
	for k, v := range s.own {
		if secretName(k) {
			e.sec.add(v, placeholderFor(k))
			if v != "" {
				var h string
				v, h = e.identify(k, v)
				if h != "" {
					if keyed == nil {
						keyed = map[string]string{}
					}
					keyed[k] = h
				}
			}
			params[k] = v
		}
	}
	e.sec.answerSecrets(answer)
	for k, v := range s.own {
		if !secretName(k) {
			params[k] = e.sec.replaceString(v, extra)
		}
	}
	side := &sidecar{
		Service:     s.service,
		Method:      s.method,
		URLForm:     s.urlForm,
		Member:      e.sec.replaceString(s.form.Get("uuid"), extra),
		Token:       token,
		Params:      params,
		Keyed:       keyed,
		Status:      resp.StatusCode,
		ContentType: e.sec.replaceString(resp.Header.Get("Content-Type"), extra),
		Recorded:    time.Now().UTC().Format(time.RFC3339),
	}
	for _, h := range []string{"Retry-After", "Location"} {
		if v := resp.Header.Get(h); v != "" {
			if side.Header == nil {
				side.Header = map[string]string{}
			}
			side.Header[h] = e.sec.replaceString(v, extra)
		}
	}
	body := e.sec.replaceAnswer(answer, extra)

	e.mu.Lock()
	defer e.mu.Unlock()
	side.Order = e.next
	rel, err := write(e.dir, side, body, outcome(resp.StatusCode, body))
	if err != nil {
		return err
	}
	e.next = side.Order + 1
	e.m.learn(side)
	e.xs = append(e.xs, &exchange{rel: rel, side: side, body: body, served: 1})
	return nil
}

// identify returns the placeholder that stands for the secret parameter
// name's value v in a sidecar, numbered so that each secret has its own
// (REDACTED-PASSWORD-1, REDACTED-PASSWORD-2, …): the one this session or,
// by keyed hash, an earlier recording gave the same value, or the next
// number. keyed is v's keyed hash ("" without a key).
func (e *engine) identify(name, v string) (placeholder, keyed string) {
	base := placeholderFor(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	keyed = e.m.keyed(base, v)
	if p, ok := e.ids[base+"\x00"+v]; ok {
		return p, keyed
	}
	n := 0
	number := func(p string) int {
		d, ok := strings.CutPrefix(p, base+"-")
		if !ok {
			return 0
		}
		i, _ := strconv.Atoi(d)
		return i
	}
	for _, x := range e.xs {
		if x.side == nil {
			continue
		}
		for k, rv := range x.side.Params {
			if i := number(rv); i > 0 {
				if keyed != "" && x.side.Keyed[k] == keyed {
					e.ids[base+"\x00"+v] = rv
					return rv, keyed
				}
				n = max(n, i)
			}
		}
	}
	for _, p := range e.ids {
		n = max(n, number(p))
	}
	placeholder = base + "-" + strconv.Itoa(n+1)
	e.ids[base+"\x00"+v] = placeholder
	return placeholder, keyed
}

// outcome names an answer for its file name: success, errN (a plugin's
// err_code), retN (a framework refusal), httpN (an HTTP status other than
// 200) or nonjson.
func outcome(status int, body []byte) string {
	if status != http.StatusOK {
		return "http" + strconv.Itoa(status)
	}
	var env struct {
		Ret  json.RawMessage `json:"ret"`
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")), &env) != nil {
		return "nonjson"
	}
	if ret := fileWord(env.Ret); ret != "200" {
		return "ret" + ret
	}
	var data struct {
		ErrCode json.RawMessage `json:"err_code"`
	}
	if json.Unmarshal(env.Data, &data) == nil {
		if code := fileWord(data.ErrCode); code != "" && code != "0" {
			return "err" + code
		}
	}
	return "success"
}

// fileWord is a JSON number or string as a file-name part: its letters and
// digits only, at most maxFileWord of them (a service's err_code of any
// length still makes a file name the file system takes).
func fileWord(raw json.RawMessage) string {
	w := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, string(raw))
	return w[:min(len(w), maxFileWord)]
}

// maxFileWord bounds the outcome's part of a recording's file name.
const maxFileWord = 40

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
