//go:build race

package headers

// raceEnabled: the race detector adds allocations of its own.
const raceEnabled = true
