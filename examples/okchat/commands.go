package main

import "flag"

// command is one okchat command: its flags and what it does once they are parsed.
type command struct {
	name     string
	short    string // what the command does, for the command list
	synopsis string // the usage line after "okchat NAME"
	about    string
	// noMember: the command acts for no member, so OKAYAPI_UUID and
	// OKAYAPI_TOKEN are not needed.
	noMember bool
	// sends: the command sends a message, so a failure says whether it may
	// have been delivered.
	sends bool
	// untilInterrupted: the command runs until interrupted (watch), so
	// --timeout bounds each HTTP attempt, not the whole command.
	untilInterrupted bool
	flags            func(fs *flag.FlagSet) func(a *app) error
}

// commands are okchat's commands, in the order the help lists them.
var commands = []command{
	sendCommand,
	multiSendCommand,
	historyCommand,
	readCommand,
	chatsCommand,
	unreadCommand,
	watchCommand,
	loginCommand,
}

func findCommand(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}
