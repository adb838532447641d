package csrf

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/stretchr/testify/require"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func newTestTokens(t *testing.T, opts TokenOptions) *Tokens {
	t.Helper()
	if opts.Key == nil {
		opts.Key = testKey
	}
	tk, err := NewTokens(opts)
	require.NoError(t, err)
	return tk
}

// issue returns a token for session and the Set-Cookie it produced.
func issue(t *testing.T, tk *Tokens, session string) (string, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	tok, err := tk.Issue(rec, session)
	require.NoError(t, err)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	return tok, cookies[0]
}

func TestNewTokensValidatesOptions(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte{1, 2}, 16)
	cases := []struct {
		name string
		opts TokenOptions
		ok   bool
	}{
		{"a 32-byte key with defaults is accepted", TokenOptions{Key: testKey}, true},
		{"a missing key is rejected", TokenOptions{}, false},
		{"a 31-byte key is rejected", TokenOptions{Key: testKey[:31]}, false},
		{"a key of one repeated byte is rejected", TokenOptions{Key: bytes.Repeat([]byte{7}, 32)}, false},
		{"a short previous key is rejected", TokenOptions{Key: testKey, PreviousKeys: [][]byte{[]byte("short")}}, false},
		{"a good previous key is accepted", TokenOptions{Key: testKey, PreviousKeys: [][]byte{long}}, true},
		{"an insecure cookie gets the plain default name", TokenOptions{Key: testKey, InsecureCookie: true}, true},
		{"a __Host- name with an insecure cookie is rejected", TokenOptions{Key: testKey, InsecureCookie: true, CookieName: "__Host-x"}, false},
		{"a __Secure- name with an insecure cookie is rejected", TokenOptions{Key: testKey, InsecureCookie: true, CookieName: "__Secure-x"}, false},
		{"a cookie name with a separator is rejected", TokenOptions{Key: testKey, CookieName: "a;b"}, false},
		{"a header name with a space is rejected", TokenOptions{Key: testKey, HeaderName: "X CSRF"}, false},
		{"SameSite=None with an insecure cookie is rejected", TokenOptions{Key: testKey, InsecureCookie: true, SameSite: http.SameSiteNoneMode}, false},
		{"SameSite=Strict is accepted", TokenOptions{Key: testKey, SameSite: http.SameSiteStrictMode}, true},
		{"an unknown SameSite value is rejected", TokenOptions{Key: testKey, SameSite: 9}, false},
		{"a negative max age is rejected", TokenOptions{Key: testKey, MaxAge: -time.Second}, false},
		{"a sub-second max age is rejected", TokenOptions{Key: testKey, MaxAge: time.Millisecond}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tk, err := NewTokens(tc.opts)
			if tc.ok {
				require.NoError(t, err)
				require.NotNil(t, tk)
				return
			}
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "csrf: "), err.Error())
		})
	}
}

func TestNewTokensCopiesTheKey(t *testing.T) {
	t.Parallel()
	key := append([]byte(nil), testKey...)
	tk := newTestTokens(t, TokenOptions{Key: key})
	tok, c := issue(t, tk, "s")
	key[0] ^= 0xff
	require.NoError(t, tk.Verify(tokenRequest(tok, c.Value), "s"))
}

func TestIssueSetsAHardenedReadableCookie(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{})
	require.Equal(t, "__Host-csrf", tk.CookieName())
	require.Equal(t, "X-Csrf-Token", tk.HeaderName())

	rec := httptest.NewRecorder()
	tok, err := tk.Issue(rec, "session-1")
	require.NoError(t, err)
	require.Len(t, tok, tokenLen)
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	require.NoError(t, err)
	require.Len(t, raw, rawTokenLen)

	sc := rec.Header().Get("Set-Cookie")
	require.Contains(t, sc, "__Host-csrf="+tok)
	require.Contains(t, sc, "Path=/")
	require.Contains(t, sc, "Max-Age=43200")
	require.Contains(t, sc, "Secure")
	require.Contains(t, sc, "SameSite=Lax")
	require.NotContains(t, sc, "HttpOnly", "the page's script must be able to read the token")
	require.NotContains(t, sc, "Domain", "__Host- cookies carry no Domain")

	tok2, _ := issue(t, tk, "session-1")
	require.NotEqual(t, tok, tok2, "each token has a fresh random nonce")
}

func TestInsecureCookieForLocalDevelopment(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{InsecureCookie: true, SameSite: http.SameSiteStrictMode, MaxAge: time.Hour})
	_, c := issue(t, tk, "s")
	require.Equal(t, "csrf", c.Name)
	require.False(t, c.Secure)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.Equal(t, 3600, c.MaxAge)
}

