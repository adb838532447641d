// Package jwtauth issues and verifies JSON Web Tokens (RFC 7519) for HTTP
// APIs, on top of github.com/golang-jwt/jwt/v5, with the checks that
// library leaves to its callers done by default (RFC 8725, the JWT BCP):
//
//   - Keys live in a KeySet, each bound to exactly one algorithm and named
//     by a "kid" in the JOSE header. One key signs; others verify until
//     retired, so keys rotate without invalidating live tokens. HMAC keys
//     shorter than their hash and RSA keys under 2048 bits are refused.
//     Keys load from PEM, JWK, files, the environment, or are generated,
//     and never print their secrets.
//   - The algorithm comes from the key, never from the token: "none" in
//     any letter case, or an RS256 public key used as an HS256 secret, is
//     an algorithm mismatch. A kid is required when the set holds several
//     keys and is only ever a map key. "jku", "x5u", "jwk" and "x5c"
//     headers are ignored; any "crit" header is refused. Tokens over
//     MaxTokenBytes are refused before decoding, and splitting a token
//     allocates nothing, whatever it holds.
//   - "exp" is required; "iss" and "aud" are checked when configured (and a
//     token naming an audience is refused when none is configured); nbf and
//     iat are honoured with a bounded leeway. Access tokens are typed
//     "at+jwt" (RFC 9068) and refresh tokens "rt+jwt" with their own
//     audience, so neither passes for the other.
//   - Issue returns an access token (15 minutes) and a refresh token (7
//     days), each with a "jti", sharing a session id ("sid"). Refresh
//     rotates the refresh token; replaying a used one revokes the whole
//     session (RFC 9700). Logout and RevokeSubject revoke through a Revoker.
//   - Cookie mode keeps tokens in HttpOnly, Secure, SameSite cookies (the
//     refresh cookie scoped to the refresh path) and requires the csrf
//     package's double-submit token, bound to the session, on unsafe
//     requests.
//   - Rejections follow RFC 6750: 401 with WWW-Authenticate: Bearer
//     error="invalid_token" and a problem code telling token_expired from
//     invalid_token (the signature is checked before the expiry), 401
//     without an error code for a missing token, 403 insufficient_scope.
//   - A KeySet publishes its public keys as a JWKS handler; a RemoteKeySet
//     verifies with another issuer's JWKS, refreshed in the background and,
//     rate-limited, on an unknown kid.
//
// Usage:
//
//	type AppClaims struct {
//		jwtauth.Claims
//		Role string `json:"role,omitempty"`
//	}
//
//	key, err := jwtauth.KeyFromEnv("JWT_SECRET", "", jwtauth.HS256)
//	keys, err := jwtauth.NewKeySet(key)
//	auth, err := jwtauth.New(jwtauth.Options[AppClaims]{
//		Keys:     keys,
//		Issuer:   "https://api.example.com",
//		Audience: []string{"https://api.example.com"},
//	})
//
//	// login handler, after checking the password:
//	pair, err := auth.Login(w, r, AppClaims{Claims: jwtauth.Claims{
//		RegisteredClaims: jwt.RegisteredClaims{Subject: user.ID}, Scope: "read write"},
//		Role: user.Role})
//	json.NewEncoder(w).Encode(pair)
//
//	mux.Handle("POST /auth/refresh", auth.RefreshHandler())
//	mux.Handle("POST /auth/logout", auth.LogoutHandler())
//	write, _ := auth.RequireScopes("write")
//	mux.Handle("POST /items", auth.Handler(write(items)))
//
//	// in a handler:
//	claims, _ := jwtauth.ClaimsFrom[AppClaims](r.Context())
//
// Place CORS handling outside the middleware: preflight requests carry no
// token. Every type here is safe for concurrent use.
package jwtauth
