//go:build !race

package cassette

// raceDetector is whether the tests run under the race detector.
const raceDetector = false
