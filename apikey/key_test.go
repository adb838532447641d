package apikey_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

func TestParseNetworks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []string
		want []string
		err  bool
	}{
		{"an IPv4 network is kept", []string{"203.0.113.0/24"}, []string{"203.0.113.0/24"}, false},
		{"host bits are masked", []string{"203.0.113.7/24"}, []string{"203.0.113.0/24"}, false},
		{"a bare IPv4 address is a /32", []string{"198.51.100.7"}, []string{"198.51.100.7/32"}, false},
		{"a bare IPv6 address is a /128", []string{"2001:db8::1"}, []string{"2001:db8::1/128"}, false},
		{"a mapped address becomes IPv4", []string{"::ffff:192.0.2.1"}, []string{"192.0.2.1/32"}, false},
		{"a mapped network becomes IPv4", []string{"::ffff:192.0.2.0/120"}, []string{"192.0.2.0/24"}, false},
		{"duplicates are removed", []string{"10.0.0.0/8", "10.1.0.0/8", " 10.0.0.0/8 "}, []string{"10.0.0.0/8"}, false},
		{"a mapped network wider than /96 is an error", []string{"::ffff:0:0/95"}, nil, true},
		{"a zoned address is an error", []string{"fe80::1%eth0"}, nil, true},
		{"garbage is an error", []string{"10.0.0.0/33"}, nil, true},
		{"a host name is an error", []string{"example.com"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apikey.ParseNetworks(tc.in...)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			require.Equal(t, tc.want, s)
		})
	}
	many := make([]string, apikey.MaxNetworks+1)
	for i := range many {
		many[i] = "10.0.0.1"
	}
	_, err := apikey.ParseNetworks(many...)
	require.Error(t, err, "the list is bounded")
}

func TestKeyStateAtAnInstant(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	k := apikey.Key{Expires: t0.Add(time.Hour), RevokedAt: t0.Add(time.Minute)}
	require.True(t, k.Active(t0))
	require.True(t, k.Revoked(t0.Add(time.Minute)), "revoked from RevokedAt on")
	require.False(t, k.Expired(t0.Add(time.Minute)))
	require.True(t, k.Expired(t0.Add(time.Hour)), "expired from Expires on")
	require.True(t, (&apikey.Key{}).Active(t0.Add(100*365*24*time.Hour)), "zero times mean never")
}

func TestValidScope(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"read", "repo:write", "https://api.example.com/x", "a!#$%&'()*+,-./[]^_`{|}~"} {
		require.True(t, apikey.ValidScope(s), s)
	}
	for _, s := range []string{"", "a b", `a"b`, `a\b`, "a\tb", "é", strings.Repeat("s", 129)} {
		require.False(t, apikey.ValidScope(s), s)
	}
}

func TestAllowsAddrWithAnInvalidAddress(t *testing.T) {
	t.Parallel()
	open := apikey.Key{}
	require.True(t, open.AllowsAddr(netip.Addr{}))
	closed := apikey.Key{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}
	require.False(t, closed.AllowsAddr(netip.Addr{}))
	require.True(t, closed.AllowsAddr(netip.MustParseAddr("::ffff:1.2.3.4")))
	require.False(t, closed.AllowsAddr(netip.MustParseAddr("2001:db8::1")), "an IPv4 network never matches IPv6")
}

func TestAKeyMarshalsToJSONWithoutItsHash(t *testing.T) {
	t.Parallel()
	k := apikey.Key{ID: "abc", Prefix: "gk", Owner: "o", Scopes: []string{"read"}, Created: time.Unix(0, 0).UTC()}
	k.Hash[0] = 0xfe
	b, err := json.Marshal(k)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"abc","prefix":"gk","owner":"o","name":"","scopes":["read"],"created":"1970-01-01T00:00:00Z","usage_count":0}`, string(b))
	k.AllowedNetworks = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	b, _ = json.Marshal(k)
	require.Contains(t, string(b), `"allowed_networks":["10.0.0.0/8"]`)
}
