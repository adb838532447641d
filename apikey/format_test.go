package apikey_test

import (
	"hash/crc32"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

func TestGeneratedKeysHaveTheDocumentedFormat(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^gk_live_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$`)
	seen := map[string]bool{}
	for range 200 {
		k, err := apikey.Generate("gk_live")
		require.NoError(t, err)
		require.Regexp(t, re, k)
		require.False(t, seen[k], "keys are random")
		seen[k] = true
		prefix, err := apikey.Parse(k)
		require.NoError(t, err)
		require.Equal(t, "gk_live", prefix)
	}
}

func TestTheChecksumIsCRC32OfPrefixAndSecretInBase62(t *testing.T) {
	t.Parallel()
	k, err := apikey.Generate("acme_prod")
	require.NoError(t, err)
	cut := strings.LastIndexByte(k, '_')
	sum := crc32.ChecksumIEEE([]byte(k[:cut]))
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [6]byte
	v := uint64(sum)
	for i := 5; i >= 0; i-- {
		b[i] = digits[v%62]
		v /= 62
	}
	require.Equal(t, string(b[:]), k[cut+1:], "a scanner can verify keys with any CRC-32 implementation")
}

func TestOwnCRC32MatchesTheStandardLibrary(t *testing.T) {
	t.Parallel()
	inputs := []string{"", "a", "1234567", "12345678", "123456789", strings.Repeat("xyz", 40)}
	for i := range 300 {
		inputs = append(inputs, strings.Repeat("\xff", i%17)+strings.Repeat("k", i))
	}
	for _, s := range inputs {
		require.Equal(t, crc32.ChecksumIEEE([]byte(s)), apikey.CRC32(s), "input %q", s)
	}
}

func TestSecretsUseTheWholeBase62Alphabet(t *testing.T) {
	t.Parallel()
	counts := map[rune]int{}
	for range 400 {
		k, err := apikey.Generate("gk")
		require.NoError(t, err)
		for _, c := range k[3 : 3+apikey.SecretLen] {
			counts[c]++
		}
	}
	require.Len(t, counts, 62)
	// 17200 draws over 62 symbols: about 277 each. A biased generator
	// (byte % 62 without rejection) would favour the first 8 symbols by
	// ~25 %; this checks a loose band only, so it does not flake.
	for c, n := range counts {
		require.Greater(t, n, 180, "symbol %q", c)
		require.Less(t, n, 380, "symbol %q", c)
	}
}

func TestPrefixValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix string
		ok     bool
	}{
		{"a single segment is valid", "gk", true},
		{"segments joined by underscores are valid", "gk_live", true},
		{"digits after the first letter are valid", "acme2_v1_test", true},
		{"a prefix of 32 bytes is valid", strings.Repeat("a", 32), true},
		{"an empty prefix is invalid", "", false},
		{"a leading digit is invalid", "1gk", false},
		{"a leading underscore is invalid", "_gk", false},
		{"a trailing underscore is invalid", "gk_", false},
		{"a doubled underscore is invalid", "gk__live", false},
		{"uppercase is invalid", "GK_live", false},
		{"a hyphen is invalid", "gk-live", false},
		{"a prefix of 33 bytes is invalid", strings.Repeat("a", 33), false},
		{"non-ASCII letters are invalid", "gké", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := apikey.ValidatePrefix(tc.prefix)
			if tc.ok {
				require.NoError(t, err)
				_, err := apikey.Generate(tc.prefix)
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				_, err := apikey.Generate(tc.prefix)
				require.Error(t, err)
			}
		})
	}
}

func TestParseRejectsMalformedKeys(t *testing.T) {
	t.Parallel()
	good, err := apikey.Generate("gk_live")
	require.NoError(t, err)
	n := len(good)
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	for _, tc := range []struct{ name, key string }{
		{"an empty string", ""},
		{"a truncated key", good[:n-1]},
		{"a key with a character appended", good + "a"},
		{"a mistyped secret character", flip(n - 20)},
		{"a mistyped checksum character", flip(n - 1)},
		{"a changed prefix", "gk_test" + good[7:]},
		{"a prefix with a doubled underscore", "gk__live" + good[7:]},
		{"no prefix", good[7:]},
		{"a non-base62 character in the secret", good[:n-20] + "-" + good[n-19:]},
		{"an underscore moved into the secret", good[:n-51] + "x" + good[n-50:]},
		{"a missing checksum separator", good[:n-7] + "a" + good[n-6:]},
		{"a NUL byte", good[:10] + "\x00" + good[11:]},
		{"a key far too long", strings.Repeat("a", 10000)},
		{"surrounding whitespace", " " + good},
		{"only separators", strings.Repeat("_", n)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apikey.Parse(tc.key)
			require.ErrorIs(t, err, apikey.ErrMalformed)
			require.ErrorIs(t, err, apikey.ErrUnauthorized)
		})
	}
}

func TestParseSplitsFromTheRightWhenThePrefixHasUnderscores(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"a", "gk_live", "a_b_c_d_e", "x1_2_3"} {
		k, err := apikey.Generate(p)
		require.NoError(t, err)
		got, err := apikey.Parse(k)
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
}

func TestScanPatternsFindKeysInText(t *testing.T) {
	t.Parallel()
	live, err := apikey.Generate("gk_live")
	require.NoError(t, err)
	other, err := apikey.Generate("other")
	require.NoError(t, err)
	text := "config:\n  API_KEY=" + live + "\n  token: \"" + other + "\"\n  nope: gk_live_short_abcdef\n"

	any := regexp.MustCompile(apikey.ScanPattern)
	require.Equal(t, []string{live, other}, any.FindAllString(text, -1))
	for _, m := range any.FindAllString(text, -1) {
		_, err := apikey.Parse(m)
		require.NoError(t, err, "every match of a real key passes the checksum")
	}

	pat, err := apikey.PrefixPattern("gk_live", "gk_test")
	require.NoError(t, err)
	require.Equal(t, []string{live}, regexp.MustCompile(pat).FindAllString(text, -1))

	_, err = apikey.PrefixPattern("Bad")
	require.Error(t, err)
	_, err = apikey.PrefixPattern()
	require.Error(t, err)
}

func TestParseAllocatesNothing(t *testing.T) {
	good, err := apikey.Generate("gk_live")
	require.NoError(t, err)
	bad := typo(good)
	require.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = apikey.Parse(good)
		_, _ = apikey.Parse(bad)
	}))
}
