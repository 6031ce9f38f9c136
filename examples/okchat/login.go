package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// maxPassword bounds what --password-stdin reads.
const maxPassword = 4096

var loginCommand = command{
	name:     "login",
	short:    "log a member in; print its OKAYAPI_UUID and OKAYAPI_TOKEN",
	synopsis: "--username NAME (--password-stdin | --password PASSWORD) [--export]",
	about: `Log the member --username in (App.User.Login) and print its uuid and token as lines
a shell can source, so that the other commands act for it:

  $ eval "$(okchat login --username alice --password-stdin --export < password.txt)"
  $ okchat unread

The password comes from --password-stdin (the first line of stdin), --password, or else
the environment variable OKAYAPI_PASSWORD. Prefer --password-stdin or OKAYAPI_PASSWORD:
a password on the command line shows in the process list and the shell's history.

The token is a secret: it goes to stdout only. With --json: {"uuid": ..., "token": ...}.
Each login issues a new token; earlier ones stay valid until they expire.`,
	noMember: true,
	flags: func(fs *flag.FlagSet) func(*app) error {
		username := fs.String("username", "", "log in the member whose username is `NAME`")
		password := fs.String("password", "", "the member's `PASSWORD` (prefer --password-stdin or OKAYAPI_PASSWORD)")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
		export := fs.Bool("export", false, "begin each line with 'export ', so that commands run from the shell see the variables")
		return func(a *app) error {
			if err := requireFlag(fs, "username"); err != nil {
				return err
			}
			if a.json && *export {
				return &usageError{msg: "--export writes shell lines; --json writes JSON: give one of them"}
			}
			pw, err := loginPassword(fs, *password, *fromStdin, a)
			if err != nil {
				return err
			}
			return a.login(*username, pw, *export)
		}
	},
}

// loginPassword returns the password from --password, --password-stdin or
// OKAYAPI_PASSWORD. No error quotes it.
func loginPassword(fs *flag.FlagSet, flagged string, fromStdin bool, a *app) (string, error) {
	var pw string
	switch {
	case isSet(fs, "password") && fromStdin:
		return "", &usageError{msg: "give --password or --password-stdin, not both"}
	case isSet(fs, "password"):
		pw = flagged
	case fromStdin:
		var err error
		if pw, err = readPassword(a.stdin); err != nil {
			return "", err
		}
	default:
		pw = a.getenv("OKAYAPI_PASSWORD")
		if pw == "" {
			return "", &usageError{msg: "a password is required: --password-stdin, --password or OKAYAPI_PASSWORD"}
		}
	}
	if pw == "" {
		return "", &usageError{msg: "the password is empty"}
	}
	return pw, nil
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", &usageError{msg: "--password-stdin: there is no stdin"}
	}
	line, err := bufio.NewReader(io.LimitReader(r, maxPassword+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", &usageError{msg: "--password-stdin: reading stdin: " + err.Error()}
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if len(line) > maxPassword {
		return "", &usageError{msg: fmt.Sprintf("--password-stdin: the password is longer than %d bytes", maxPassword)}
	}
	return line, nil
}

func (a *app) login(username, password string, export bool) error {
	m, err := a.client.Login(a.ctx, username, password)
	if err != nil {
		return err // okayapi.Client.Login never shows the answer, which holds the token
	}
	if a.json {
		return a.printJSON(struct {
			UUID  string `json:"uuid"`
			Token string `json:"token"`
		}{m.UUID, m.Token()})
	}
	prefix := ""
	if export {
		prefix = "export "
	}
	_, err = fmt.Fprintf(a.out, "%sOKAYAPI_UUID=%s\n%sOKAYAPI_TOKEN=%s\n", prefix, shellQuote(m.UUID), prefix, shellQuote(m.Token()))
	return err
}

// shellQuote returns s as one word for a POSIX shell: as it is when it
// holds nothing the shell would read specially, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
