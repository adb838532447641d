package password

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-go/gatehouse/audit"
)

// Stable codes of the policy's rules, for clients to switch on.
const (
	CodeTooShort          = "too_short"          // fewer code points than MinLength
	CodeTooLong           = "too_long"           // more code points than MaxLength
	CodeInvalidCharacters = "invalid_characters" // control characters, unassigned code points or invalid UTF-8
	CodeCommon            = "common"             // in the embedded list of common passwords
	CodeBlocklisted       = "blocklisted"        // a context-specific word of PolicyOptions.Blocklist
	CodeSimilarToUser     = "similar_to_user"    // too similar to the username, email or another attribute
	CodeAllDigits         = "all_digits"         // nothing but digits
	CodeRepeated          = "repeated"           // repeated characters or a repeated chunk ("aaaaaaaa", "abcabcabc")
	CodeSequential        = "sequential"         // runs of sequences ("12345678", "abcd1234", "qwertyui")
	CodeMissingUppercase  = "missing_uppercase"  // composition rule (off by default)
	CodeMissingLowercase  = "missing_lowercase"  // composition rule (off by default)
	CodeMissingDigit      = "missing_digit"      // composition rule (off by default)
	CodeMissingSymbol     = "missing_symbol"     // composition rule (off by default)
	CodeBreached          = "breached"           // found by the breach checker
)

// Composition asks for minimum numbers of character classes. NIST SP
// 800-63B-4 says verifiers SHALL NOT impose such rules; they exist for
// parity with the composition validators (Django's "StrongPasswordValidator"
// family: one upper, one lower, one digit, one special) of systems being
// migrated. The zero value imposes none.
type Composition struct {
	Uppercase int // letters in upper or title case
	Lowercase int // letters in lower case
	Digits    int // decimal digits (any script)
	Symbols   int // punctuation and symbols
}

// PolicyOptions configures a Policy. The zero value follows NIST SP
// 800-63B-4 §3.1.1.2 for passwords used with a second factor.
type PolicyOptions struct {
	// MinLength is the least number of characters (Unicode code points
	// after NFKC normalization). Default 8, the NIST minimum when the
	// password is used with another factor; NIST requires 15 when the
	// password is the only factor. Values under 8 are rejected.
	MinLength int
	// MaxLength is the most characters accepted. Default 128; values
	// under 64 are rejected (NIST: permit at least 64).
	MaxLength int
	// Blocklist holds context-specific words, such as the service's
	// name: a password equal to one (ignoring case) or made mostly of one
	// is rejected with CodeBlocklisted.
	Blocklist []string
	// DisableCommonList turns off the embedded list of 30,000 common
	// passwords. Keep it on: NIST requires a blocklist check.
	DisableCommonList bool
	// MaxSimilarity is the similarity (1 - edit distance / length, 0 to 1)
	// to a user attribute or one of its words at or above which a password
	// is rejected. Default 0.7, as Django's UserAttributeSimilarityValidator.
	// A password containing an attribute word that makes up half of it, or
	// contained in an attribute, is rejected whatever the value.
	MaxSimilarity float64
	// Composition adds character-class rules; none by default (see
	// Composition).
	Composition Composition
	// Breach, when set, is asked about passwords that pass every other
	// rule (see HIBP).
	Breach BreachChecker
	// BreachMinCount is how many appearances in breaches reject a
	// password. Default 1.
	BreachMinCount int
	// BreachFailOpen makes Check skip the breach rule when the checker
	// fails (Result.BreachUnchecked is then true). Default false: Check
	// returns an error matching ErrBreachCheck. Either way an audit event
	// (sys_store_error) is recorded.
	BreachFailOpen bool
	// Audit receives a sys_store_error event when the breach checker
	// fails. Nil: no events.
	Audit audit.Recorder
}

// Failure is one broken rule: a stable code and a message a UI can show.
type Failure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Result is the outcome of a policy check: every rule the password breaks,
// in a fixed order.
type Result struct {
	Failures []Failure `json:"failures,omitempty"`
	// BreachUnchecked is true when the breach checker failed and the
	// policy fails open.
	BreachUnchecked bool `json:"breach_unchecked,omitempty"`
}

// OK reports whether the password passed every rule.
func (r Result) OK() bool { return len(r.Failures) == 0 }

// Has reports whether the rule with the given code failed.
func (r Result) Has(code string) bool {
	for _, f := range r.Failures {
		if f.Code == code {
			return true
		}
	}
	return false
}

// Err returns nil when the password passed, else a *PolicyError (matching
// ErrWeakPassword).
func (r Result) Err() error {
	if r.OK() {
		return nil
	}
	return &PolicyError{Failures: r.Failures}
}

// PolicyError lists the rules a password broke. It matches ErrWeakPassword.
type PolicyError struct {
	Failures []Failure
}

// Error implements error: the codes, never the password.
func (e *PolicyError) Error() string {
	var b strings.Builder
	b.WriteString("password: password does not meet the policy: ")
	for i, f := range e.Failures {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Code)
	}
	return b.String()
}

