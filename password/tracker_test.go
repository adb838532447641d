package password_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/password/passwordtest"
	"github.com/stretchr/testify/require"
)

func TestTrackerOnMemoryStore(t *testing.T) {
	t.Parallel()
	passwordtest.TestTracker(t, func(t *testing.T) password.Store {
		s, err := password.NewMemoryStore(password.MemoryStoreOptions{})
		require.NoError(t, err)
		return s
	})
}
