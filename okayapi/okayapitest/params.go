package okayapitest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Param is a parameter rule of a Service, as PhalApi declares them. Make
// one with StringParam, IntParam, EnumParam, ObjectParam or ListParam and
// refine it with Required, Default, Min and Max. A call that breaks a rule
// is refused with ret 400 and PhalApi's message naming the parameter,
// before the app key and the signature are looked at.
type Param struct {
	name           string
	kind           paramKind
	required       bool
	def            string // used when the parameter is absent or empty
	min, max       int64
	hasMin, hasMax bool
	enum           []string
}

type paramKind int

const (
	kindString paramKind = iota
	kindInt
	kindEnum
	kindObject
	kindList
)

// StringParam is a string; Min and Max bound its length in bytes.
func StringParam(name string) Param { return Param{name: name, kind: kindString} }

// IntParam is an integer read as PHP's intval reads it ("5abc" is 5, "abc"
// is 0); Min and Max bound its value.
func IntParam(name string) Param { return Param{name: name, kind: kindInt} }

// EnumParam is one of values, compared with case.
func EnumParam(name string, values ...string) Param {
	return Param{name: name, kind: kindEnum, enum: slices.Clone(values)}
}

// ObjectParam is a JSON object (not a list, string or number), read as
// PHP's json_decode reads it.
func ObjectParam(name string) Param { return Param{name: name, kind: kindObject} }

// ListParam is a comma-separated list; Min and Max bound the number of items.
func ListParam(name string) Param { return Param{name: name, kind: kindList} }

// Required refuses a call without the parameter (or with it empty), unless
// the rule has a default.
func (p Param) Required() Param { p.required = true; return p }

// Default is used when the parameter is absent or empty.
func (p Param) Default(value string) Param { p.def = value; return p }

// Min sets the least length, value or count (see the constructors).
func (p Param) Min(n int64) Param { p.min, p.hasMin = n, true; return p }

// Max sets the greatest length, value or count (see the constructors).
func (p Param) Max(n int64) Param { p.max, p.hasMax = n, true; return p }

// appKeyRule is the common parameter every call declares first: the
// reference lists HTTP_APPKEY as a required string of at least 32 characters.
var appKeyRule = StringParam("app_key").Required().Min(32)

// arg is one parameter after its rule.
type arg struct {
	text   string   // as received, or the default
	n      int64    // kindInt
	items  []string // kindList
	object Object   // kindObject
}

// args are a call's parameters after the rules, by name.
type args map[string]arg

// checkParams applies the rules in order and returns the first violation
// as PhalApi words it.
func checkParams(rules []Param, p url.Values) (args, string) {
	a := args{}
	for _, r := range rules {
		v := p.Get(r.name)
		if v == "" {
			if r.def == "" {
				if r.required {
					return nil, "客户端非法请求：缺少必要参数" + r.name
				}
				continue
			}
			v = r.def
		}
		got := arg{text: v}
		switch r.kind {
		case kindString:
			if msg := r.bound(int64(len(v)), "非法请求："+r.name+"的长度"); msg != "" {
				return nil, msg
			}
		case kindInt:
			got.n = intval(v)
			if msg := r.bound(got.n, "非法请求：参数"+r.name+"的值"); msg != "" {
				return nil, msg
			}
		case kindEnum:
			if !slices.Contains(r.enum, v) {
				return nil, "非法请求：参数" + r.name + "应该为：" + strings.Join(r.enum, "/") + "，但现在" + r.name + " = " + v
			}
		case kindObject:
			val, err := phpDecode([]byte(v))
			obj, isObj := val.(Object)
			if err != nil || !isObj {
				return nil, "非法请求：参数" + r.name + "应该是JSON格式的对象"
			}
			got.object = obj
		case kindList:
			got.items = strings.Split(v, ",")
			if msg := r.bound(int64(len(got.items)), "非法请求："+r.name+"的个数"); msg != "" {
				return nil, msg
			}
		}
		a[r.name] = got
	}
	return a, ""
}

// bound checks n against the rule's Min and Max; what names the measure.
func (p Param) bound(n int64, what string) string {
	switch {
	case p.hasMin && n < p.min:
		return what + "不能小于" + strconv.FormatInt(p.min, 10)
	case p.hasMax && n > p.max:
		return what + "不能大于" + strconv.FormatInt(p.max, 10)
	}
	return ""
}

// intval reads an integer as PHP's intval does: leading white space, a sign
// and digits; anything else stops it, and no digits read as 0.
func intval(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if n > (1<<63-1-d)/10 {
			if neg {
				return -1 << 63
			}
			return 1<<63 - 1
		}
		n = n*10 + d
	}
	if neg {
		return -n
	}
	return n
}