// Is reports whether target is ErrWeakPassword.
func (e *PolicyError) Is(target error) bool { return target == ErrWeakPassword }

// Policy checks new passwords (at registration and password change). It is
// safe for concurrent use.
type Policy struct {
	min, max    int
	blocklist   []string
	common      *wordList
	maxSim      float64
	comp        Composition
	breach      BreachChecker
	breachMin   int
	breachOpen  bool
	audit       audit.Recorder
	msg         map[string]Failure
	maxRawBytes int
}

// NewPolicy returns a Policy, or an error for options weaker than NIST's.
// It loads the embedded common-password list on first use.
func NewPolicy(o PolicyOptions) (*Policy, error) {
	if o.MinLength == 0 {
		o.MinLength = 8
	}
	if o.MaxLength == 0 {
		o.MaxLength = 128
	}
	if o.MaxSimilarity == 0 {
		o.MaxSimilarity = 0.7
	}
	if o.BreachMinCount == 0 {
		o.BreachMinCount = 1
	}
	switch {
	case o.MinLength < 8:
		return nil, errors.New("password: minimum length must be at least 8 (NIST SP 800-63B-4)")
	case o.MaxLength < 64:
		return nil, errors.New("password: maximum length must be at least 64 (NIST SP 800-63B-4)")
	case o.MinLength > o.MaxLength:
		return nil, errors.New("password: minimum length above maximum length")
	case o.MaxLength > 1024:
		return nil, errors.New("password: maximum length must be at most 1024")
	case o.MaxSimilarity < 0.1 || o.MaxSimilarity > 1:
		return nil, errors.New("password: max similarity must be between 0.1 and 1")
	case o.Composition.Uppercase < 0 || o.Composition.Lowercase < 0 || o.Composition.Digits < 0 || o.Composition.Symbols < 0:
		return nil, errors.New("password: composition counts must not be negative")
	case o.BreachMinCount < 0:
		return nil, errors.New("password: breach minimum count must not be negative")
	}
	p := &Policy{
		min: o.MinLength, max: o.MaxLength, maxSim: o.MaxSimilarity, comp: o.Composition,
		breach: o.Breach, breachMin: o.BreachMinCount, breachOpen: o.BreachFailOpen, audit: o.Audit,
		// NFKC can shrink a string (combining marks compose), so the raw
		// bound is loose; it only stops huge inputs before normalizing.
		maxRawBytes: 16 * o.MaxLength,
	}
	for _, w := range o.Blocklist {
		w = strings.ToLower(NormalizePassword(strings.TrimSpace(w)))
		if utf8.RuneCountInString(w) >= 3 {
			p.blocklist = append(p.blocklist, w)
		}
	}
	if !o.DisableCommonList {
		l, err := commonPasswords()
		if err != nil {
			return nil, err
		}
		p.common = l
	}
	p.msg = map[string]Failure{
		CodeTooShort:          {CodeTooShort, fmt.Sprintf("Use at least %d characters.", o.MinLength)},
		CodeTooLong:           {CodeTooLong, fmt.Sprintf("Use at most %d characters.", o.MaxLength)},
		CodeInvalidCharacters: {CodeInvalidCharacters, "Use only printable characters and spaces."},
		CodeCommon:            {CodeCommon, "This password is too common. Choose one that is harder to guess."},
		CodeBlocklisted:       {CodeBlocklisted, "This password contains a word that cannot be used here."},
		CodeSimilarToUser:     {CodeSimilarToUser, "This password is too similar to your personal information."},
		CodeAllDigits:         {CodeAllDigits, "This password is entirely numeric."},
		CodeRepeated:          {CodeRepeated, "Avoid repeated characters or chunks, like aaaa or abcabc."},
		CodeSequential:        {CodeSequential, "Avoid sequences like 1234, abcd or qwerty."},
		CodeMissingUppercase:  {CodeMissingUppercase, fmt.Sprintf("Use at least %d uppercase letter(s).", o.Composition.Uppercase)},
		CodeMissingLowercase:  {CodeMissingLowercase, fmt.Sprintf("Use at least %d lowercase letter(s).", o.Composition.Lowercase)},
		CodeMissingDigit:      {CodeMissingDigit, fmt.Sprintf("Use at least %d digit(s).", o.Composition.Digits)},
		CodeMissingSymbol:     {CodeMissingSymbol, fmt.Sprintf("Use at least %d symbol(s).", o.Composition.Symbols)},
		CodeBreached:          {CodeBreached, "This password has appeared in a data breach. Choose a different one."},
	}
	return p, nil
}

