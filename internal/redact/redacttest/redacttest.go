// Package redacttest is the one table of cases that every user of package
// redact (the SDK's errors, the cassette's writer) runs its own output
// through: what must be hidden, what must be kept.
package redacttest

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
)

// Secret is a value to hide, with a name for the placeholder of a user
// that has them (the cassette: REDACTED-<Name>).
type Secret struct {
	Name  string
	Value string
}

// Case is one row: hiding Secrets in Text must leave none of Hidden (in any
// ASCII letter case) and all of Kept; a user with placeholders must show
// the placeholder of each secret named in Whole.
type Case struct {
	Name    string
	Secrets []Secret
	Text    string
	Hidden  []string
	Kept    []string
	Whole   []string
}

// Token is a member token as App.User.Login hands it out.
const Token = "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"

// AppSecret is an app secret with characters that escape.
const AppSecret = "ab/cd+ef=gh0123456789<x>&y"

// Password is a plain-text password with non-ASCII characters.
const Password = "pässwörd-密码-0123"

var (
	tok    = Secret{"TOKEN", Token}
	secret = Secret{"APP-SECRET", AppSecret}
	passwd = Secret{"PASSWORD", Password}
	sign   = Secret{"SIGN", "0011223344556677AABBCCDDEEFF8899"}
	long   = Secret{"LONG", "ABCDEFGHIJKLMNOP0123456789"}
	short  = Secret{"SHORT", "0123456789QRSTUVWXYZ"}
)

