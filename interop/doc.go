// Package interop holds tests that check Gatehouse against independent
// implementations and a real browser: tokens verified by another JOSE
// library, password hashes exchanged with another argon2id package, CORS
// decisions enforced by headless Chromium. It is a nested module so that
// the core module does not depend on any of them.
package interop
