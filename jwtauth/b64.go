package jwtauth

// Strict, allocation-free base64url (RFC 4648, section 5, unpadded) for
// token segments. The standard library decodes only from a []byte, which
// would cost a copy of each string segment; it also skips '\r' and '\n',
// which a compact JWS never contains.

const b64Invalid = 0xff

// b64Alphabet maps a byte to its 6-bit value, or b64Invalid.
var b64Alphabet = func() (t [256]byte) {
	for i := range t {
		t[i] = b64Invalid
	}
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = byte(i)
	}
	return t
}()

// b64DecodedLen returns the decoded size of an unpadded segment of n bytes,
// or -1 when no unpadded encoding has that length.
func b64DecodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + (n%4*6)/8
}

// b64Decode decodes the unpadded base64url segment s into dst, which must
// hold b64DecodedLen(len(s)) bytes. It refuses padding, characters outside
// the alphabet and non-zero trailing bits, so that every byte string has
// exactly one accepted encoding.
func b64Decode(dst []byte, s string) (int, bool) {
	n := b64DecodedLen(len(s))
	if n < 0 || len(dst) < n {
		return 0, false
	}
	di := 0
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a, b, c, d := b64Alphabet[s[i]], b64Alphabet[s[i+1]], b64Alphabet[s[i+2]], b64Alphabet[s[i+3]]
		if a|b|c|d == b64Invalid || (a|b|c|d)&0xc0 != 0 {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst[di], dst[di+1], dst[di+2] = byte(v>>16), byte(v>>8), byte(v)
		di += 3
	}
	switch len(s) - i {
	case 2:
		a, b := b64Alphabet[s[i]], b64Alphabet[s[i+1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return 0, false
		}
		dst[di] = a<<2 | b>>4
		di++
	case 3:
		a, b, c := b64Alphabet[s[i]], b64Alphabet[s[i+1]], b64Alphabet[s[i+2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return 0, false
		}
		v := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		dst[di], dst[di+1] = byte(v>>10), byte(v>>2)
		di += 2
	}
	return di, true
}
