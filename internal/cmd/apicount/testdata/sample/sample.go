// Package sample is a fixture for apicount's test.
package sample

// Counted: A, B; c is not.
const (
	A = iota
	B
	c
)

// Counted: X and Y, not z.
var X, Y, z = 1, 2, 3

// T is counted; its fields are not.
type T struct {
	Field int
	other int
}

// Method is counted as T.Method.
func (T) Method() {}

// Pointer is counted as T.Pointer.
func (*T) Pointer() {}

func (T) unexported() {}

// Iface is counted; its methods are not.
type Iface interface {
	Do()
}

// Gen is counted, and so are its methods.
type Gen[K comparable, V any] struct{}

// Get is counted as Gen.Get.
func (g *Gen[K, V]) Get() {}

type hidden struct{}

// Exported on an unexported type: not counted.
func (hidden) Exported() {}

// New is counted.
func New() *T { return nil }

func helper() {}

var _ = helper
