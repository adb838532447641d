package audit

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRequestIDMiddleware(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		incoming []string
		keep     bool
	}{
		{"a UUID from the load balancer is kept", []string{"3f2b8c1e-4d5a-4e6f-8a9b-0c1d2e3f4a5b"}, true},
		{"a trace-style id with dots and colons is kept", []string{"00-abc.def:1_2"}, true},
		{"no header gets a generated id", nil, false},
		{"an empty header gets a generated id", []string{""}, false},
		{"CR LF is refused", []string{"abc\r\nX-Admin: true"}, false},
		{"spaces are refused", []string{"a b"}, false},
		{"65 characters are refused", []string{strings.Repeat("a", 65)}, false},
		{"64 characters are kept", []string{strings.Repeat("a", 64)}, true},
		{"non-ASCII is refused", []string{"ｉｄ"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var seen string
			h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestIDFrom(r.Context())
				require.Equal(t, seen, FromRequest(r, AuthzFail, SeverityInfo).RequestID)
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tc.incoming {
				r.Header.Add(RequestIDHeader, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			require.Equal(t, seen, rec.Header().Get(RequestIDHeader))
			if tc.keep {
				require.Equal(t, tc.incoming[0], seen)
			} else {
				require.Regexp(t, `^[0-9a-f]{32}$`, seen)
			}
		})
	}
}

func TestGeneratedRequestIDsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := NewRequestID()
		require.False(t, seen[id])
		seen[id] = true
	}
}

func TestRequestIDFromEmptyContext(t *testing.T) {
	t.Parallel()
	require.Equal(t, "", RequestIDFrom(httptest.NewRequest(http.MethodGet, "/", nil).Context()))
}
