package jwtauth

// PrivateForTest returns a key's private part, for the tests' forgeries.
func PrivateForTest(k *Key) any { return k.signer }
