package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportedNames(t *testing.T) {
	t.Parallel()
	names, err := exportedNames("testdata/sample")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"A", "B", "Gen", "Gen.Get", "Iface", "New", "Second", "Second.String",
		"T", "T.Method", "T.Pointer", "X", "Y",
	}, names)
}

func TestExportedNamesMissingDir(t *testing.T) {
	t.Parallel()
	_, err := exportedNames("testdata/absent")
	assert.Error(t, err)
}
