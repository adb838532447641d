package password

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

func newPolicy(t testing.TB, o PolicyOptions) *Policy {
	t.Helper()
	p, err := NewPolicy(o)
	require.NoError(t, err)
	return p
}

func codes(r Result) []string {
	var c []string
	for _, f := range r.Failures {
		c = append(c, f.Code)
	}
	return c
}

func TestPolicyRules(t *testing.T) {
	t.Parallel()
	p := newPolicy(t, PolicyOptions{Blocklist: []string{"Gatehouse"}})
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		password string
		inputs   []string
		want     []string // nil: accepted
	}{
		{"a long random passphrase is accepted", "correct horse battery staple", nil, nil},
		{"a mixed 12-character password is accepted", "Vq7#mLp2!xRz", nil, nil},
		{"exactly 8 characters is accepted", "kX9$vB2q", nil, nil},
		{"spaces and unicode are accepted", "ça marche très bien 🙂", nil, nil},
		{"an emoji ZWJ sequence is accepted", "family 👨\u200d👩\u200d👧 rocks", nil, nil},
		{"7 characters is too short", "kX9$vB2", nil, []string{CodeTooShort}},
		{"length counts code points not bytes", "ééééç€ñ", nil, []string{CodeTooShort}},
		{"length is counted after NFKC", "e\u0301e\u0301e\u0301x9Qz", nil, []string{CodeTooShort}},
		{"129 characters is too long", strings.Repeat("ab1!", 33)[:129], nil, []string{CodeTooLong}},
		{"a huge input is too long without normalizing", strings.Repeat("é", 1<<20), nil, []string{CodeTooLong}},
		{"a control character is refused", "abc\x00defghij", nil, []string{CodeInvalidCharacters}},
		{"invalid UTF-8 is refused", "abc\xffdefghij", nil, []string{CodeInvalidCharacters}},
		{"an unassigned code point is refused", "abcdefgh\U000E0080x", nil, []string{CodeInvalidCharacters}},
		{"password is common", "password", nil, []string{CodeCommon}},
		{"common passwords ignore case", "PassWord", nil, []string{CodeCommon}},
		{"iloveyou is common", "iloveyou", nil, []string{CodeCommon}},
		{"sunshine is common", "sunshine", nil, []string{CodeCommon}},
		{"trustno1 is common", "trustno1", nil, []string{CodeCommon}},
		{"l33t spelling of a common password is common", "p@ssw0rd", nil, []string{CodeCommon}},
		{"a common password with a year and a symbol is common", "Password2024!", nil, []string{CodeCommon}},
		{"a common word behind digits is common", "123dragon", nil, []string{CodeCommon}},
		{"a common word with a long random digit tail is not common", "dragon58204719", nil, nil},
		{"the service name is blocklisted", "gatehouse", nil, []string{CodeBlocklisted}},
		{"a password made mostly of the service name is blocklisted", "Gatehouse#42", nil, []string{CodeBlocklisted}},
		{"a long passphrase containing the service name is fine", "my gatehouse has a red door and a bell", nil, nil},
		{"the username itself is similar", "alice.wonder", []string{"alice.wonder"}, []string{CodeSimilarToUser}},
		{"the username with a digit is similar", "jsmith2024x", []string{"jsmith2024"}, []string{CodeSimilarToUser}},
		{"the username in capitals is similar", "JOHNSMITHY", []string{"johnsmith"}, []string{CodeSimilarToUser}},
		{"the email's local part is similar", "wonderland99", []string{"alice", "alice.wonderland@example.com"}, []string{CodeSimilarToUser}},
		{"a password inside the email is similar", "wonderland", []string{"alice.wonderland@example.com"}, []string{CodeSimilarToUser}},
		{"the username reversed is similar", "htimsnhoj!", []string{"johnsmith"}, []string{CodeSimilarToUser}},
		{"a short name inside a long passphrase is fine", "bob likes purple elephants", []string{"bob"}, nil},
		{"an unrelated password is fine", "Vq7#mLp2!xRz", []string{"alice", "alice@example.com"}, nil},
		{"all digits", "58204719", nil, []string{CodeAllDigits}},
		{"all full-width digits after NFKC", "５８２０４７１９", nil, []string{CodeAllDigits}},
		{"one repeated character", "aaaaaaaaaa", nil, []string{CodeRepeated}},
		{"a repeated chunk", "xq7!xq7!xq7!", nil, []string{CodeRepeated}},
		{"two runs of repeats", "zzzzzzz!!!!!!", nil, []string{CodeRepeated}},
		{"an alphabet sequence", "abcdefghij", nil, []string{CodeSequential}},
		{"a descending digit sequence", "98765432", nil, []string{CodeAllDigits, CodeSequential}},
		{"two sequences as in NIST's example", "1234abcd", nil, []string{CodeCommon, CodeSequential}},
		{"a keyboard row", "qwertyuiop", nil, []string{CodeCommon, CodeSequential}},
		{"a keyboard row with digits", "asdfghjk123", nil, []string{CodeCommon, CodeSequential}},
		{"a shifted keyboard row backwards", ")(*&^%$#@", nil, []string{CodeSequential}},
		{"three runs in twelve characters", "aaaa1111bbbb", nil, []string{CodeRepeated}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := p.Check(ctx, tc.password, tc.inputs...)
			require.NoError(t, err)
			require.Equal(t, tc.want, codes(r))
			require.Equal(t, tc.want == nil, r.OK())
			for _, f := range r.Failures {
				require.Equal(t, p.msg[f.Code], f, "messages are fixed texts, never the input")
			}
		})
	}
}

