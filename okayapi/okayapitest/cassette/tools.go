package cassette

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Recorder is an http.RoundTripper that sends every request on and adds
// each exchange to a cassette, for use outside tests (a command's
// --record flag). It never deletes a recording: a cassette grows with each
// use. It is safe for concurrent use.
type Recorder struct {
	next http.RoundTripper
	e    *engine

	mu  sync.Mutex
	err error
}

// NewRecorder returns a Recorder that sends through next
// (http.DefaultTransport if nil) and writes to the cassette in dir, creating
// it if needed. WithApp's key and secret and WithSecrets's values are
// hidden in what is written, as are the app key, tokens, passwords and
// signatures seen on the wire; other options do not apply. It fails, so
// that a command can stop before it calls anything, if dir holds files that
// are not a cassette's or a symbolic link, or if dir (or a directory of
// recordings in it) cannot be created or written.
func NewRecorder(dir string, next http.RoundTripper, opts ...Option) (*Recorder, error) {
	cfg := apply(opts)
	xs, err := load(dir, nil)
	if err != nil {
		return nil, err
	}
	if err := writable(dir); err != nil {
		return nil, err
	}
	if next == nil {
		next = http.DefaultTransport
	}
	r := &Recorder{next: next, e: newEngine(dir, xs)}
	if cfg.app != nil {
		r.e.hideApp(*cfg.app, cfg.secrets)
		r.e.m.setKey(*cfg.app)
	} else {
		r.e.hideApp(App{}, cfg.secrets)
	}
	r.e.fail = r.setErr
	return r, nil
}

// writable creates dir if needed and checks that it, and each directory of
// recordings in it, can be written, by writing a file and removing it.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	dirs := []string{dir}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	for _, d := range entries {
		if d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			dirs = append(dirs, filepath.Join(dir, d.Name()))
		}
	}
	for _, d := range dirs {
		f, err := os.CreateTemp(d, ".probe-*")
		if err != nil {
			return fmt.Errorf("cassette: %s cannot be written: %w", d, err)
		}
		f.Close()
		os.Remove(f.Name())
	}
	return nil
}

func (r *Recorder) setErr(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = &recordError{msg}
	}
}

// RoundTrip sends req on and records the exchange. A request that fails,
// or an answer that cannot be read whole, is passed back unrecorded; a
// failure to write the files does not fail the call (see Err).
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	return r.e.record(req, r.next)
}

// Err returns the first failure to write an exchange down, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }

// NewHandler returns an http.Handler that serves the cassette in dir as an
// OkayAPI app would: a request whose app_key is missing or not app's is
// refused (ret 400, 406), then one whose signature is wrong for app's secret
// (ret 400, 非法请求：签名错误; not checked when the secret is ""); any
// token is accepted; every other request is answered with the recording
// that matches it, as in Replay mode, except that once every recording of a
// call has been served the last one is served again. A request without a
// recording is answered ret 404 with a message that names the nearest
// recording and how it differs. It is safe for concurrent use.
func NewHandler(dir string, app App) (http.Handler, error) {
	xs, err := load(dir, nil)
	if err != nil {
		return nil, err
	}
	e := newEngine(dir, xs)
	e.appSecret = app.Secret
	e.repeat = true
	e.m.setKey(app)
	e.m.looseTokens = true
	e.m.rebindKeys = true
	return &handler{e: e, appKey: app.AppKey}, nil
}

type handler struct {
	e      *engine
	appKey string
}

// ServeHTTP answers one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseMultipartForm(maxRequestBody) // like PHP, ignore what does not parse
	s := parseSent(r)
	switch key := s.form.Get("app_key"); {
	case key == "":
		refuse(w, 400, "客户端非法请求：缺少必要参数app_key")
		return
	case h.appKey != "" && key != h.appKey:
		refuse(w, 406, "客户端非法请求：非法app_key，请核对你所在的接口域名")
		return
	}
	if h.e.checkSign(s) != "" {
		refuse(w, 400, "非法请求：签名错误")
		return
	}
	x, body, msg := h.e.lookup(s)
	if x == nil {
		refuse(w, 404, "非法请求：服务"+s.service+"没有录制的回答 ("+msg+")")
		return
	}
	resp := x.response(r, body)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(x.status())
	_, _ = w.Write(body)
}

// refuse answers as PhalApi refuses a call: HTTP 200, ret, empty data, msg.
func refuse(w http.ResponseWriter, ret int, msg string) {
	b, _ := json.Marshal(struct {
		Ret  int      `json:"ret"`
		Data struct{} `json:"data"`
		Msg  string   `json:"msg"`
	}{Ret: ret, Msg: msg})
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(b)
}
