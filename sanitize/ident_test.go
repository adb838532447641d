package sanitize

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIdentifierKey(t *testing.T) {
	t.Parallel()
	same := []string{"Alice", "ＡＬＩＣＥ", "alice", "ALICE", "a\u200blice", "ａｌｉｃｅ", "Ａlice"}
	for _, s := range same {
		k, err := IdentifierKey(s)
		require.NoError(t, err, s)
		require.Equal(t, "alice", k, s)
	}
	tests := []struct{ name, a, b string }{
		{"German sharp s folds to ss", "Straße", "STRASSE"},
		{"the Kelvin sign folds to k", "\u212aevin", "kevin"},
		{"a ligature decomposes", "ﬁnn", "finn"},
		{"composed and decomposed forms agree", "José", "Jose\u0301"},
		{"Greek final sigma folds", "ΟΔΟΣ", "οδος"},
	}
	for _, tt := range tests {
		ka, err := IdentifierKey(tt.a)
		require.NoError(t, err, tt.name)
		kb, err := IdentifierKey(tt.b)
		require.NoError(t, err, tt.name)
		require.Equal(t, ka, kb, tt.name)
	}
	different, err := IdentifierKey("аlice") // Cyrillic а
	require.NoError(t, err)
	require.NotEqual(t, "alice", different, "the key does not map look-alikes across scripts")

	for _, bad := range []string{"", "\xff", "a\x00b", "a\nb", "\u200b\u200d"} {
		_, err := IdentifierKey(bad)
		require.ErrorIs(t, err, ErrInvalidIdentifier, "%q", bad)
	}
}

func TestValidUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, reason string
		policy           UsernamePolicy
	}{
		{"a simple name passes", "alice", "", UsernamePolicy{}},
		{"separators between letters pass", "alice.smith_2-x", "", UsernamePolicy{}},
		{"fullwidth letters pass (NFKC)", "ＡＬＩＣＥ", "", UsernamePolicy{}},
		{"a Chinese name passes", "张伟", "", UsernamePolicy{}},
		{"a Japanese name mixing kanji and kana passes", "山田たろう", "", UsernamePolicy{}},
		{"a Devanagari name with vowel signs passes", "अनिल", "", UsernamePolicy{}},
		{"an empty name is refused", "", "empty", UsernamePolicy{}},
		{"one letter is too short", "a", "too_short", UsernamePolicy{}},
		{"33 letters are too long", "abcdefghijabcdefghijabcdefghijabc", "too_long", UsernamePolicy{}},
		{"a space is refused", "alice smith", "invalid_character", UsernamePolicy{}},
		{"an apostrophe is refused", "o'brien", "invalid_character", UsernamePolicy{}},
		{"markup is refused", "<script>", "invalid_character", UsernamePolicy{}},
		{"a zero-width space is refused", "ad\u200bmin", "invalid_character", UsernamePolicy{}},
		{"a bidi override is refused", "admin\u202e", "invalid_character", UsernamePolicy{}},
		{"a leading separator is refused", ".alice", "separator_position", UsernamePolicy{}},
		{"a trailing separator is refused", "alice_", "separator_position", UsernamePolicy{}},
		{"two separators in a row are refused", "alice..smith", "separator_position", UsernamePolicy{}},
		{"Latin mixed with Cyrillic is refused", "pаypal", "mixed_scripts", UsernamePolicy{}},
		{"Latin mixed with Greek is refused", "alphaΒeta", "mixed_scripts", UsernamePolicy{}},
		{"a pile of combining marks is refused", "ze\u0301\u0300\u0302\u0303\u0304d", "invalid_character", UsernamePolicy{}},
		{"Arabic-Indic digits are refused", "ali٣", "invalid_character", UsernamePolicy{}},
		{"invalid UTF-8 is refused", "al\xffice", "invalid_utf8", UsernamePolicy{}},
		{"ASCII mode refuses other scripts", "zoë", "invalid_character", UsernamePolicy{ASCII: true}},
		{"ASCII mode accepts fullwidth Latin", "ｚｏｅ", "", UsernamePolicy{ASCII: true}},
		{"a reserved name is refused whatever its case or width", "ＡＤＭＩＮ", "reserved", UsernamePolicy{Reserved: []string{"admin"}}},
		{"custom lengths apply", "abcd", "too_short", UsernamePolicy{MinLength: 5}},
		{"custom separators apply", "alice+bob", "", UsernamePolicy{Separators: "+"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.policy.Check(tt.in)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidUsername)
			var ue *UsernameError
			require.True(t, errors.As(err, &ue))
			require.Equal(t, tt.reason, ue.Reason)
		})
	}
	require.NoError(t, ValidUsername("alice"))
}
