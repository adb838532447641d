package password

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseHash feeds arbitrary stored hashes to the PHC and bcrypt parsers
// and to Verify: no panic, bounded results, and a parsed Argon2 hash
// re-encodes to exactly its input (the parser accepts only canonical
// strings).
func FuzzParseHash(f *testing.F) {
	for _, v := range referenceVectors {
		f.Add(v.encoded)
	}
	for _, s := range []string{
		"$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=0,t=0,p=0$$",
		"$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2y$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2$", "$", "", "$$$$$$", "pbkdf2_sha256$1$a$b",
	} {
		f.Add(s)
	}
	h, err := NewHasher(HasherOptions{Memory: 64, Time: 1, InsecureLowCost: true, MaxMemory: 256, MaxTime: 2, MaxParallelism: 2, MaxBcryptCost: 5})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		ph, err := parsePHC(s, h.lim)
		if err == nil {
			p := ph.params
			if p.Memory == 0 || p.Memory > 256 || p.Time == 0 || p.Time > 2 || p.Parallelism == 0 || p.Parallelism > 2 ||
				uint64(p.Memory) < 8*uint64(p.Parallelism) {
				t.Fatalf("parameters out of bounds: %+v", p)
			}
			if len(ph.salt) < minSaltLen || len(ph.salt) > maxSaltLen || len(ph.key) < minKeyLen || len(ph.key) > maxKeyLen {
				t.Fatalf("lengths out of bounds: %d %d", len(ph.salt), len(ph.key))
			}
			enc := encodePHC(p, ph.salt, ph.key)
			if ph.alg == Argon2i {
				enc = strings.Replace(enc, "$argon2id$", "$argon2i$", 1)
			}
			if enc != s {
				t.Fatalf("not canonical: %q re-encodes to %q", s, enc)
			}
		}
		if cost, err := parseBcrypt(s, h.bcryptMax); err == nil && (cost < 4 || cost > 5) {
			t.Fatalf("bcrypt cost %d out of bounds", cost)
		}
		err = h.Verify(ctx, "password", s)
		if err == nil && !strings.HasPrefix(s, "$") {
			t.Fatalf("verified a non-hash %q", s)
		}
		_ = h.NeedsRehash(s)
	})
}

// FuzzPolicyCheck: any input, no panic, codes listed once, OK iff none.
func FuzzPolicyCheck(f *testing.F) {
	for _, s := range []string{"password", "correct horse battery staple", "aaaaaaaa", "1234abcd", "p@ssw0rd!!",
		"ééééç€ñ", "abc\x00def", "\xff\xfe", "ａｌｉｃｅ", strings.Repeat("ab", 100)} {
		f.Add(s, "alice.smith@example.com")
	}
	p, err := NewPolicy(PolicyOptions{Blocklist: []string{"gatehouse"}, Composition: Composition{Digits: 1}})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, pw, attr string) {
		r, err := p.Check(ctx, pw, attr, "bob")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, fl := range r.Failures {
			if seen[fl.Code] {
				t.Fatalf("code %s twice", fl.Code)
			}
			seen[fl.Code] = true
			if p.msg[fl.Code] != fl {
				t.Fatalf("unknown failure %+v", fl)
			}
		}
		if r.OK() != (len(r.Failures) == 0) {
			t.Fatal("OK disagrees with Failures")
		}
		if utf8.ValidString(pw) && utf8.RuneCountInString(NormalizePassword(pw)) < 8 && !r.Has(CodeTooShort) && !r.Has(CodeTooLong) {
			t.Fatalf("%q is short but passed the length rule", pw)
		}
	})
}

// FuzzNormalizeUsername: bounded, idempotent (a normalized username passed
// again counts as the same user), blank only for blank input.
func FuzzNormalizeUsername(f *testing.F) {
	for _, s := range []string{"alice", " ALICE ", "ａｌｉｃｅ", "\u3000bob", "İstanbul", "ß", "ﬃ", strings.Repeat("x", 300), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeUsername(s)
		if len(n) > maxUsernameKey && !strings.HasPrefix(n, "sha256:") {
			t.Fatalf("unbounded key of %d bytes", len(n))
		}
		if again := NormalizeUsername(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
		if n == "" && strings.TrimSpace(s) != "" && utf8.ValidString(s) && strings.TrimSpace(NormalizePassword(s)) != "" {
			t.Fatalf("%q normalized to empty", s)
		}
	})
}

// FuzzParseRange: any HIBP response body, no panic, a count only for the
// asked suffix.
func FuzzParseRange(f *testing.F) {
	suffix := strings.Repeat("A", 35)
	f.Add(suffix + ":3\r\n" + strings.Repeat("B", 35) + ":0\r\n")
	f.Add("garbage")
	f.Add(strings.ToLower(suffix) + ":12\n\n")
	f.Fuzz(func(t *testing.T, body string) {
		n, err := parseRange(strings.NewReader(body), suffix, 4096)
		if err != nil {
			return
		}
		if n < 0 || n > 0 && !strings.Contains(strings.ToUpper(body), suffix) {
			t.Fatalf("count %d for a body without the suffix", n)
		}
	})
}
