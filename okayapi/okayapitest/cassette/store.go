package cassette

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// sidecarSuffix ends a request sidecar's name; the answer is the file with
// the same stem and bodyJSON or bodyHTML.
const (
	sidecarSuffix = ".req.json"
	bodyJSON      = ".json"
	bodyHTML      = ".html"
)

// sidecar is a request file, as the package doc describes it.
type sidecar struct {
	Service     string            `json:"service"`
	Method      string            `json:"method,omitempty"`
	URLForm     string            `json:"url_form,omitempty"`
	Member      string            `json:"member,omitempty"`
	Token       string            `json:"token,omitempty"` // the acting member's token's placeholder
	Params      map[string]string `json:"params"`          // nil: any parameters
	Keyed       map[string]string `json:"keyed,omitempty"` // a secret parameter's keyed hash, by name
	Status      int               `json:"status,omitempty"`
	ContentType string            `json:"content_type,omitempty"`
	Header      map[string]string `json:"header,omitempty"`
	Order       int               `json:"order,omitempty"`
	Recorded    string            `json:"recorded,omitempty"`
	Note        string            `json:"note,omitempty"`
}

// anyService in a sidecar's service answers every service.
const anyService = "*"

// exchange is one answer of a cassette, with its sidecar if it has one.
type exchange struct {
	rel    string   // the body's path in the cassette, slash-separated
	side   *sidecar // nil: a body-only file
	action string   // a body-only file's directory name, lower case
	body   []byte
	served int // times served in this session
}

func (x *exchange) order() int {
	if x.side == nil {
		return 0
	}
	return x.side.Order
}

func (x *exchange) status() int {
	if x.side == nil || x.side.Status == 0 {
		return 200
	}
	return x.side.Status
}

func (x *exchange) contentType() string {
	if x.side != nil && x.side.ContentType != "" {
		return x.side.ContentType
	}
	if strings.HasSuffix(x.rel, bodyHTML) {
		return "text/html; charset=UTF-8"
	}
	return "application/json;charset=utf-8"
}

// describe names the call an exchange answers, for messages.
func (x *exchange) describe() string {
	switch {
	case x.side == nil:
		return "any call to …." + x.action + " (no sidecar)"
	case x.side.Service == anyService:
		return "any service"
	}
	return x.side.Service
}

// sortExchanges puts exchanges in serving order: by order, then by path.
func sortExchanges(xs []*exchange) {
	slices.SortStableFunc(xs, func(a, b *exchange) int {
		if a.order() != b.order() {
			return a.order() - b.order()
		}
		return strings.Compare(a.rel, b.rel)
	})
}

// isBody reports whether a file name is an answer body.
func isBody(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, sidecarSuffix) {
		return false
	}
	return strings.HasSuffix(name, bodyJSON) || strings.HasSuffix(name, bodyHTML)
}

// stem is a body's or sidecar's path without its suffix.
func stem(rel string) string {
	for _, s := range []string{sidecarSuffix, bodyJSON, bodyHTML} {
		if r, ok := strings.CutSuffix(rel, s); ok {
			return r
		}
	}
	return rel
}

// load reads the exchanges of the cassette in dir: all of them, or only the
// bodies named in only (slash-separated paths in dir). A missing dir is an
// empty cassette.
func load(dir string, only []string) ([]*exchange, error) {
	var rels []string
	sidecars := map[string]bool{} // by stem
	claims := map[string]bool{}   // by stem: being written
	if len(only) > 0 {
		for _, rel := range only {
			rel = path.Clean(filepath.ToSlash(rel))
			if !isBody(path.Base(rel)) {
				return nil, fmt.Errorf("cassette: %s is not an answer file (.json or .html)", rel)
			}
			for d := rel; d != "." && d != "/"; d = path.Dir(d) {
				if err := notLink(dir, d); err != nil {
					return nil, err
				}
			}
			rels = append(rels, rel)
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(stem(rel)+sidecarSuffix))); err == nil {
				sidecars[stem(rel)] = true
			}
		}
	} else {
		root := dir // the cassette's own directory may be a link; nothing in it may
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			root = r
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if d.Type()&fs.ModeSymlink != 0 && !strings.HasPrefix(d.Name(), ".") {
				return notLink(dir, rel)
			}
			switch {
			case strings.HasPrefix(d.Name(), ".") && strings.HasSuffix(d.Name(), claimSuffix):
				claims[path.Join(path.Dir(rel), strings.TrimSuffix(d.Name()[1:], claimSuffix))] = true
			case strings.HasSuffix(d.Name(), sidecarSuffix):
				sidecars[stem(rel)] = true
			case isBody(d.Name()):
				rels = append(rels, rel)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cassette: reading %s: %w", dir, err)
		}
	}
	bodies := map[string]string{} // stem -> body rel
	var out []*exchange
	for _, rel := range rels {
		if claims[stem(rel)] && !sidecars[stem(rel)] {
			continue // being recorded: its sidecar is on its way
		}
		if other, ok := bodies[stem(rel)]; ok {
			return nil, fmt.Errorf("cassette: %s and %s are answers of the same exchange: keep one", other, rel)
		}
		bodies[stem(rel)] = rel
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("cassette: %w", err)
		}
		x := &exchange{rel: rel, body: body}
		if sidecars[stem(rel)] {
			side, err := readSidecar(dir, stem(rel)+sidecarSuffix)
			if err != nil {
				return nil, err
			}
			x.side = side
		} else {
			d := path.Dir(rel)
			if d == "." {
				abs, err := filepath.Abs(dir)
				if err != nil {
					return nil, fmt.Errorf("cassette: %w", err)
				}
				d = filepath.Base(abs)
			}
			x.action = strings.ToLower(path.Base(d))
		}
		out = append(out, x)
	}
	for s := range sidecars {
		if _, ok := bodies[s]; !ok && len(only) == 0 && !claims[s] {
			return nil, fmt.Errorf("cassette: %s has no answer file (%s or %s)", s+sidecarSuffix, s+bodyJSON, s+bodyHTML)
		}
	}
	sortExchanges(out)
	return out, nil
}

