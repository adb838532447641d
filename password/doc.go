// Package password stores, checks and guards passwords: an Argon2id Hasher
// (that also verifies legacy bcrypt and Argon2i hashes for migration), a
// NIST SP 800-63B-4 Policy for new passwords, and a Tracker of failed
// logins that locks out guessing without letting anyone lock out everyone.
//
// Registration:
//
//	policy, _ := password.NewPolicy(password.PolicyOptions{})   // min 8 (15 if password-only), common list, ...
//	hasher, _ := password.NewHasher(password.HasherOptions{})   // argon2id m=19 MiB, t=2, p=1
//
//	res, err := policy.Check(ctx, req.Password, req.Username, req.Email)
//	if err != nil || !res.OK() {
//		password.WritePolicyError(w, res, err) // 400 weak_password with every failed rule
//		return
//	}
//	hash, err := hasher.Hash(ctx, req.Password) // "$argon2id$v=19$m=19456,t=2,p=1$..."
//
// Login:
//
//	tracker, _ := password.NewTracker(password.TrackerOptions{Audit: rec}) // 5 failures / 30 min
//
//	user, found := users.Find(req.Username)
//	err := tracker.Login(ctx, password.AttemptFrom(r, req.Username), func(ctx context.Context) error {
//		hash := ""           // unknown user: Verify does the same work and fails
//		if found {
//			hash = user.PasswordHash
//		}
//		return hasher.Verify(ctx, req.Password, hash)
//	})
//	if err != nil {
//		password.WriteLoginError(w, err) // 401 for wrong, unknown and locked alike; 429 for a locked client
//		return
//	}
//	if hasher.NeedsRehash(user.PasswordHash) { /* store hasher.Hash(ctx, req.Password) */ }
//
// Admin unlock: tracker.Reset(ctx, username).
//
// Passwords are normalized to NFKC before they are checked or hashed, and
// their length is counted in code points, as NIST SP 800-63B-4 §3.1.1.2
// recommends. Nothing in this package logs or returns a password.
package password