// Cases are the rows.
var Cases = []Case{
	{Name: "whole token", Secrets: []Secret{tok}, Text: `{"token":"` + Token + `"}`, Hidden: []string{Token}, Kept: []string{`{"token":"`}, Whole: []string{"TOKEN"}},
	{Name: "token in lower case", Secrets: []Secret{tok}, Text: "x " + strings.ToLower(Token) + " y", Hidden: []string{Token}, Kept: []string{"x ", " y"}, Whole: []string{"TOKEN"}},
	{Name: "token in mixed case", Secrets: []Secret{tok}, Text: "x " + strings.ToLower(Token[:32]) + Token[32:] + " y", Hidden: []string{Token[:32], Token[32:]}, Whole: []string{"TOKEN"}},
	{Name: "16 characters of a token are hidden", Secrets: []Secret{tok}, Text: "a " + Token[10:26] + " b", Hidden: []string{Token[10:26]}, Kept: []string{"a ", " b"}},
	{Name: "15 characters of a token are kept", Secrets: []Secret{tok}, Text: "a " + Token[10:25] + " b", Kept: []string{"a " + Token[10:25] + " b"}},
	{Name: "secret at the very end", Secrets: []Secret{tok}, Text: "echo: " + Token[30:], Hidden: []string{Token[30:46], Token[48:]}, Kept: []string{"echo: "}},
	{Name: "secret at the very start", Secrets: []Secret{tok}, Text: Token[:20] + " echo", Hidden: []string{Token[:20]}, Kept: []string{" echo"}},
	{Name: "truncated: 40 of 64", Secrets: []Secret{tok}, Text: `{"ret":200,"data":{"token":"` + Token[:40], Hidden: []string{Token[:40], Token[24:40]}, Kept: []string{`{"ret":200,"data":{"token":"`}},
	{Name: "a 30-character piece", Secrets: []Secret{tok}, Text: `{"msg":"bad token ` + Token[17:47] + `"}`, Hidden: []string{Token[17:47]}, Kept: []string{`bad token `}},
	{Name: "split across two fields", Secrets: []Secret{tok}, Text: `{"a":"` + Token[:32] + `","b":"` + Token[32:] + `"}`, Hidden: []string{Token[:32], Token[32:]}, Kept: []string{`{"a":"`, `","b":"`}},
	{Name: "two secrets back to back", Secrets: []Secret{tok, sign}, Text: "<" + Token + sign.Value + ">", Hidden: []string{Token, sign.Value, Token[48:] + sign.Value[:16]}, Kept: []string{"<", ">"}, Whole: []string{"TOKEN", "SIGN"}},
	{Name: "the longer of two overlapping secrets wins", Secrets: []Secret{short, long}, Text: "[" + long.Value + "QRSTUVWXYZ]", Hidden: []string{long.Value, short.Value, "0123456789QRSTUV", "QRSTUVWXYZ"}, Kept: []string{"[", "]"}, Whole: []string{"LONG"}},
	{Name: "URL-escaped (query)", Secrets: []Secret{secret}, Text: "s=" + url.QueryEscape(AppSecret) + "&x=1", Hidden: []string{url.QueryEscape(AppSecret), "%2Fcd%2Bef%3Dgh0"}, Kept: []string{"s=", "&x=1"}, Whole: []string{"APP-SECRET"}},
	{Name: "URL-escaped (path)", Secrets: []Secret{secret}, Text: "/x/" + url.PathEscape(AppSecret) + "/y", Hidden: []string{url.PathEscape(AppSecret)}, Whole: []string{"APP-SECRET"}},
	{Name: "URL-escaped in lower-case hex", Secrets: []Secret{secret}, Text: "s=" + strings.ToLower(url.QueryEscape(AppSecret)), Hidden: []string{url.QueryEscape(AppSecret)}, Whole: []string{"APP-SECRET"}},
	{Name: "PHP: escaped slash", Secrets: []Secret{secret}, Text: `{"s":"ab\/cd+ef=gh0123456789<x>&y"}`, Hidden: []string{`ab\/cd+ef=gh0123456789`, "gh0123456789<x>&y"}, Whole: []string{"APP-SECRET"}},
	{Name: "Go: escaped <, > and &", Secrets: []Secret{secret}, Text: `{"s":"ab/cd+ef=gh0123456789\u003cx\u003e\u0026y"}`, Hidden: []string{"ab/cd+ef=gh0123456789", `\u003cx\u003e\u0026y`}, Whole: []string{"APP-SECRET"}},
	{Name: "PHP: escaped slash and <, > and &", Secrets: []Secret{secret}, Text: `{"s":"ab\/cd+ef=gh0123456789\u003Cx\u003E\u0026y"}`, Hidden: []string{`ab\/cd+ef=gh0123456789`}, Whole: []string{"APP-SECRET"}},
	{Name: "PHP: non-ASCII as \\uXXXX", Secrets: []Secret{passwd}, Text: `{"p":"p\u00e4ssw\u00f6rd-\u5bc6\u7801-0123"}`, Hidden: []string{`p\u00e4ssw\u00f6rd-\u5bc6\u7801`}, Kept: []string{`{"p":"`}, Whole: []string{"PASSWORD"}},
	{Name: "PHP: non-ASCII as upper-case \\uXXXX", Secrets: []Secret{passwd}, Text: `{"p":"P\u00E4SSW\u00F6RD-\u5BC6\u7801-0123"}`, Hidden: []string{`p\u00e4ssw\u00f6rd-\u5bc6\u7801`}, Whole: []string{"PASSWORD"}},
	{Name: "non-ASCII as sent", Secrets: []Secret{passwd}, Text: "login " + Password + " failed", Hidden: []string{Password, "pässwörd-密码"}, Kept: []string{"login ", " failed"}, Whole: []string{"PASSWORD"}},
	{Name: "a piece of an escaped form", Secrets: []Secret{passwd}, Text: `x\u00f6rd-\u5bc6\u7801-012 y`, Hidden: []string{`\u00f6rd-\u5bc6\u7801-012`}},
	{Name: "non-ASCII letters upper-cased", Secrets: []Secret{passwd}, Text: "x " + strings.ToUpper(Password) + " y", Hidden: []string{"PÄSSWÖRD-密码-0123"}, Whole: []string{"PASSWORD"}},
	{Name: "8 bytes are hidden whole", Secrets: []Secret{{"SHORT8", "hunter22"}}, Text: "pw hunter22 HUNTER22", Hidden: []string{"hunter22"}, Kept: []string{"pw "}, Whole: []string{"SHORT8"}},
	{Name: "7 bytes are not hidden", Secrets: []Secret{{"SHORT7", "hunter2"}}, Text: "pw hunter2", Kept: []string{"pw hunter2"}},
	{Name: "a piece of a short secret is kept", Secrets: []Secret{{"SHORT12", "hunter2hunte"}}, Text: "pw hunter2hunt", Kept: []string{"pw hunter2hunt"}},
	{Name: "nothing secret", Secrets: []Secret{tok, secret, passwd}, Text: `{"ret":200,"data":{"err_code":0,"uuid":"5B1CA086F3E9E86F83354191AFB41E9E"},"msg":"好"}`, Kept: []string{`{"ret":200,"data":{"err_code":0,"uuid":"5B1CA086F3E9E86F83354191AFB41E9E"},"msg":"好"}`}},
}

// Hide hides secrets in text, as one user of package redact does.
type Hide func(t *testing.T, secrets []Secret, text string) string

// Run runs every case through hide. placeholder gives what a secret's whole
// occurrence becomes, or nil for a user that marks every secret alike.
func Run(t *testing.T, hide Hide, placeholder func(name string) string) {
	t.Helper()
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			got := hide(t, c.Secrets, c.Text)
			Check(t, got, c, placeholder)
		})
	}
}

