package apikey_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// FuzzHeaders sends arbitrary X-API-Key and Authorization values through
// the middleware: it never panics, never lets a request through without a
// stored key, and answers only 401 (the store holds one key, which the
// fuzzer cannot guess).
func FuzzHeaders(f *testing.F) {
	store := apikey.NewMemoryStore(apikey.MemoryOptions{})
	mgr, err := apikey.NewManager(apikey.ManagerOptions{Store: store})
	if err != nil {
		f.Fatal(err)
	}
	_, _, err = mgr.Create(context.Background(), apikey.CreateRequest{Owner: "o"})
	if err != nil {
		f.Fatal(err)
	}
	auth, err := apikey.New(apikey.Options{Store: store, Usage: apikey.UsageOptions{Disabled: true}})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := apikey.Generate("gk")
	f.Add(good, "Bearer "+good)
	f.Add("", "Bearer")
	f.Add("", "bearer   "+good)
	f.Add(good, "Basic abc")
	f.Add("\x00", "Bearer\t"+good)
	f.Fuzz(func(t *testing.T, xkey, authz string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if xkey != "" {
			r.Header["X-Api-Key"] = []string{xkey}
		}
		if authz != "" {
			r.Header["Authorization"] = []string{authz}
		}
		w := httptest.NewRecorder()
		auth.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Fatal("a request without the stored key got through")
		})).ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", w.Code)
		}
	})
}

// FuzzParseNetworks checks that accepted networks are normalized: masked,
// never IPv4-mapped, without zone.
func FuzzParseNetworks(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "::ffff:1.2.3.4", "::ffff:0:0/96", "fe80::1%eth0", "2001:db8::/129", " 1.2.3.4 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nets, err := apikey.ParseNetworks(s)
		if err != nil {
			return
		}
		for _, p := range nets {
			if p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("%q gave %s", s, p)
			}
		}
	})
}
