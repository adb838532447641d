//go:build !unix

package password

import "time"

func cpuTime() time.Duration { return 0 }
