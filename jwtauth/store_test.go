package jwtauth_test

import (
	"testing"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/jwtauth/jwtauthtest"
	"github.com/stretchr/testify/require"
)

func memoryHarness(t *testing.T) jwtauthtest.Harness {
	c := newClock()
	r, err := jwtauth.NewMemoryRevoker(jwtauth.MemoryOptions{Now: c.Now})
	require.NoError(t, err)
	f, err := jwtauth.NewMemoryFamilies(jwtauth.MemoryOptions{Now: c.Now})
	require.NoError(t, err)
	return jwtauthtest.Harness{Revoker: r, Families: f, Now: c.Now, Advance: c.Advance}
}

func TestMemoryRevokerConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunRevoker(t, memoryHarness)
}

func TestMemoryFamiliesConformance(t *testing.T) {
	t.Parallel()
	jwtauthtest.RunFamilies(t, memoryHarness)
}
