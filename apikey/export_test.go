package apikey

import "time"

// Test hooks: the clocks of the types that read time.

func (a *Authenticator) SetNow(now func() time.Time) { a.now = now }
func (m *Manager) SetNow(now func() time.Time)       { m.now = now }
func (c *Cache) SetNow(now func() time.Time)         { c.now = now }

// CRC32 exposes the checksum function for comparison with hash/crc32.
func CRC32(s string) uint32 { return crc32String(s) }

// HashEqual exposes the constant-time hash comparison.
func HashEqual(a, b Hash) bool { return hashEqual(&a, &b) }
