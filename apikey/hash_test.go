package apikey_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/stretchr/testify/require"
)

var testPepper = []byte("0123456789abcdef0123456789abcdef")

func TestHasherWithoutPepperIsSHA256OfTheWholeKey(t *testing.T) {
	t.Parallel()
	h, err := apikey.NewHasher(nil)
	require.NoError(t, err)
	require.False(t, h.Peppered())
	k, _ := apikey.Generate("gk")
	require.Equal(t, apikey.Hash(sha256.Sum256([]byte(k))), h.Hash(k))
}

func TestHasherWithPepperIsHMACSHA256(t *testing.T) {
	t.Parallel()
	h, err := apikey.NewHasher(testPepper)
	require.NoError(t, err)
	require.True(t, h.Peppered())
	k, _ := apikey.Generate("gk")
	mac := hmac.New(sha256.New, testPepper)
	mac.Write([]byte(k))
	got := h.Hash(k)
	require.Equal(t, mac.Sum(nil), got[:])
	require.NotEqual(t, apikey.Hash(sha256.Sum256([]byte(k))), h.Hash(k))
	// Repeated use of pooled MAC states gives the same answer.
	for range 10 {
		require.Equal(t, h.Hash(k), h.Hash(k))
	}
}

func TestHasherRejectsAShortPepper(t *testing.T) {
	t.Parallel()
	_, err := apikey.NewHasher([]byte("too short"))
	require.ErrorContains(t, err, "apikey: pepper must be at least 32 bytes")
}

func TestHasherDoesNotKeepThePeppersBackingArray(t *testing.T) {
	t.Parallel()
	p := append([]byte(nil), testPepper...)
	h, err := apikey.NewHasher(p)
	require.NoError(t, err)
	before := h.Hash("x")
	p[0] ^= 1
	require.Equal(t, before, h.Hash("x"))
}

func TestHashingAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	k, _ := apikey.Generate("gk")
	for _, pepper := range [][]byte{nil, testPepper} {
		h, err := apikey.NewHasher(pepper)
		require.NoError(t, err)
		h.Hash(k)
		require.Zero(t, testing.AllocsPerRun(100, func() { h.Hash(k) }))
	}
}

func TestHashEqual(t *testing.T) {
	t.Parallel()
	a := apikey.Hash(sha256.Sum256([]byte("a")))
	b := a
	b[31] ^= 1
	require.True(t, apikey.HashEqual(a, a))
	require.False(t, apikey.HashEqual(a, b))
	require.False(t, apikey.HashEqual(apikey.Hash{}, apikey.Hash{}), "the zero hash matches nothing")
}

// TestHashCompareIsConstantTime reads the source: the comparison that
// decides whether a stored key matches is subtle.ConstantTimeCompare, and
// authenticate uses it on the hash the store returned. Timing is not
// measured (that would be flaky); the code is checked.
func TestHashCompareIsConstantTime(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	calls := func(file, fn string) map[string]bool {
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		found := map[string]bool{}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != fn {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					switch f := c.Fun.(type) {
					case *ast.SelectorExpr:
						if x, ok := f.X.(*ast.Ident); ok {
							found[x.Name+"."+f.Sel.Name] = true
						}
					case *ast.Ident:
						found[f.Name] = true
					}
				}
				return true
			})
		}
		return found
	}
	require.True(t, calls("hash.go", "hashEqual")["subtle.ConstantTimeCompare"], "hashEqual uses subtle.ConstantTimeCompare")
	require.True(t, calls("authenticator.go", "authenticate")["hashEqual"], "authenticate compares the stored hash with hashEqual")
}
