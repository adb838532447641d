package password_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/password/passwordtest"
	"github.com/stretchr/testify/require"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	passwordtest.TestStore(t, func(t *testing.T) password.Store {
		s, err := password.NewMemoryStore(password.MemoryStoreOptions{})
		require.NoError(t, err)
		return s
	})
}

func TestMemoryStoreIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := password.NewMemoryStore(password.MemoryStoreOptions{MaxUsers: 100, MaxIPs: 50})
	require.NoError(t, err)
	lim := passwordtest.Limits()
	for i := 0; i < 1000; i++ {
		k := password.Keys{User: fmt.Sprintf("user%d", i), IP: fmt.Sprintf("10.0.%d.%d", i/256, i%256)}
		_, err := s.Begin(ctx, k, passwordtest.Base, lim)
		require.NoError(t, err)
		_, err = s.FailIP(ctx, k.IP, passwordtest.Base, lim)
		require.NoError(t, err)
	}
	users, ips := s.Len()
	require.Equal(t, 100, users)
	require.Equal(t, 50, ips)
	// The most recent entries survive; the oldest were evicted.
	st, err := s.Status(ctx, password.Keys{User: "user999", IP: "10.0.3.231"}, passwordtest.Base, lim)
	require.NoError(t, err)
	require.Equal(t, 1, st.User.Failures)
	require.Equal(t, 1, st.IP.Failures)
	st, err = s.Status(ctx, password.Keys{User: "user0", IP: "10.0.0.0"}, passwordtest.Base, lim)
	require.NoError(t, err)
	require.Equal(t, password.Status{}, st)

	// Expired entries are dropped when met.
	_, err = s.Status(ctx, password.Keys{User: "user999", IP: "10.0.3.231"}, passwordtest.Base.Add(time.Hour), lim)
	require.NoError(t, err)
	users, ips = s.Len()
	require.Equal(t, 99, users)
	require.Equal(t, 49, ips)
}
