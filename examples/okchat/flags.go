package main

import (
	"errors"
	"flag"
	"regexp"
	"strings"
	"time"
)

// globalFlags are the flags accepted before or after the command.
type globalFlags struct {
	json    bool
	timeout time.Duration
	record  string // --record DIR: write a cassette of the exchanges
}

// add adds the global flags to fs, with g's values as defaults.
func (g *globalFlags) add(fs *flag.FlagSet) {
	fs.BoolVar(&g.json, "json", g.json, "print one JSON document with the API's field names")
	fs.DurationVar(&g.timeout, "timeout", g.timeout,
		"give up after `DURATION`, e.g. 5s or 1m: bounds each HTTP attempt and the whole command, retries included")
	fs.StringVar(&g.record, "record", g.record,
		"write every exchange with the service into the cassette in `DIR` (created, or added to), secrets replaced by placeholders: attach it to a bug report, or replay it with fakeserver --replay DIR")
}

// listFlag is a flag that may be given more than once: its values
// accumulate, in order (--to).
type listFlag []string

// String joins the values with commas.
func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Set adds a value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// split returns the values, each split at its commas, spaces around each
// trimmed: --to A,B --to C is A, B and C.
func (l listFlag) split() []string {
	var out []string
	for _, v := range l {
		for _, u := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(u))
		}
	}
	return out
}

// repeatedProblem is the error of a flag that takes one value, given twice.
const repeatedProblem = "given more than once"

// onceValue is a flag's value that may be set once: a second value would
// otherwise silently replace the first.
type onceValue struct {
	flag.Value
	set bool
}

func (o *onceValue) Set(v string) error {
	if o.set {
		return errors.New(repeatedProblem)
	}
	o.set = true
	return o.Value.Set(v)
}

// Get returns the value's own Get, for valueProblem.
func (o *onceValue) Get() any {
	if g, ok := o.Value.(flag.Getter); ok {
		return g.Get()
	}
	return nil
}

// singleValued makes each flag of fs that takes one value refuse a second
// one; given are the flags set already (the global flags before the
// command). Lists (listFlag) accumulate, and switches (--json, --all) may
// be repeated: they take no value.
func singleValued(fs *flag.FlagSet, given map[string]bool) {
	fs.VisitAll(func(f *flag.Flag) {
		if _, list := f.Value.(*listFlag); list {
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			return
		}
		f.Value = &onceValue{Value: f.Value, set: given[f.Name]}
	})
}

// setFlags returns the names of the flags set in fs.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func requireFlag(fs *flag.FlagSet, name string) error {
	if !isSet(fs, name) {
		return &usageError{msg: "--" + name + " is required"}
	}
	return nil
}

// The flag package's errors, which write a flag with one dash.
var (
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagNoArg     = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	flagBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]+): (.*)$`)
	flagBadBool   = regexp.MustCompile(`^invalid boolean flag ([^:]+): (.*)$`)
)

// flagError rewrites an error of fs.Parse to name the flag as the help
// writes it, --name, and to suggest a flag for one that is not defined.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		s := "unknown flag --" + m[1]
		if near := closest(m[1], flagNames(fs)); near != "" {
			s += "; did you mean --" + near + "?"
		} else if cmds := commandsWithFlag(m[1]); fs.Name() == "okchat" && len(cmds) > 0 {
			s += "; it is a flag of " + strings.Join(cmds, " and ") + ": put it after the command"
		}
		return s
	}
	if m := flagNoArg.FindStringSubmatch(msg); m != nil {
		return "--" + m[1] + " needs an argument"
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		if m[3] == repeatedProblem {
			return "--" + m[2] + " is given more than once: it takes one value"
		}
		return "invalid value " + m[1] + " for --" + m[2] + ": " + valueProblem(fs.Lookup(m[2]), m[3])
	}
	if m := flagBadBool.FindStringSubmatch(msg); m != nil {
		return "invalid value for --" + m[1] + ": " + m[2]
	}
	return msg
}

// valueProblem says what is wrong with a flag's value, in words for the
// flag package's terse "parse error".
func valueProblem(f *flag.Flag, problem string) string {
	if f == nil {
		return problem
	}
	getter, ok := f.Value.(flag.Getter)
	if !ok {
		return problem
	}
	switch getter.Get().(type) {
	case bool:
		return "must be true or false"
	case time.Duration:
		return "must be a duration, e.g. 15s or 1m"
	case int, int64:
		if problem == "value out of range" {
			return "the number is too large"
		}
		return "must be a whole number"
	}
	return problem
}

// flagNames lists fs's flags.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// commandsWithFlag lists the commands that have the flag name.
func commandsWithFlag(name string) []string {
	var out []string
	for i := range commands {
		fs := flag.NewFlagSet(commands[i].name, flag.ContinueOnError)
		commands[i].flags(fs)
		if fs.Lookup(name) != nil {
			out = append(out, commands[i].name)
		}
	}
	return out
}