// Check checks one output against its case.
func Check(t *testing.T, got string, c Case, placeholder func(name string) string) {
	t.Helper()
	lower := strings.ToLower(got)
	for _, h := range c.Hidden {
		if strings.Contains(lower, strings.ToLower(h)) {
			t.Errorf("%s: %q is shown in %q", c.Name, h, got)
		}
	}
	for _, k := range c.Kept {
		if !strings.Contains(got, k) {
			t.Errorf("%s: %q is lost from %q", c.Name, k, got)
		}
	}
	if placeholder == nil {
		return
	}
	for _, w := range c.Whole {
		if !strings.Contains(got, placeholder(w)) {
			t.Errorf("%s: no %s in %q", c.Name, placeholder(w), got)
		}
	}
	for _, s := range c.Secrets {
		if !contains(c.Whole, s.Name) && strings.Contains(got, placeholder(s.Name)) {
			t.Errorf("%s: %s should not win in %q", c.Name, placeholder(s.Name), got)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// NewToken is the token a login answer hands out: no list of secrets knows
// it, so only the rule for unreadable answers can hide it.
const NewToken = "9C1185A5C5E9FC54612808977EE8F548B2258D31A1B2C3D4E5F60718293A4B5C"

// MalformedLogins are login answers that are not one clean envelope, each
// holding the new token (or part of it). The cassette's tests replay the
// same shapes through the recorder.
var MalformedLogins = []struct{ Name, Body string }{
	{"PHP notice before the JSON", "PHP Notice:  Undefined index: device in /www/a.php on line 12\n" + LoginOK(NewToken)},
	{"PHP deprecation before the JSON", "\nDeprecated: create_function() is deprecated\n" + LoginOK(NewToken)},
	{"HTML warning before the JSON", "<br />\n<b>Warning</b>: Undefined index: x<br />\n" + LoginOK(NewToken)},
	{"text after the JSON", LoginOK(NewToken) + "\n<!-- served in 12ms -->"},
	{"two envelopes back to back", `{"ret":200,"data":{"err_code":0},"msg":""}` + LoginOK(strings.ToLower(NewToken))},
	{"data sent as a JSON string", `{"ret":200,"data":"{\"err_code\":0,\"uuid\":\"0123456789ABCDEF0123456789ABCDEF\",\"token\":\"` + NewToken + `\"}","msg":""}`},
	{"truncated: 40 of 64 token characters", LoginOK(NewToken)[:strings.Index(LoginOK(NewToken), NewToken)+40]},
	{"a 30-character piece echoed", "Warning: token " + NewToken[17:47] + " is not stored\n" + `{"ret":200,"data":{"err_code":0},"msg":""}`},
	{"the token split across two fields", `{"ret":200,"data":{"err_code":0,"uuid":"0123456789ABCDEF0123456789ABCDEF","token":"` + NewToken[:32] + `","sig":"` + NewToken[32:] + `"},"msg":""} x`},
}

// LoginOK is a clean login answer handing out token.
func LoginOK(token string) string {
	return `{"ret":200,"data":{"token":"` + token + `","uuid":"0123456789ABCDEF0123456789ABCDEF","err_code":0,"err_msg":""},"msg":"V2.5.1 YesApi"}`
}

// recordingT is a testify TestingT that keeps what failing assertions print.
type recordingT struct{ out strings.Builder }

func (r *recordingT) Errorf(format string, args ...any) { fmt.Fprintf(&r.out, format, args...) }

// Dumps returns what reflection-based printers show of v, by printer:
// testify's failure output for v against the zero value of its type (its
// diff is go-spew with methods off, following pointers and unexported
// fields), go-cmp's diff with every unexported field compared, and fmt's
// %#v and %+v. A pointer is dumped as itself and as the value it points to.
func Dumps(v any) map[string]string {
	out := map[string]string{}
	rv := reflect.ValueOf(v)
	vals := []reflect.Value{rv}
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		vals = append(vals, rv.Elem())
	}
	for _, x := range vals {
		name := x.Type().String()
		iv := x.Interface()
		zero := reflect.Zero(x.Type()).Interface()
		rt := &recordingT{}
		assert.Equal(rt, zero, iv)
		assert.Equal(rt, iv, zero)
		out[name+": testify"] = rt.out.String()
		out[name+": go-cmp"] = cmpDiff(zero, iv)
		out[name+": %#v"] = fmt.Sprintf("%#v", iv)
		out[name+": %+v"] = fmt.Sprintf("%+v", iv)
	}
	return out
}

func cmpDiff(a, b any) (diff string) {
	defer func() {
		if p := recover(); p != nil {
			diff = fmt.Sprint("go-cmp panicked: ", p)
		}
	}()
	return cmp.Diff(a, b, cmp.Exporter(func(reflect.Type) bool { return true })) + cmpPlain(a, b)
}

// cmpPlain is go-cmp without options: it refuses unexported fields, with a
// message that must not show a secret either.
func cmpPlain(a, b any) (diff string) {
	defer func() {
		if p := recover(); p != nil {
			diff = fmt.Sprint("\ngo-cmp panicked: ", p)
		}
	}()
	return cmp.Diff(a, b)
}

// AssertNoSecret fails t if text shows any secret, or any run of 16 of its
// characters, in any letter case.
func AssertNoSecret(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, s := range secrets {
		ls := strings.ToLower(s)
		if len(ls) < 16 && strings.Contains(lower, ls) {
			t.Errorf("%s shows the secret %q:\n%s", what, s, text)
			continue
		}
		for i := 0; i+16 <= len(ls); i++ {
			if strings.Contains(lower, ls[i:i+16]) {
				t.Errorf("%s shows %q of a secret:\n%s", what, s[i:i+16], text)
				break
			}
		}
	}
}

// AssertNoDump fails t if any reflective dump of v (see Dumps) shows a
// secret.
func AssertNoDump(t testing.TB, what string, v any, secrets ...string) {
	t.Helper()
	for printer, text := range Dumps(v) {
		AssertNoSecret(t, what+" ("+printer+")", text, secrets...)
	}
}
