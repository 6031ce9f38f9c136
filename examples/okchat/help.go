package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// mainUsage returns okchat's help, with the list of commands.
func mainUsage() string {
	var cmds table
	for _, c := range commands {
		cmds.row("  "+c.name, c.short)
	}
	cmds.row("  help", "show help for a command: okchat help COMMAND")
	var list strings.Builder
	_ = cmds.print(&list) // a strings.Builder
	return `okchat: OkayAPI's private-message plugin from the shell.

Usage:
  okchat [--json] [--timeout DURATION] [--record DIR] COMMAND [flags]

Commands:
` + list.String() + `
Flags (before or after COMMAND):
  --json              print one JSON document with the API's field names
  --timeout DURATION  give up after DURATION, e.g. 5s or 1m (default 15s): bounds each
                      HTTP attempt and the whole command, retries included
  --record DIR        write every exchange into the cassette in DIR, secrets replaced
                      by placeholders (see okayapi/okayapitest/cassette)
  --version           print okchat's version (before COMMAND only)

Environment:
  OKAYAPI_HOST         the app's base URL, e.g. https://hn216.api.yesapi.cn (required)
  OKAYAPI_APP_KEY      the app key (required)
  OKAYAPI_APP_SECRET   the app secret, for the dynamic signature
  OKAYAPI_STATIC_SIGN  the sign value, for an app set to a static signature
                       (neither of the two: calls are unsigned)
  OKAYAPI_UUID         the acting member's uuid (required, except for login)
  OKAYAPI_TOKEN        the acting member's token (required, except for login):
                       eval "$(okchat login --username NAME --password-stdin)" sets both
  OKAYAPI_PASSWORD     the password for login, if neither --password nor --password-stdin

Exit status:
  0  success (for multisend: every recipient got the message; for watch: interrupted
     by Ctrl-C or SIGTERM)
  1  the service or the plugin answered an error (for login: e.g. a wrong password;
     for multisend: it refused some recipients, and no outcome is unknown; with
     --exactly-once: the answers were lost and every check found the message not there)
  2  bad usage or invalid input: nothing was sent
  3  no usable answer (network, HTTP, not JSON, a redirect, nothing within
     --timeout); for send and multisend, stderr says whether the message
     may have been delivered (for multisend: to which recipients); with
     --exactly-once, only when the checks failed too: stderr gives the --resume KEY
  4  the call succeeded (for send and multisend: the message WAS delivered;
     do not send it again) but the output, or the --record cassette, could not
     be written (a --record DIR that cannot be written is found before
     anything is sent: 2)

Run 'okchat help COMMAND' or 'okchat COMMAND --help' for a command's flags.
`
}

// commandUsage returns a command's help.
func commandUsage(cmd *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: okchat [--json] [--timeout DURATION] [--record DIR] %s %s\n\n%s\n\nFlags:\n", cmd.name, cmd.synopsis, cmd.about)
	fs := flag.NewFlagSet("okchat "+cmd.name, flag.ContinueOnError)
	g := globalFlags{timeout: defaultTimeout}
	g.add(fs)
	cmd.flags(fs)
	printFlags(&b, fs)
	if cmd.noMember {
		b.WriteString("\nThe app comes from OKAYAPI_* environment variables: see 'okchat --help'.\n")
	} else {
		b.WriteString("\nThe app and the acting member come from OKAYAPI_* environment variables: see 'okchat --help'.\n")
	}
	return b.String()
}

// printFlags lists fs's flags as the synopses write them, --name ARG, in a
// table: the flag and its argument, then what it does and any default
// that is not the zero value.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var t table
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if arg == "int" { // a number flag whose usage names no argument
			arg = "N"
		}
		name := "  --" + f.Name
		if arg != "" {
			name += " " + arg
		}
		switch f.DefValue {
		case "", "0", "false":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		t.row(name, usage)
	})
	_ = t.print(w) // w is a strings.Builder
}

// printHelp writes help (or the version) to stdout.
func printHelp(sys system, help string) int {
	if _, err := io.WriteString(sys.stdout, help); err != nil {
		fmt.Fprintf(sys.stderr, "okchat: the help could not be written: %v\n", err)
		return exitOutput
	}
	return exitOK
}
