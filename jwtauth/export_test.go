package jwtauth

// PrivateForTest returns a key's private part, for the tests' forgeries.
func PrivateForTest(k *Key) any { return k.signer }

// CacheLenForTest returns the number of cached tokens.
func CacheLenForTest[T any](a *Auth[T]) int {
	if a.cache == nil {
		return 0
	}
	return a.cache.len()
}
