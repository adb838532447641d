//go:build race

package sanitize

// raceEnabled: under the race detector sync.Pool drops items at random,
// so allocation counts are not deterministic.
const raceEnabled = true
