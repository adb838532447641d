package password

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// bcryptMaxPassword is the number of password bytes bcrypt reads: it
// silently ignores the rest.
const bcryptMaxPassword = 72

// bcryptHashLen is the length of "$2b$10$" + 22 salt + 31 hash characters.
const bcryptHashLen = 60

// parseBcrypt checks a modular-crypt bcrypt hash ($2a$, $2b$ or $2y$) before
// x/crypto sees it, and returns its cost.
func parseBcrypt(s string, maxCost int) (int, error) {
	if len(s) != bcryptHashLen {
		return 0, fmt.Errorf("%w: bcrypt hash must be %d bytes", ErrMalformedHash, bcryptHashLen)
	}
	if s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return 0, fmt.Errorf("%w: bad bcrypt layout", ErrMalformedHash)
	}
	switch s[2] {
	case 'a', 'b', 'y':
	default:
		// $2x$ marks hashes of the broken crypt_blowfish 8-bit handling;
		// $2$ is the original, pre-2a format.
		return 0, fmt.Errorf("%w: bcrypt variant $2%c$", ErrUnsupportedHash, s[2])
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return 0, fmt.Errorf("%w: bcrypt cost", ErrMalformedHash)
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return 0, fmt.Errorf("%w: bcrypt cost %d", ErrMalformedHash, cost)
	}
	if cost > maxCost {
		return 0, fmt.Errorf("%w: bcrypt cost %d above %d", ErrHashTooCostly, cost, maxCost)
	}
	for i := 7; i < len(s); i++ {
		if !isBcryptB64(s[i]) {
			return 0, fmt.Errorf("%w: bcrypt alphabet", ErrMalformedHash)
		}
	}
	return cost, nil
}

func isBcryptB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '/'
}

// isBcrypt reports whether s looks like a bcrypt hash rather than PHC.
func isBcrypt(s string) bool {
	return len(s) >= 4 && s[0] == '$' && s[1] == '2' && (s[2] == '$' || s[3] == '$')
}
