package sample

// InTest is not counted: test files are skipped.
func InTest() {}
