package password

// SetKDFHook installs fn to be called before every key derivation of h.
func SetKDFHook(h *Hasher, fn func(alg Algorithm, p Params)) { h.kdfHook = fn }
