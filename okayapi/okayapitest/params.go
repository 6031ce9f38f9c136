package okayapitest

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Param is a parameter rule of a Service, as PhalApi declares one in a
// service's getRules(), e.g.
//
//	{Name: "perpage", Type: "int", Default: "20", Min: "1", Max: "100"}
//
// A call that breaks a rule is refused with ret 400 and PhalApi's message
// naming the parameter, before the app key and the signature are looked
// at. Handle panics for a rule it cannot read, naming what is wrong.
type Param struct {
	Name string
	// Type is "string" (or ""), "int" (read as PHP's intval reads it:
	// "5abc" is 5, "abc" 0), "enum" (one of Enum, compared with case),
	// "object" (a JSON object, not a list, string or number, read as
	// PHP's json_decode reads it) or "list" (comma-separated).
	Type string
	// Enum are the values of an "enum" parameter.
	Enum []string
	// Required refuses a call without the parameter (or with it empty),
	// unless there is a Default.
	Required bool
	// Default is used when the parameter is absent or empty.
	Default string
	// Min and Max, integers ("" for none), bound a string's length in
	// bytes, an int's value and a list's number of items.
	Min, Max string
}

// rule is a Param as checkParams applies it.
type rule struct {
	name           string
	kind           paramKind
	required       bool
	def            string
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

// paramKinds are the Types of a Param, by name.
var paramKinds = map[string]paramKind{"": kindString, "string": kindString, "int": kindInt, "enum": kindEnum, "object": kindObject, "list": kindList}

// rule reads p, or says what is wrong with it.
func (p Param) rule() (rule, error) {
	r := rule{name: p.Name, required: p.Required, def: p.Default, enum: slices.Clone(p.Enum)}
	kind, ok := paramKinds[p.Type]
	if !ok {
		return r, fmt.Errorf("parameter %s: unknown Type %q (want string, int, enum, object or list)", p.Name, p.Type)
	}
	r.kind = kind
	if (kind == kindEnum) != (len(p.Enum) > 0) {
		return r, fmt.Errorf("parameter %s: an enum needs Enum, and only an enum has it", p.Name)
	}
	for _, b := range []struct {
		text string
		n    *int64
		has  *bool
	}{{p.Min, &r.min, &r.hasMin}, {p.Max, &r.max, &r.hasMax}} {
		if b.text == "" {
			continue
		}
		n, err := strconv.ParseInt(b.text, 10, 64)
		if err != nil {
			return r, fmt.Errorf("parameter %s: bound %q is not an integer", p.Name, b.text)
		}
		if kind == kindEnum || kind == kindObject {
			return r, fmt.Errorf("parameter %s: an %s has no Min or Max", p.Name, p.Type)
		}
		*b.n, *b.has = n, true
	}
	return r, nil
}

// appKeyRule is the common parameter every call declares first: the
// reference lists HTTP_APPKEY as a required string of at least 32 characters.
var appKeyRule = rule{name: "app_key", required: true, min: 32, hasMin: true}

// arg is one parameter after its rule.
type arg struct {
	text   string // as received, or the default
	n      int64  // kindInt
	object Object // kindObject
}

// args are a call's parameters after the rules, by name.
type args map[string]arg

// checkParams applies the rules in order and returns the first violation
// as PhalApi words it.
func checkParams(rules []rule, p url.Values) (args, string) {
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
			if msg := r.bound(int64(strings.Count(v, ",")+1), "非法请求："+r.name+"的个数"); msg != "" {
				return nil, msg
			}
		}
		a[r.name] = got
	}
	return a, ""
}

// bound checks n against the rule's Min and Max; what names the measure.
func (p rule) bound(n int64, what string) string {
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
