package apikey

import "hash/crc32"

// crcTables are the slicing-by-8 tables of CRC-32 with the IEEE polynomial,
// the checksum of hash/crc32.ChecksumIEEE, zlib and PNG. They are built once
// from the standard library's table and never written afterwards.
//
// The checksum is computed here rather than with hash/crc32 because the
// standard function takes a []byte through an indirect call: converting the
// key string makes it escape, costing an allocation and ~60 ns on every
// rejected key. This version works on the string directly in ~15 ns.
var crcTables = func() (t [8][256]uint32) {
	t[0] = *crc32.IEEETable
	for i := 0; i < 256; i++ {
		c := t[0][i]
		for j := 1; j < 8; j++ {
			c = t[0][c&0xff] ^ (c >> 8)
			t[j][i] = c
		}
	}
	return t
}()

// crc32String returns crc32.ChecksumIEEE([]byte(s)) without converting s.
func crc32String(s string) uint32 {
	crc := ^uint32(0)
	t := &crcTables
	for len(s) >= 8 {
		crc ^= uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
		crc = t[0][s[7]] ^ t[1][s[6]] ^ t[2][s[5]] ^ t[3][s[4]] ^
			t[4][crc>>24] ^ t[5][(crc>>16)&0xff] ^ t[6][(crc>>8)&0xff] ^ t[7][crc&0xff]
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		crc = t[0][byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}
