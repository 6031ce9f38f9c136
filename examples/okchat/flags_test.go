package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
