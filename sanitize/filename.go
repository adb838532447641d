package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxFilenameBytes is the longest name SafeFilename returns: the limit of
// most file systems (ext4, NTFS, APFS count 255 bytes or UTF-16 units).
const MaxFilenameBytes = 255

// SafeFilename reduces a client-supplied file name (a multipart filename,
// a name in JSON) to a base name that is safe to create on Linux, macOS and
// Windows file systems and to show to users:
//
//   - only the last path component is kept ("../../etc/passwd" -> "passwd",
//     "C:\\Users\\x\\cat.png" -> "cat.png");
//   - invalid UTF-8, control characters, bidi and other invisible format
//     characters ("cat\u202Egnp.exe" displays as "catexe.png"), and the
//     characters Windows reserves (< > : " / \ | ? *) become "_";
//   - the result is in Unicode NFC;
//   - leading dots, spaces and a leading "-" are removed or replaced (no
//     hidden files, nothing a command line reads as an option), as are
//     trailing dots and spaces, which Windows drops;
//   - Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any
//     extension) get a "_" prefix;
//   - the name is cut to MaxFilenameBytes on a character boundary,
//     keeping a short extension.
//
// The result is never empty ("unnamed" when nothing usable remains), never
// "." or "..", and does not depend on the platform. It is meant for naming
// a stored file; a server should still prefer generated names and keep the
// client's name as metadata.
func SafeFilename(name string) string {
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1,
			r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0,
			isBidiControl(r), unicode.Is(unicode.Cf, r),
			strings.ContainsRune(`<>:"/\|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	out := norm.NFC.String(b.String())
	out = strings.TrimLeft(out, ". ")
	out = strings.TrimRight(out, ". ")
	if strings.HasPrefix(out, "-") {
		out = "_" + out[1:]
	}
	if windowsReserved(out) {
		out = "_" + out
	}
	out = cutFilename(out, MaxFilenameBytes)
	out = strings.TrimRight(out, ". ")
	if out == "" {
		return "unnamed"
	}
	return out
}

// isBidiControl reports the bidirectional formatting characters that can
// make a name display differently from what it is (Trojan Source,
// CVE-2021-42574).
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// windowsReserved reports whether the stem (the part before the first dot,
// trailing spaces ignored) is a Windows device name.
func windowsReserved(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}

// cutFilename shortens name to at most max bytes on a character boundary,
// keeping an extension of up to 16 bytes.
func cutFilename(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
		name = name[:i]
	}
	n := max - len(ext)
	for n > 0 && !utf8.RuneStart(name[n]) {
		n--
	}
	return name[:n] + ext
}
