package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/okayapitest"
)

// Flag errors name the flag as the help writes it, --name, never with the
// flag package's single dash, and suggest a flag or a command for a typo.
func TestFlagErrors(t *testing.T) {
	t.Parallel()
	const uuid = "0123456789ABCDEF0123456789ABCDEF"
	cases := []struct {
		args []string
		want string // the first line of stderr
	}{
		{[]string{"history", "--with", uuid, "--perpage", "x"}, "okchat history: invalid value \"x\" for --perpage: must be a whole number"},
		{[]string{"history", "--with", uuid, "--last-id", "99999999999999999999"}, "okchat history: invalid value \"99999999999999999999\" for --last-id: the number is too large"},
		{[]string{"history", "--with", uuid, "--up=maybe"}, "okchat history: invalid value \"maybe\" for --up: must be true or false"},
		{[]string{"history", "--with"}, "okchat history: --with needs an argument"},
		{[]string{"history", "--with", uuid, "--perpag", "2"}, "okchat history: unknown flag --perpag; did you mean --perpage?"},
		{[]string{"history", "-wiht", uuid}, "okchat history: unknown flag --wiht; did you mean --with?"},
		{[]string{"send", "--to", uuid, "--txet", "hi"}, "okchat send: unknown flag --txet; did you mean --text?"},
		{[]string{"send", "--bogus"}, "okchat send: unknown flag --bogus"},
		{[]string{"--timeout", "fast", "unread"}, "okchat: invalid value \"fast\" for --timeout: must be a duration, e.g. 15s or 1m"},
		{[]string{"--jsn", "unread"}, "okchat: unknown flag --jsn; did you mean --json?"},
		{[]string{"--perpage", "5", "chats"}, "okchat: unknown flag --perpage; it is a flag of history and chats: put it after the command"},
		{[]string{"--json=2", "unread"}, "okchat: invalid value \"2\" for --json: must be true or false"},
		{[]string{"login", "--username"}, "okchat login: --username needs an argument"},
		{[]string{"login", "--password-stdin=x"}, "okchat login: invalid value \"x\" for --password-stdin: must be true or false"},
	}
	for _, tc := range cases {
		r := runEnv(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%v", tc.args)
		assert.Empty(t, r.stdout)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.Equal(t, tc.want, first, "%v", tc.args)
		assert.NotRegexp(t, `(^|\s)-[a-z]`, r.stderr, "%v: a flag written with one dash", tc.args)
		assert.NotContains(t, r.stderr, "flag provided but not defined", "%v", tc.args)
	}
}

// An unknown command suggests the closest one, by edit distance, or none
// when nothing is near.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{
		"histroy":  `okchat: unknown command "histroy"; did you mean history?`,
		"hisotry":  `okchat: unknown command "hisotry"; did you mean history?`,
		"snd":      `okchat: unknown command "snd"; did you mean send?`,
		"sedn":     `okchat: unknown command "sedn"; did you mean send?`,
		"multi":    `okchat: unknown command "multi"; did you mean multisend?`,
		"unred":    `okchat: unknown command "unred"; did you mean unread?`,
		"Chats":    `okchat: unknown command "Chats"; did you mean chats?`,
		"logn":     `okchat: unknown command "logn"; did you mean login?`,
		"versoin":  `okchat: unknown command "versoin"; did you mean version?`,
		"bogus":    `okchat: unknown command "bogus"`,
		"x":        `okchat: unknown command "x"`,
		"delete":   `okchat: unknown command "delete"`,
		"messages": `okchat: unknown command "messages"`,
	} {
		r := runEnv(t, nil, typed)
		assert.Equal(t, 2, r.code, typed)
		first, rest, _ := strings.Cut(r.stderr, "\n")
		assert.Equal(t, want, first)
		assert.Equal(t, "Run 'okchat --help' for usage.\n", rest)
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"send", "send", 0},
		{"", "read", 4},
		{"snd", "send", 1},
		{"sedn", "send", 1}, // a swap of neighbours is one edit
		{"histroy", "history", 1},
		{"kitten", "sitting", 3},
		{"历史", "历时", 1}, // runes, not bytes
	} {
		assert.Equal(t, tc.want, editDistance(tc.a, tc.b), "%q %q", tc.a, tc.b)
		assert.Equal(t, tc.want, editDistance(tc.b, tc.a), "%q %q", tc.b, tc.a)
	}
	assert.Equal(t, "", closest("anything", nil))
	assert.Equal(t, "read", closest("red", []string{"send", "read"}), "the nearer one wins")
}

