//go:build ignore

package sample

// Ignored is not counted: the file is not built.
func Ignored() {}
