package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/okayapi-go/sdk/okayapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage:", "send", "multisend", "history", "read", "chats", "unread", "OKAYAPI_APP_KEY", "Exit status",
			"okchat [--json] [--timeout DURATION] [--record DIR] COMMAND", "--timeout DURATION  give up after DURATION", "(default 15s)"}},
		{[]string{"-h"}, []string{"Usage:", "multisend"}},
		{[]string{"help"}, []string{"Usage:", "OKAYAPI_STATIC_SIGN"}},
		{[]string{"help", "history"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] history", "--last-id", "--up", "--perpage"}},
		{[]string{"send", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] send", "--to", "--text", "--html", "--image", "--link", "--custom", "--json"}},
		{[]string{"multisend", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] multisend", "--to", "--custom",
			"--to-file FILE", "--concurrency N", "maybe delivered", `"outcome"`, "Exit status"}},
		{[]string{"history", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] history", "--with", "--last-id", "--up", "--perpage",
			"--all", "all the messages after N, or with --up all those before N"}},
		{[]string{"read", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] read", "--with", "--id"}},
		{[]string{"chats", "-h"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] chats", "--page", "--perpage", "[--all | --page N]", "is refused"}},
		{[]string{"unread", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] unread", "--timeout DURATION", "(default 15s)"}},
		{[]string{"--timeout", "1s", "unread", "--help"}, []string{"--timeout DURATION", "(default 15s)"}},
		{[]string{"--json", "send", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] send"}},
		{[]string{"login", "--help"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] login", "--username NAME", "--password PASSWORD",
			"--password-stdin", "--export", "OKAYAPI_PASSWORD", "stdout only"}},
		{[]string{"help", "login"}, []string{"okchat [--json] [--timeout DURATION] [--record DIR] login"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := f.run(t, tc.args...).ok(t)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
			assert.Empty(t, f.srv.Requests(), "help must send nothing")
		})
	}
}

// Every command's help lists its flags as --name, as the synopses write
// them, one per line, each with its argument and what it does.
func TestHelpFlagListing(t *testing.T) {
	t.Parallel()
	singleDash := regexp.MustCompile(`(?m)(^|\s)-[a-z]`)
	for _, cmd := range commands {
		t.Run(cmd.name, func(t *testing.T) {
			t.Parallel()
			help := runEnv(t, nil, cmd.name, "--help").ok(t).stdout
			assert.NotRegexp(t, singleDash, help, "a flag written with one dash")
			_, list, ok := strings.Cut(help, "\nFlags:\n")
			require.True(t, ok, help)
			list, _, _ = strings.Cut(list, "\n\n")
			fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
			var g globalFlags
			g.add(fs) // --json, --timeout, --record
			cmd.flags(fs)
			var want []string
			takesArg := map[string]bool{} // the command's own flags with an argument
			fs.VisitAll(func(f *flag.Flag) {
				want = append(want, f.Name)
				b, isBool := f.Value.(interface{ IsBoolFlag() bool })
				takesArg[f.Name] = f.Name != "timeout" && f.Name != "record" && !(isBool && b.IsBoolFlag())
			})
			lines := strings.Split(list, "\n")
			require.Len(t, lines, len(want), "one line per flag: %q", list)
			for i, line := range lines {
				fields := strings.Fields(line)
				require.NotEmpty(t, fields)
				assert.Equal(t, "--"+want[i], fields[0], "line %q", line)
				assert.Greater(t, len(fields), 1, "line %q says what the flag does", line)
				if takesArg[want[i]] {
					assert.Contains(t, cmd.synopsis, fields[0]+" "+fields[1], "the synopsis names the argument as the listing does")
				}
			}
		})
	}
	assert.NotRegexp(t, singleDash, runEnv(t, nil, "--help").ok(t).stdout)
}

// "okchat help" lists every command with what it does, and "okchat help
// CMD" prints exactly what "okchat CMD --help" does.
func TestHelpCommand(t *testing.T) {
	t.Parallel()
	list := runEnv(t, nil, "help").ok(t).stdout
	assert.Equal(t, runEnv(t, nil, "--help").ok(t).stdout, list)
	_, cmds, ok := strings.Cut(list, "\nCommands:\n")
	require.True(t, ok, list)
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	for _, cmd := range commands {
		assert.Regexp(t, `(?m)^  `+cmd.name+` +`+regexp.QuoteMeta(cmd.short)+`$`, cmds)
		t.Run(cmd.name, func(t *testing.T) {
			t.Parallel()
			viaHelp := runEnv(t, nil, "help", cmd.name).ok(t).stdout
			assert.Equal(t, runEnv(t, nil, cmd.name, "--help").ok(t).stdout, viaHelp)
			assert.Equal(t, runEnv(t, nil, cmd.name, "-h").ok(t).stdout, viaHelp)
		})
	}
	assert.Regexp(t, `(?m)^  help +show help for a command`, cmds)

	r := runEnv(t, nil, "help", "histroy")
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, `okchat: help: unknown command "histroy"; did you mean history?`)
	r = runEnv(t, nil, "help", "send", "read")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `help takes one command, not "send read"`)
}

// --version (and "okchat version", as gh and stripe have it) prints one
// line naming okchat's and the SDK's versions, with exit status 0; it needs
// no environment and sends nothing.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}, {"--json", "--version"}} {
		r := runEnv(t, nil, args...).ok(t)
		assert.Equal(t, "okchat "+version+" ("+okayapi.DefaultUserAgent+")\n", r.stdout, "%v", args)
		assert.Regexp(t, `^okchat \d+\.\d+\.\d+ \(okayapi-go-sdk/[^)]+\)\n$`, r.stdout)
	}
	r := runEnv(t, nil, "unread", "--version")
	assert.Equal(t, 2, r.code, "--version goes before the command")
	assert.Contains(t, r.stderr, "okchat unread: unknown flag --version")
	r = runWith(t, nil, &failingWriter{}, nil, "--version")
	assert.Equal(t, 4, r.code)
}
