package password

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// fakeHIBP serves the range API: the suffixes in db (by full SHA-1), plus
// padding entries with count 0, and records what it was asked.
func fakeHIBP(t *testing.T, db map[string]int, seen chan<- *http.Request) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen != nil {
			seen <- r.Clone(context.Background())
		}
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		for full, n := range db {
			if strings.HasPrefix(full, prefix) {
				fmt.Fprintf(w, "%s:%d\r\n", full[5:], n)
			}
		}
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "%035X:0\r\n", i)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHIBPRangeClient(t *testing.T) {
	t.Parallel()
	const pw = "Vq7#mLp2!xRz"
	seen := make(chan *http.Request, 4)
	srv := fakeHIBP(t, map[string]int{sha1Hex(pw): 42}, seen)
	c, err := NewHIBP(HIBPOptions{Endpoint: srv.URL + "/range/"})
	require.NoError(t, err)
	ctx := context.Background()

	n, err := c.Breached(ctx, pw)
	require.NoError(t, err)
	require.Equal(t, 42, n)
	r := <-seen
	require.Equal(t, "/range/"+sha1Hex(pw)[:5], r.URL.Path, "only the 5-digit prefix is sent")
	require.Equal(t, "true", r.Header.Get("Add-Padding"))
	require.Equal(t, "gatehouse-password", r.Header.Get("User-Agent"))
	dump := r.URL.String() + fmt.Sprint(r.Header)
	require.NotContains(t, dump, pw)
	require.NotContains(t, dump, sha1Hex(pw)[5:], "the suffix never leaves the process")

	n, err = c.Breached(ctx, "a password nobody has used 8237")
	require.NoError(t, err)
	require.Zero(t, n)
	<-seen
}

func TestHIBPPaddingEntriesAreNotMatches(t *testing.T) {
	t.Parallel()
	suffix := sha1Hex("x")[5:]
	n, err := parseRange(strings.NewReader(suffix+":0\r\n"), suffix, 1<<20)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = parseRange(strings.NewReader(strings.ToLower(suffix)+":7\n"), suffix, 1<<20)
	require.NoError(t, err)
	require.Equal(t, 7, n, "suffixes compare case-insensitively, LF alone is fine")
}

func TestHIBPBadResponsesAreErrors(t *testing.T) {
	t.Parallel()
	suffix := sha1Hex("x")[5:]
	for _, tc := range []struct{ name, body string }{
		{"a line without a count is an error", suffix + "\r\n"},
		{"a short suffix is an error", "ABC:1\r\n"},
		{"a non-hex suffix is an error", strings.Repeat("Z", 35) + ":1\r\n"},
		{"a negative count is an error", suffix + ":-1\r\n"},
		{"a huge count is an error", suffix + ":99999999999999999999\r\n"},
		{"an HTML error page is an error", "<html>oops</html>"},
		{"a very long line is an error", strings.Repeat("A", 1000)},
		{"a response over the bound is an error", strings.Repeat(strings.Repeat("A", 35)+":1\r\n", 50000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseRange(strings.NewReader(tc.body), suffix, 1<<20)
			require.Error(t, err)
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "rate limited", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, err := NewHIBP(HIBPOptions{Endpoint: srv.URL + "/range/"})
	require.NoError(t, err)
	_, err = c.Breached(context.Background(), "pw")
	require.ErrorContains(t, err, "status 429")

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	c, err = NewHIBP(HIBPOptions{Endpoint: slow.URL + "/range/"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Breached(ctx, "pw")
	require.Error(t, err)
}

func TestNewHIBPEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, endpoint string
		ok             bool
	}{
		{"the default is accepted", "", true},
		{"https is accepted", "https://mirror.example/range/", true},
		{"http on loopback is accepted", "http://127.0.0.1:8080/range/", true},
		{"http on localhost is accepted", "http://localhost/range/", true},
		{"http elsewhere is rejected", "http://mirror.example/range/", false},
		{"a query is rejected", "https://mirror.example/range/?x=1", false},
		{"no host is rejected", "https:///range/", false},
		{"garbage is rejected", "::", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewHIBP(HIBPOptions{Endpoint: tc.endpoint})
			require.Equal(t, tc.ok, err == nil, "%v", err)
		})
	}
}

func TestPolicyWithHIBP(t *testing.T) {
	t.Parallel()
	srv := fakeHIBP(t, map[string]int{sha1Hex("Vq7#mLp2!xRz"): 3}, nil)
	c, err := NewHIBP(HIBPOptions{Endpoint: srv.URL + "/range/"})
	require.NoError(t, err)
	p := newPolicy(t, PolicyOptions{Breach: c})
	r, err := p.Check(context.Background(), "Vq7#mLp2!xRz")
	require.NoError(t, err)
	require.Equal(t, []string{CodeBreached}, codes(r))
	r, err = p.Check(context.Background(), "Kp9$wQ2@zT4!")
	require.NoError(t, err)
	require.True(t, r.OK())
}
