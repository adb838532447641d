package apikey_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
)

// FuzzParse checks that Parse never panics, accepts only keys of the
// documented shape, and that whatever it accepts is what Generate could
// have produced: the prefix is valid and the key rebuilds from its parts.
func FuzzParse(f *testing.F) {
	good, _ := apikey.Generate("gk_live")
	f.Add(good)
	f.Add(typo(good))
	f.Add("gk_live_0000000000000000000000000000000000000000000_000000")
	f.Add("a_" + strings.Repeat("Z", 43) + "_zzzzzz")
	f.Add(strings.Repeat("_", 60))
	f.Add("gk__" + strings.Repeat("0", 43) + "_000000")
	f.Add("")
	f.Fuzz(func(t *testing.T, key string) {
		prefix, err := apikey.Parse(key)
		if err != nil {
			if prefix != "" {
				t.Fatalf("prefix %q returned with error", prefix)
			}
			return
		}
		if apikey.ValidatePrefix(prefix) != nil {
			t.Fatalf("accepted invalid prefix %q", prefix)
		}
		if len(key) != len(prefix)+1+apikey.SecretLen+1+apikey.ChecksumLen || len(key) > apikey.MaxKeyLen {
			t.Fatalf("accepted key of length %d", len(key))
		}
		if !strings.HasPrefix(key, prefix+"_") {
			t.Fatalf("prefix %q is not the key's start", prefix)
		}
		rest := key[len(prefix)+1:]
		if strings.Count(rest, "_") != 1 || rest[apikey.SecretLen] != '_' {
			t.Fatalf("secret and checksum of %q are not split as documented", key)
		}
	})
}
