package okayapitest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// PHP's rewriting of parameter names (php_register_variable).
func TestPHPName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw   string
		key   string
		array bool
		ok    bool
	}{
		{"plain", "plain", false, true},
		{"x.y", "x_y", false, true},
		{"a b", "a_b", false, true},
		{"  lead", "lead", false, true},
		{"a[b]", "a", true, true},
		{"a[]", "a", true, true},
		{"a.b[c.d]", "a_b", true, true},
		{"a[b", "a_b", false, true},
		{"a[b.c", "a_b.c", false, true}, // after the "[", nothing more is rewritten
		{"[x]", "", true, false},
		{"", "", false, false},
	} {
		key, array, ok := phpName(c.raw)
		assert.Equal(t, [3]any{c.key, c.array, c.ok}, [3]any{key, array, ok}, c.raw)
	}
	for s, want := range map[string]bool{"0": true, "9": true, "10": true, "-5": true, "05": false, "-0": false, "+5": false,
		"1.5": false, "": false, "-": false, "9223372036854775807": true, "9223372036854775808": false, "1e3": false} {
		_, got := phpIntKey(s)
		assert.Equal(t, want, got, s)
	}
}

// $_REQUEST from a query and a body: names rewritten, the later value of a
// name wins and keeps the first one's place, the body over the query.
func TestPHPRequest(t *testing.T) {
	t.Parallel()
	keys := func(ps phpParams) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.key+"="+p.value)
		}
		return out
	}
	r, err := http.NewRequest(http.MethodPost, "/?q=1&x.y=2&b=3", bytes.NewBufferString("x_y=4&a[k]=5&a[j]=6&b=7&%zz=8&c=a+b%2"))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	assert.Equal(t, []string{"q=1", "x_y=4", "b=7", "a=Array", "%zz=8", "c=a b%2"}, keys(phpRequest(r)))
	r.Method = http.MethodPut
	assert.Equal(t, []string{"q=1", "x_y=2", "b=3"}, keys(phpRequest(r)), "PHP fills $_POST for a POST only")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("m.n", "1"))
	fw, err := mw.CreateFormFile("file", "f.txt")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("not a parameter"))
	require.NoError(t, mw.WriteField("z", "2"))
	require.NoError(t, mw.Close())
	r, err = http.NewRequest(http.MethodPost, "/", &body)
	require.NoError(t, err)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	assert.Equal(t, []string{"m_n=1", "z=2"}, keys(phpRequest(r)))
}

// ksort's order, PHP 8, default flags: not byte order for decimal names.
func TestPHPKsort(t *testing.T) {
	t.Parallel()
	var ps phpParams
	for _, k := range []string{"b", "10", "a", "9", "-1", "B", "app_key"} {
		ps = ps.register(k, k)
	}
	sorted := append(phpParams(nil), ps...)
	slicesSortStable(sorted)
	var got []string
	for _, p := range sorted {
		got = append(got, p.key)
	}
	assert.Equal(t, []string{"-1", "9", "10", "B", "a", "app_key", "b"}, got)
}

func slicesSortStable(ps phpParams) {
	for i := 1; i < len(ps); i++ { // insertion sort: stable, independent of phpSign's
		for j := i; j > 0 && phpKeyCompare(ps[j-1], ps[j]) > 0; j-- {
			ps[j-1], ps[j] = ps[j], ps[j-1]
		}
	}
}

// The fake's own signature gives the public vector of docs/wire.md.
func TestPHPSignVector(t *testing.T) {
	t.Parallel()
	ps := phpParams{}.parseQuery("s=Hello.World&name=dogstar&app_key=" + vectorAppKey + "&sign=IGNORED")
	assert.Equal(t, vectorSign, phpSign(ps, vectorSecret))
}

// A signature over names PHP rewrites, computed as a client that does not
// know PHP would (byte order of the names as sent), is refused; the same
// call signed over what PHP sees passes.
func TestRewrittenNamesAndSignature(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		extra url.Values
	}{
		{"a.z sorts before a_b as sent, after it as PHP sees it", url.Values{"a.z": {"1"}, "a_b": {"2"}}},
		{"x.y and x_y are one parameter in PHP", url.Values{"x.y": {"1"}, "x_y": {"2"}}},
		{"an array's value is Array", url.Values{"x[y]": {"v"}}},
		{"decimal names sort as numbers", url.Values{"10": {"a"}, "9": {"b"}}},
		{"a space", url.Values{"my name": {"1"}, "my_a": {"2"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			naive := f.params(svcHello, okayapi.Member{}, c.extra) // wiretest.Sign: byte order of the names as sent
			r := f.do(http.MethodPost, "/", naive)
			assert.Equal(t, 400, r.Ret, "a signature over the names as sent: %s", r.Body)
			assert.Contains(t, r.Msg, "签名错误")

			naive.Del("sign")
			php := phpParams{}.parseQuery(naive.Encode())
			naive.Set("sign", phpSign(php, f.srv.Secret()))
			assert.Equal(t, 200, f.do(http.MethodPost, "/", naive).Ret, "signed over what PHP sees")
		})
	}
	t.Run("a harmless rewrite", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		r := f.do(http.MethodPost, "/", f.params(svcHello, okayapi.Member{}, url.Values{"zz.top": {"v"}}))
		assert.Equal(t, 200, r.Ret, "the order and the values are the same: %s", r.Body)
		assert.Equal(t, []string{"v"}, f.srv.Requests()[0].Form["zz_top"], "recorded as PHP named it")
	})
}