func TestClearExpiresTheCookie(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{})
	rec := httptest.NewRecorder()
	tk.Clear(rec)
	cookies := rec.Result().Cookies()
	require.Len(t, cookies, 1)
	require.Equal(t, "__Host-csrf", cookies[0].Name)
	require.Empty(t, cookies[0].Value)
	require.Negative(t, cookies[0].MaxAge)
	require.True(t, cookies[0].Secure, "a __Host- cookie can only be replaced by a Secure one")
	require.Equal(t, "/", cookies[0].Path)
}

func tokenRequest(header string, cookies ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://app.example/api", nil)
	if header != "" {
		r.Header.Set("X-CSRF-Token", header)
	}
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: "__Host-csrf", Value: c})
	}
	return r
}

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	tk := newTestTokens(t, TokenOptions{Now: clock, MaxAge: time.Hour})
	tok, _ := issue(t, tk, "alice")
	bobTok, _ := issue(t, tk, "bob")

	otherKey := newTestTokens(t, TokenOptions{Key: bytes.Repeat([]byte{1, 2}, 16), Now: clock})
	forged, _ := issue(t, otherKey, "alice")

	past := newTestTokens(t, TokenOptions{Now: func() time.Time { return now.Add(-2 * time.Hour) }, MaxAge: time.Hour})
	expired, _ := issue(t, past, "alice")

	raw, err := base64.RawURLEncoding.DecodeString(tok)
	require.NoError(t, err)
	raw[5] ^= 1 // flips a nonce bit
	tampered := base64.RawURLEncoding.EncodeToString(raw)

	cases := []struct {
		name    string
		r       *http.Request
		session string
		want    error
	}{
		{"matching header and cookie for the session pass", tokenRequest(tok, tok), "alice", nil},
		{"a missing header is refused", tokenRequest("", tok), "alice", ErrTokenMissing},
		{"a missing cookie is refused", tokenRequest(tok), "alice", ErrTokenMissing},
		{"a header that differs from the cookie is refused", tokenRequest(tok, bobTok), "alice", ErrTokenMismatch},
		{"a token bound to another session is refused", tokenRequest(bobTok, bobTok), "alice", ErrTokenInvalid},
		{"a token signed with another key is refused", tokenRequest(forged, forged), "alice", ErrTokenInvalid},
		{"an expired token is refused", tokenRequest(expired, expired), "alice", ErrTokenExpired},
		{"a tampered token is refused", tokenRequest(tampered, tampered), "alice", ErrTokenInvalid},
		{"garbage in both places is refused", tokenRequest("x", "x"), "alice", ErrTokenInvalid},
		{"a planted cookie beside the real one does not hide it", tokenRequest(tok, bobTok, tok), "alice", nil},
		{"the empty session is a session of its own", tokenRequest(tok, tok), "", ErrTokenInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tk.Verify(tc.r, tc.session)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.ErrorIs(t, err, ErrCSRF)
			require.NotContains(t, err.Error(), tok, "errors never carry the token")
		})
	}
}

func TestVerifyRefusesTwoHeaderValues(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{})
	tok, _ := issue(t, tk, "s")
	r := tokenRequest(tok, tok)
	r.Header.Add("X-CSRF-Token", tok)
	require.ErrorIs(t, tk.Verify(r, "s"), ErrTokenInvalid)
}

func TestKeyRotationAcceptsPreviousKeys(t *testing.T) {
	t.Parallel()
	oldKey := bytes.Repeat([]byte{1, 2}, 16)
	old := newTestTokens(t, TokenOptions{Key: oldKey})
	tok, _ := issue(t, old, "s")

	rotated := newTestTokens(t, TokenOptions{Key: testKey, PreviousKeys: [][]byte{oldKey}})
	require.NoError(t, rotated.Verify(tokenRequest(tok, tok), "s"), "tokens signed with a previous key still verify")
	fresh, _ := issue(t, rotated, "s")
	require.ErrorIs(t, old.Verify(tokenRequest(fresh, fresh), "s"), ErrTokenInvalid, "new tokens are signed with the new key")
}

