//go:build race

package apikey_test

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts are checked only without it.
const raceEnabled = true