func TestPolicyListsEveryFailure(t *testing.T) {
	t.Parallel()
	p := newPolicy(t, PolicyOptions{Composition: Composition{Uppercase: 1, Lowercase: 1, Digits: 1, Symbols: 1}})
	r, err := p.Check(context.Background(), "123456")
	require.NoError(t, err)
	require.Equal(t, []string{CodeTooShort, CodeCommon, CodeAllDigits, CodeSequential,
		CodeMissingUppercase, CodeMissingLowercase, CodeMissingSymbol}, codes(r))
	err = r.Err()
	require.ErrorIs(t, err, ErrWeakPassword)
	var pe *PolicyError
	require.ErrorAs(t, err, &pe)
	require.Len(t, pe.Failures, 7)
	require.Equal(t, "password: password does not meet the policy: too_short, common, all_digits, sequential, missing_uppercase, missing_lowercase, missing_symbol", err.Error())
	require.True(t, r.Has(CodeCommon))
	require.False(t, r.Has(CodeBreached))
	require.Equal(t, "Use at least 8 characters.", r.Failures[0].Message)
}

func TestPolicyCompositionParity(t *testing.T) {
	t.Parallel()
	// Django's StrongPasswordValidator family: one of each class.
	p := newPolicy(t, PolicyOptions{Composition: Composition{Uppercase: 1, Lowercase: 1, Digits: 1, Symbols: 1}})
	ctx := context.Background()
	r, err := p.Check(ctx, "Vq7#mLp2!xRz")
	require.NoError(t, err)
	require.True(t, r.OK())
	r, err = p.Check(ctx, "vq7#mlp2!xrz")
	require.NoError(t, err)
	require.Equal(t, []string{CodeMissingUppercase}, codes(r))
	r, err = p.Check(ctx, "correct horse battery staple")
	require.NoError(t, err)
	require.Equal(t, []string{CodeMissingUppercase, CodeMissingDigit, CodeMissingSymbol}, codes(r),
		"composition rules reject strong passphrases; that is why NIST forbids them")
}

func TestNewPolicyRejectsWeakOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    PolicyOptions
	}{
		{"a minimum under 8 is rejected", PolicyOptions{MinLength: 6}},
		{"a maximum under 64 is rejected", PolicyOptions{MaxLength: 32}},
		{"a minimum above the maximum is rejected", PolicyOptions{MinLength: 100, MaxLength: 64}},
		{"a similarity above 1 is rejected", PolicyOptions{MaxSimilarity: 1.5}},
		{"a negative composition count is rejected", PolicyOptions{Composition: Composition{Digits: -1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewPolicy(tc.o)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "password: "))
		})
	}
	p := newPolicy(t, PolicyOptions{MinLength: 15})
	r, err := p.Check(context.Background(), "Vq7#mLp2!xRz")
	require.NoError(t, err)
	require.Equal(t, []string{CodeTooShort}, codes(r), "15 for single-factor use")
	require.Equal(t, "Use at least 15 characters.", r.Failures[0].Message)
}

func TestPolicyBreachChecker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var asked []string
	checker := BreachCheckerFunc(func(_ context.Context, pw string) (int, error) {
		asked = append(asked, pw)
		if pw == "Vq7#mLp2!xRz" {
			return 3, nil
		}
		return 0, nil
	})
	p := newPolicy(t, PolicyOptions{Breach: checker})
	r, err := p.Check(ctx, "Vq7#mLp2!xRz")
	require.NoError(t, err)
	require.Equal(t, []string{CodeBreached}, codes(r))
	r, err = p.Check(ctx, "password")
	require.NoError(t, err)
	require.Equal(t, []string{CodeCommon}, codes(r))
	require.Equal(t, []string{"Vq7#mLp2!xRz"}, asked, "the checker is not asked when a local rule already failed")

	rec := audit.NewMemory(10)
	failing := BreachCheckerFunc(func(context.Context, string) (int, error) { return 0, errors.New("down") })
	closed := newPolicy(t, PolicyOptions{Breach: failing, Audit: rec})
	_, err = closed.Check(ctx, "Vq7#mLp2!xRz")
	require.ErrorIs(t, err, ErrBreachCheck)
	open := newPolicy(t, PolicyOptions{Breach: failing, BreachFailOpen: true, Audit: rec})
	r, err = open.Check(ctx, "Vq7#mLp2!xRz")
	require.NoError(t, err)
	require.True(t, r.OK())
	require.True(t, r.BreachUnchecked)
	evs, err := rec.Query(ctx, audit.Filter{})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, audit.SysStoreError, evs[0].Type)
	require.Equal(t, audit.OutcomeAllowed, evs[0].Outcome)
	require.Equal(t, audit.OutcomeBlocked, evs[1].Outcome)
}

func TestCommonListIsTheZxcvbnList(t *testing.T) {
	t.Parallel()
	l, err := commonPasswords()
	require.NoError(t, err)
	require.Equal(t, 30000, l.len())
	for i := 1; i < l.len(); i++ {
		require.Less(t, l.at(i-1), l.at(i))
	}
	for _, w := range []string{"123456", "password", "qwerty", "dragon", "monkey", "letmein"} {
		require.True(t, l.contains(w), w)
	}
	require.False(t, l.contains("correct horse battery staple"))
	require.False(t, l.contains(""))
	_, err = loadWordList([]byte("not gzip"))
	require.Error(t, err)
}
