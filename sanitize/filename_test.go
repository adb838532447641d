package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSafeFilename(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"a plain name is kept", "cat.png", "cat.png"},
		{"unicode is kept in NFC", "cafe\u0301.png", "café.png"},
		{"directories are dropped", "../../etc/passwd", "passwd"},
		{"Windows directories are dropped", `C:\Users\x\cat.png`, "cat.png"},
		{"a trailing slash leaves nothing", "dir/", "unnamed"},
		{"dot-dot alone leaves nothing", "..", "unnamed"},
		{"leading dots are removed", ".htaccess", "htaccess"},
		{"trailing dots and spaces are removed", "evil.php. . ", "evil.php"},
		{"a leading dash is replaced", "-rf.txt", "_rf.txt"},
		{"reserved characters become underscores", `a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"control characters become underscores", "a\x00b\nc\x7f.txt", "a_b_c_.txt"},
		{"a bidi override becomes an underscore", "cat\u202egnp.exe", "cat_gnp.exe"},
		{"a zero-width space becomes an underscore", "ad\u200bmin.txt", "ad_min.txt"},
		{"invalid UTF-8 becomes an underscore", "caf\xe9.txt", "caf_.txt"},
		{"a Windows device name is prefixed", "CON", "_CON"},
		{"a device name with an extension is prefixed", "nul.txt", "_nul.txt"},
		{"COM1 is prefixed", "com1.log", "_com1.log"},
		{"a superscript COM port is prefixed", "COM¹.txt", "_COM¹.txt"},
		{"a name that only starts like a device is kept", "console.txt", "console.txt"},
		{"an empty name becomes unnamed", "", "unnamed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, SafeFilename(tt.in))
		})
	}
}

func TestSafeFilenameIsBounded(t *testing.T) {
	t.Parallel()
	got := SafeFilename(strings.Repeat("é", 300) + ".jpeg")
	require.LessOrEqual(t, len(got), MaxFilenameBytes)
	require.True(t, utf8.ValidString(got))
	require.True(t, strings.HasSuffix(got, ".jpeg"), "the extension is kept")
	got = SafeFilename(strings.Repeat("a", 1000))
	require.Len(t, got, MaxFilenameBytes)
}

func FuzzSafeFilename(f *testing.F) {
	for _, s := range []string{"cat.png", "../../x", "CON.txt", "a\u202eb", ".. . .", "\xff\xfe", strings.Repeat("ab.", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SafeFilename(in)
		if out == "" || out == "." || out == ".." || len(out) > MaxFilenameBytes || !utf8.ValidString(out) {
			t.Fatalf("SafeFilename(%q) = %q", in, out)
		}
		if strings.ContainsAny(out, "/\\<>:\"|?*\x00") || strings.HasPrefix(out, ".") || strings.HasPrefix(out, "-") {
			t.Fatalf("SafeFilename(%q) = %q has a reserved character or a leading dot or dash", in, out)
		}
		if windowsReserved(out) {
			t.Fatalf("SafeFilename(%q) = %q is a device name", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || isBidiControl(r) {
				t.Fatalf("SafeFilename(%q) = %q has a control character", in, out)
			}
		}
	})
}