func TestVerifyRecordsAnAuditEventWithoutTheToken(t *testing.T) {
	t.Parallel()
	mem := audit.NewMemory(10)
	tk := newTestTokens(t, TokenOptions{Audit: mem})
	tok, _ := issue(t, tk, "alice")
	require.NoError(t, tk.Verify(tokenRequest(tok, tok), "alice"))
	require.Zero(t, mem.Len(), "a successful check records nothing")

	require.Error(t, tk.Verify(tokenRequest(tok, tok), "mallory"))
	events := mem.Events()
	require.Len(t, events, 1)
	e := events[0]
	require.Equal(t, audit.MaliciousCSRF, e.Type)
	require.Equal(t, audit.OutcomeBlocked, e.Outcome)
	require.Equal(t, "csrf", e.Source)
	require.Equal(t, "token_invalid", e.Details["reason"])
	b, err := json.Marshal(e)
	require.NoError(t, err)
	require.NotContains(t, string(b), tok)
}

func TestTokensHandler(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, TokenOptions{SessionID: func(r *http.Request) string { return r.Header.Get("X-Session") }})
	tok, _ := issue(t, tk, "alice")
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := tk.Handler(ok)

	cases := []struct {
		name   string
		method string
		header string
		cookie string
		want   int
	}{
		{"a safe GET passes without a token", http.MethodGet, "", "", http.StatusNoContent},
		{"a HEAD passes without a token", http.MethodHead, "", "", http.StatusNoContent},
		{"an OPTIONS passes without a token", http.MethodOptions, "", "", http.StatusNoContent},
		{"a POST with a valid token passes", http.MethodPost, tok, tok, http.StatusNoContent},
		{"a POST without a token is forbidden", http.MethodPost, "", "", http.StatusForbidden},
		{"a DELETE with a mismatched token is forbidden", http.MethodDelete, tok, "other", http.StatusForbidden},
		{"a lowercase get is not a safe method", "get", "", "", http.StatusForbidden},
		{"a TRACE is checked", http.MethodTrace, "", "", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, "https://app.example/", nil)
			r.Header.Set("X-Session", "alice")
			if tc.header != "" {
				r.Header.Set("X-CSRF-Token", tc.header)
			}
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "__Host-csrf", Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, tc.want, rec.Code)
			if tc.want == http.StatusForbidden {
				require.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
				var body map[string]any
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				require.Equal(t, "csrf_failed", body["code"])
				require.NotContains(t, rec.Body.String(), tok)
			}
		})
	}
}

func TestTokensHandlerCustomErrorHandler(t *testing.T) {
	t.Parallel()
	var got error
	tk := newTestTokens(t, TokenOptions{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	rec := httptest.NewRecorder()
	tk.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	require.Equal(t, http.StatusTeapot, rec.Code)
	require.True(t, errors.Is(got, ErrTokenMissing))
}

func TestReason(t *testing.T) {
	t.Parallel()
	require.Equal(t, "token_mismatch", Reason(ErrTokenMismatch))
	require.Equal(t, "csrf_failed", Reason(ErrCSRF))
	require.Equal(t, "", Reason(errors.New("other")))
	require.Equal(t, "", Reason(nil))
}

func TestIsSafeMethod(t *testing.T) {
	t.Parallel()
	for m, want := range map[string]bool{
		"GET": true, "HEAD": true, "OPTIONS": true,
		"POST": false, "PUT": false, "PATCH": false, "DELETE": false, "TRACE": false, "CONNECT": false,
		"get": false, "": false, "PROPFIND": false,
	} {
		require.Equal(t, want, IsSafeMethod(m), m)
	}
}

// mint builds a token with a fixed nonce, for deterministic fuzz seeds.
func mint(key []byte, nonce byte, exp time.Time, session string) string {
	var raw [rawTokenLen]byte
	raw[0] = tokenVersion
	for i := 1; i <= nonceLen; i++ {
		raw[i] = nonce
	}
	binary.BigEndian.PutUint64(raw[1+nonceLen:payloadLen], uint64(exp.Unix()))
	sign(raw[payloadLen:payloadLen], key, raw[:payloadLen], session)
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func FuzzTokenCheck(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	tk, err := NewTokens(TokenOptions{Key: testKey, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	good := mint(testKey, 7, now.Add(time.Hour), "s")
	f.Add(good, "s")
	f.Add(good, "")
	f.Add(mint(testKey, 7, now.Add(-time.Hour), "s"), "s")
	f.Add("", "s")
	f.Add(strings.Repeat("A", tokenLen), "s")
	f.Add(good[:tokenLen-1]+"=", "s")
	f.Fuzz(func(t *testing.T, tok, session string) {
		err := tk.check(tok, session)
		if err == nil {
			// Only the one genuine, unexpired token for session "s" can pass.
			if tok != good || session != "s" {
				t.Fatalf("forged token accepted: %q for %q", tok, session)
			}
			return
		}
		if !errors.Is(err, ErrCSRF) {
			t.Fatalf("error %v does not match ErrCSRF", err)
		}
	})
}