// Every flag that takes one value, of every command and the global ones
// before or after the command, given twice: exit status 2, nothing sent,
// never the last value silently winning. Switches (--json) may repeat, and
// --to accumulates.
func TestRepeatedFlags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	checked := 0
	try := func(args ...string) {
		t.Helper()
		// A bound on the run: should a repeated flag be taken, watch would
		// otherwise run until interrupted.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, system{getenv: func(k string) string { return f.env[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr})
		assert.Equal(t, exitUsage, code, "%v: %s", args, stderr.String())
		assert.Regexp(t, `: --[a-z-]+ is given more than once: it takes one value\n`, stderr.String(), "%v", args)
		checked++
	}
	repeated := func(fs *flag.FlagSet, visit func(f *flag.Flag)) {
		fs.VisitAll(func(f *flag.Flag) {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				return
			}
			if _, list := f.Value.(*listFlag); list {
				return
			}
			visit(f)
		})
	}
	for i := range commands {
		cmd := &commands[i]
		fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
		cmd.flags(fs)
		repeated(fs, func(fl *flag.Flag) {
			v := "--" + fl.Name + "=" + fl.DefValue
			try(cmd.name, v, v)
		})
	}
	global := flag.NewFlagSet("okchat", flag.ContinueOnError)
	(&globalFlags{timeout: defaultTimeout}).add(global)
	repeated(global, func(fl *flag.Flag) {
		v := "--" + fl.Name + "=" + fl.DefValue
		if fl.Name == "record" {
			v = "--record=" + t.TempDir()
		}
		try(v, v, "unread")
		try(v, "unread", v)
		try("unread", v, v)
	})
	assert.Greater(t, checked, 20, "flags checked")
	assert.Empty(t, f.srv.Requests(), "nothing sent")
	assert.Empty(t, f.plugin.Messages())

	// Switches may repeat.
	f.run(t, "--json", "unread", "--json").ok(t)
}

// --to accumulates: send --to A --to B sends to both, as multisend does;
// multisend adds up its --to lists.
func TestToAccumulates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.run(t, "send", "--to", f.bob.UUID, "--to", f.carol.UUID, "--text", "to both")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "sent text message to 2 member(s):")
	require.Len(t, f.plugin.Messages(), 2)
	got := []string{f.plugin.Messages()[0].To, f.plugin.Messages()[1].To}
	assert.ElementsMatch(t, []string{f.bob.UUID, f.carol.UUID}, got)

	r = f.run(t, "send", "--to", f.bob.UUID, "--to", f.carol.UUID, "--text", "x", "--resume", strings.Repeat("a", 32))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--resume finishes a send to one member: give one --to")

	dave := f.srv.AddMember(okayapitest.Account{Username: "dave"})
	r = f.run(t, "multisend", "--to", f.bob.UUID+","+f.carol.UUID, "--to", dave.UUID, "--text", "to three")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "sent text message to 3 member(s):")
	assert.Len(t, f.plugin.Messages(), 5)

	r = f.run(t, "send", "--to", f.bob.UUID, "--to", f.bob.UUID, "--text", "twice?")
	assert.Equal(t, exitUsage, r.code, "a repeated recipient: %s", r.stderr)
	assert.Len(t, f.plugin.Messages(), 5, "nothing sent")
}
