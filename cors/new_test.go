package cors

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts Options
		kind error // a specific kind, or nil when only ErrInvalidOptions applies
	}{
		{"credentials with a star origin are rejected at New", Options{AllowedOrigins: []string{"*"}, AllowCredentials: true}, ErrInsecureOptions},
		{"credentials with a star among exact origins are rejected at New", Options{AllowedOrigins: []string{"https://a.example", "*"}, AllowCredentials: true}, ErrInsecureOptions},
		{"credentials with the null origin are rejected at New", Options{AllowNullOrigin: true, AllowCredentials: true}, ErrInsecureOptions},
		{"null in the list without AllowNullOrigin is rejected", Options{AllowedOrigins: []string{"null"}}, ErrInsecureOptions},
		{"a pattern over a whole top-level domain is rejected", Options{AllowedOrigins: []string{"https://*.com"}}, ErrInsecureOptions},
		{"a pattern over a whole top-level domain is rejected with credentials too", Options{AllowedOrigins: []string{"https://*.com"}, AllowCredentials: true}, ErrInsecureOptions},
		{"a wildcard host is rejected", Options{AllowedOrigins: []string{"https://*"}}, ErrInvalidOrigin},
		{"a wildcard scheme is rejected", Options{AllowedOrigins: []string{"*://example.com"}}, ErrInvalidOrigin},
		{"a bare wildcard prefix is rejected", Options{AllowedOrigins: []string{"h*"}, AllowCredentials: true}, ErrInvalidOrigin},
		{"a wildcard inside a label is rejected", Options{AllowedOrigins: []string{"https://*example.com"}}, ErrInvalidOrigin},
		{"a wildcard after a label prefix is rejected", Options{AllowedOrigins: []string{"https://api-*.example.com"}}, ErrInvalidOrigin},
		{"a wildcard in a middle label is rejected", Options{AllowedOrigins: []string{"https://a.*.example.com"}}, ErrInvalidOrigin},
		{"a wildcard as the last label is rejected", Options{AllowedOrigins: []string{"https://example.*"}}, ErrInvalidOrigin},
		{"two wildcards are rejected", Options{AllowedOrigins: []string{"https://*.*.example.com"}}, ErrInvalidOrigin},
		{"a wildcard without scheme is rejected", Options{AllowedOrigins: []string{"*.example.com"}}, ErrInvalidOrigin},
		{"a wildcard over IP addresses is rejected", Options{AllowedOrigins: []string{"http://*.0.0.1"}}, ErrInvalidOrigin},
		{"a wildcard pattern with a path is rejected", Options{AllowedOrigins: []string{"https://*.example.com/"}}, ErrInvalidOrigin},
		{"an origin with a path is rejected", Options{AllowedOrigins: []string{"https://example.com/app"}}, ErrInvalidOrigin},
		{"an origin with a trailing slash is rejected", Options{AllowedOrigins: []string{"https://example.com/"}}, ErrInvalidOrigin},
		{"an origin with a query is rejected", Options{AllowedOrigins: []string{"https://example.com?x=1"}}, ErrInvalidOrigin},
		{"an origin with a fragment is rejected", Options{AllowedOrigins: []string{"https://example.com#x"}}, ErrInvalidOrigin},
		{"an origin with userinfo is rejected", Options{AllowedOrigins: []string{"https://user@example.com"}}, ErrInvalidOrigin},
		{"an origin without scheme is rejected", Options{AllowedOrigins: []string{"example.com"}}, ErrInvalidOrigin},
		{"a scheme-relative origin is rejected", Options{AllowedOrigins: []string{"//example.com"}}, ErrInvalidOrigin},
		{"an empty origin is rejected", Options{AllowedOrigins: []string{""}}, ErrInvalidOrigin},
		{"an origin with whitespace is rejected", Options{AllowedOrigins: []string{" https://example.com"}}, ErrInvalidOrigin},
		{"port zero is rejected", Options{AllowedOrigins: []string{"https://example.com:0"}}, ErrInvalidOrigin},
		{"a port above 65535 is rejected", Options{AllowedOrigins: []string{"https://example.com:65536"}}, ErrInvalidOrigin},
		{"a non-numeric port is rejected", Options{AllowedOrigins: []string{"https://example.com:https"}}, ErrInvalidOrigin},
		{"an empty port is rejected", Options{AllowedOrigins: []string{"https://example.com:"}}, ErrInvalidOrigin},
		{"an empty label is rejected", Options{AllowedOrigins: []string{"https://a..example.com"}}, ErrInvalidOrigin},
		{"a trailing dot is rejected", Options{AllowedOrigins: []string{"https://example.com."}}, ErrInvalidOrigin},
		{"a non-ASCII host is rejected", Options{AllowedOrigins: []string{"https://bücher.example"}}, ErrInvalidOrigin},
		{"an IPv6 zone is rejected", Options{AllowedOrigins: []string{"http://[fe80::1%25eth0]"}}, ErrInvalidOrigin},
		{"a malformed method is rejected", Options{AllowedMethods: []string{"GET POST"}}, nil},
		{"an empty method is rejected", Options{AllowedMethods: []string{""}}, nil},
		{"an overlong method is rejected", Options{AllowedMethods: []string{strings.Repeat("M", 65)}}, nil},
		{"a forbidden method is rejected", Options{AllowedMethods: []string{"TRACE"}}, nil},
		{"a forbidden method in lowercase is rejected", Options{AllowedMethods: []string{"connect"}}, nil},
		{"a malformed allowed header is rejected", Options{AllowedHeaders: []string{"X-Foo:"}}, nil},
		{"an empty allowed header is rejected", Options{AllowedHeaders: []string{""}}, nil},
		{"a malformed exposed header is rejected", Options{ExposedHeaders: []string{"X Foo"}}, nil},
		{"a star in exposed headers with credentials is rejected", Options{AllowedOrigins: []string{"https://a.example"}, ExposedHeaders: []string{"*"}, AllowCredentials: true}, ErrInsecureOptions},
		{"a redirect status for preflights is rejected", Options{OptionsSuccessStatus: http.StatusFound}, nil},
		{"a negative preflight status is rejected", Options{OptionsSuccessStatus: -1}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.opts)
			require.Error(t, err)
			require.Nil(t, c)
			require.ErrorIs(t, err, ErrInvalidOptions)
			if tc.kind != nil {
				require.ErrorIs(t, err, tc.kind)
			}
			require.Regexp(t, `^cors: `, err.Error())
		})
	}
}

func TestNewAcceptsGoodOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts Options
	}{
		{"zero options are valid", Options{}},
		{"exact origins with credentials are valid", Options{AllowedOrigins: []string{"https://app.example.com", "http://localhost:3000"}, AllowCredentials: true}},
		{"label-anchored patterns with credentials are valid", Options{AllowedOrigins: []string{"https://*.example.com"}, AllowCredentials: true}},
		{"a star without credentials is valid", Options{AllowedOrigins: []string{"*"}}},
		{"null with AllowNullOrigin is valid", Options{AllowedOrigins: []string{"null"}, AllowNullOrigin: true}},
		{"IPv6 origins are valid", Options{AllowedOrigins: []string{"http://[::1]:8080"}}},
		{"custom methods are valid", Options{AllowedMethods: []string{"PATCH", "PROPFIND", "*"}}},
		{"a star in allowed headers with credentials is valid", Options{AllowedOrigins: []string{"https://a.example"}, AllowedHeaders: []string{"*"}, AllowCredentials: true}},
		{"a star in exposed headers without credentials is valid", Options{ExposedHeaders: []string{"*"}}},
		{"many exact origins are valid", Options{AllowedOrigins: []string{
			"https://a1.example", "https://a2.example", "https://a3.example", "https://a4.example", "https://a5.example",
			"https://a6.example", "https://a7.example", "https://a8.example", "https://a9.example", "https://a10.example"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.opts)
			require.NoError(t, err)
			require.NotNil(t, c)
		})
	}
}

func TestNewErrorNamesTheOption(t *testing.T) {
	t.Parallel()
	_, err := New(Options{AllowedOrigins: []string{"https://example.com/app"}})
	require.ErrorContains(t, err, `"https://example.com/app"`)
	require.False(t, errors.Is(err, ErrInsecureOptions))
}

func TestManyExactOriginsUseTheSetAndStillMatch(t *testing.T) {
	t.Parallel()
	var list []string
	for _, h := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		list = append(list, "https://"+h+".example")
	}
	list = append(list, "https://K.example:443")
	c, err := New(Options{AllowedOrigins: list})
	require.NoError(t, err)
	require.NotNil(t, c.exactSet)
	for _, o := range []string{"https://a.example", "https://j.example", "https://k.example", "HTTPS://K.EXAMPLE:443"} {
		require.NoError(t, c.checkOrigin(nil, o), o)
	}
	require.ErrorIs(t, c.checkOrigin(nil, "https://z.example"), ErrOriginNotAllowed)
}