// Check applies the policy to a new password. userInputs are the user's
// attributes the password must not resemble: username, email, names.
//
// The password is NFKC-normalized (see NormalizePassword) and its length
// counted in code points. Every broken rule is listed. The breach checker,
// if any, is asked only when every other rule passes; its failure is an
// error matching ErrBreachCheck unless BreachFailOpen is set.
func (p *Policy) Check(ctx context.Context, password string, userInputs ...string) (Result, error) {
	var r Result
	if !utf8.ValidString(password) {
		r.Failures = append(r.Failures, p.msg[CodeInvalidCharacters])
		return r, nil
	}
	if len(password) > p.maxRawBytes {
		r.Failures = append(r.Failures, p.msg[CodeTooLong])
		return r, nil
	}
	pw := NormalizePassword(password)
	var buf [64]rune
	runes := buf[:0]
	for _, c := range pw {
		runes = append(runes, c)
	}
	n := len(runes)
	if n < p.min {
		r.Failures = append(r.Failures, p.msg[CodeTooShort])
	}
	if n > p.max {
		r.Failures = append(r.Failures, p.msg[CodeTooLong])
		return r, nil // the rules below would only be slower
	}
	for _, c := range runes {
		if !allowedRune(c) {
			r.Failures = append(r.Failures, p.msg[CodeInvalidCharacters])
			break
		}
	}
	lower := toLower(pw)
	lowerRunes := runes
	if lower != pw {
		var lbuf [64]rune
		lowerRunes = lbuf[:0]
		for _, c := range lower {
			lowerRunes = append(lowerRunes, c)
		}
	}
	if p.common != nil && isCommon(p.common, lower, lowerRunes) {
		r.Failures = append(r.Failures, p.msg[CodeCommon])
	}
	if p.blocklisted(lower, n) {
		r.Failures = append(r.Failures, p.msg[CodeBlocklisted])
	}
	if len(userInputs) > 0 && tooSimilar(lower, lowerRunes, userInputs, p.maxSim) {
		r.Failures = append(r.Failures, p.msg[CodeSimilarToUser])
	}
	if allDigits(runes) {
		r.Failures = append(r.Failures, p.msg[CodeAllDigits])
	}
	if code := patternCode(lowerRunes); code != "" {
		r.Failures = append(r.Failures, p.msg[code])
	}
	p.checkComposition(runes, &r)
	if !r.OK() || p.breach == nil {
		return r, nil
	}
	count, err := p.breach.Breached(ctx, pw)
	if err != nil {
		p.recordBreachError(ctx)
		if p.breachOpen {
			r.BreachUnchecked = true
			return r, nil
		}
		return r, fmt.Errorf("%w: %w", ErrBreachCheck, err)
	}
	if count >= p.breachMin {
		r.Failures = append(r.Failures, p.msg[CodeBreached])
	}
	return r, nil
}

func (p *Policy) blocklisted(lower string, n int) bool {
	for _, w := range p.blocklist {
		if lower == w || strings.Contains(lower, w) && 2*utf8.RuneCountInString(w) >= n {
			return true
		}
	}
	return false
}

func (p *Policy) checkComposition(runes []rune, r *Result) {
	c := p.comp
	if c == (Composition{}) {
		return
	}
	var up, low, dig, sym int
	for _, ch := range runes {
		switch {
		case unicode.IsUpper(ch) || unicode.IsTitle(ch):
			up++
		case unicode.IsLower(ch):
			low++
		case unicode.IsDigit(ch):
			dig++
		case unicode.IsPunct(ch) || unicode.IsSymbol(ch):
			sym++
		}
	}
	if up < c.Uppercase {
		r.Failures = append(r.Failures, p.msg[CodeMissingUppercase])
	}
	if low < c.Lowercase {
		r.Failures = append(r.Failures, p.msg[CodeMissingLowercase])
	}
	if dig < c.Digits {
		r.Failures = append(r.Failures, p.msg[CodeMissingDigit])
	}
	if sym < c.Symbols {
		r.Failures = append(r.Failures, p.msg[CodeMissingSymbol])
	}
}

func (p *Policy) recordBreachError(ctx context.Context) {
	if p.audit == nil {
		return
	}
	outcome := audit.OutcomeBlocked
	if p.breachOpen {
		outcome = audit.OutcomeAllowed
	}
	p.audit.Record(ctx, audit.Event{
		Time: time.Now(), Type: audit.SysStoreError, Severity: audit.SeverityCritical, Outcome: outcome,
		Source: "password", Description: "breach checker failed",
		Details: map[string]string{"reason": "breach_check_failed"},
	})
}

// allowedRune accepts every assigned printable code point and spaces:
// letters, marks, numbers, punctuation, symbols, separators, format
// characters (ZWJ in emoji sequences) and private use. It refuses control
// characters, surrogates and unassigned code points.
func allowedRune(r rune) bool {
	if r < 0x80 {
		return r >= 0x20 && r != 0x7f
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs, unicode.Cf, unicode.Co)
}

func allDigits(runes []rune) bool {
	if len(runes) == 0 {
		return false
	}
	for _, r := range runes {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// toLower lower-cases s, without allocating when it is lower-case ASCII.
func toLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