func readSidecar(dir, rel string) (*sidecar, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("cassette: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s sidecar
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("cassette: %s: %w", rel, err)
	}
	if s.Service == "" {
		return nil, fmt.Errorf("cassette: %s: no service (a service name, or \"*\" for any)", rel)
	}
	if s.Status != 0 && (s.Status < 100 || s.Status > 999) {
		return nil, fmt.Errorf("cassette: %s: status %d is not an HTTP status", rel, s.Status)
	}
	return &s, nil
}

// encodeSidecar writes a sidecar as indented JSON, not HTML-escaped, with a
// final newline.
func encodeSidecar(s *sidecar) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		panic("cassette: a sidecar does not encode: " + err.Error()) // strings and ints only
	}
	return b.Bytes()
}

// actionDir is the directory of a service's recordings: its action in
// lower case, with anything but letters, digits and _ dropped.
func actionDir(service string) string {
	action := service[strings.LastIndexByte(service, '.')+1:]
	action = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '_':
			return r
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, action)
	if action == "" {
		return "unknown"
	}
	return action
}

// recordedName matches the stem of a recording's file name.
var recordedName = regexp.MustCompile(`^(\d+)_`)

// claimSuffix ends the hidden file (.<stem>.claim) that reserves a
// recording's name while it is written: a reader skips a body that has a
// claim and no sidecar yet.
const claimSuffix = ".claim"

// write stores one exchange in dir under <action>/<order>_<outcome>, taking
// the next free order if another writer (a goroutine or a process) took
// this one, and returns the body's path in the cassette. Each file is
// written to a temporary file in the same directory and renamed into
// place, the body first, then the sidecar, under a claim on the name:
// a reader never sees a half-written file, nor a body whose sidecar is on
// its way. The action's directory must not be a symbolic link.
func write(dir string, side *sidecar, body []byte, outcome string) (string, error) {
	ext := bodyHTML
	if isJSONAnswer(side.ContentType, body) {
		ext = bodyJSON
	}
	action := actionDir(side.Service)
	sub := filepath.Join(dir, action)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return "", fmt.Errorf("cassette: %w", err)
	}
	if err := notLink(dir, action); err != nil {
		return "", err
	}
	for range 1000 {
		name := fmt.Sprintf("%04d_%s", side.Order, outcome)
		claim := filepath.Join(sub, "."+name+claimSuffix)
		f, err := os.OpenFile(claim, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			side.Order++
			continue
		}
		if err != nil {
			return "", fmt.Errorf("cassette: %w", err)
		}
		f.Close()
		taken := false
		for _, suffix := range []string{bodyJSON, bodyHTML, sidecarSuffix} {
			if _, err := os.Lstat(filepath.Join(sub, name+suffix)); err == nil {
				taken = true // recorded earlier
			}
		}
		if taken {
			os.Remove(claim)
			side.Order++
			continue
		}
		err = writeFileAtomic(sub, name+ext, body)
		if err == nil {
			err = writeFileAtomic(sub, name+sidecarSuffix, encodeSidecar(side))
			if err != nil {
				os.Remove(filepath.Join(sub, name+ext))
			}
		}
		os.Remove(claim)
		if err != nil {
			return "", err
		}
		return action + "/" + name + ext, nil
	}
	return "", fmt.Errorf("cassette: no free file name in %s", sub)
}

// writeFileAtomic writes data to name in dir through a temporary file in
// dir, renamed into place.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("cassette: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cassette: writing %s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

// notLink fails if rel, in the cassette in dir, is a symbolic link: the
// cassette neither reads nor writes through one, so that it never reaches
// out of its directory.
func notLink(dir, rel string) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("cassette: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("cassette: %s is a symbolic link: a cassette reads and writes only inside its own directory (replace the link by a directory)", p)
	}
	return nil
}

// nextOrder is one more than the highest order in xs.
func nextOrder(xs []*exchange) int {
	n := 0
	for _, x := range xs {
		n = max(n, x.order())
		if m := recordedName.FindStringSubmatch(path.Base(x.rel)); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil {
				n = max(n, v)
			}
		}
	}
	return n + 1
}

// removeRecorded deletes the exchanges of xs that were recorded (their
// sidecar has a recorded time) and returns the others.
func removeRecorded(dir string, xs []*exchange) ([]*exchange, error) {
	var kept []*exchange
	for _, x := range xs {
		if x.side == nil || x.side.Recorded == "" {
			kept = append(kept, x)
			continue
		}
		for _, rel := range []string{x.rel, stem(x.rel) + sidecarSuffix} {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("cassette: %w", err)
			}
		}
	}
	return kept, nil
}

// isJSONAnswer says whether an answer is stored as .json: its content type
// says JSON, or it starts like JSON (after a byte-order mark and white
// space), as a truncated answer or one with a wrong content type does.
func isJSONAnswer(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "json") {
		return true
	}
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
