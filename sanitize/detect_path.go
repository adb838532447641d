package sanitize

import "bytes"

// detectTraversal reports path traversal in a normalized value: dot-dot
// segments ("../", "..\", "..;/", in any encoding the normalizer undoes),
// the "....//" filter bypass, a NUL byte in a path, file: URLs and absolute
// paths to well-known sensitive files. A value that is a single token
// (no spaces, like a file or path parameter) is held to a stricter
// standard than prose or code, where "../lib" is an ordinary relative
// import: there, a chain of three or more "../", or a chain that reaches a
// sensitive file, is needed.
func detectTraversal(n normalized) string {
	b := bytes.TrimSpace(n.b)
	if len(b) == 0 {
		return ""
	}
	single := !bytes.ContainsAny(b, " \t\n\r")
	if single && n.nul {
		return "null_byte"
	}
	if single && (bytes.Equal(b, []byte("..")) || bytes.HasSuffix(b, []byte("/..")) || bytes.HasSuffix(b, []byte(`\..`))) {
		return "dot_segments"
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '.' {
			continue
		}
		j := i
		for j < len(b) && b[j] == '.' {
			j++
		}
		dots := j - i
		if i > 0 && !pathBoundary(b[i-1]) {
			i = j - 1
			continue
		}
		sep := pathSepAt(b, j)
		switch {
		case dots == 2 && sep > 0:
			chain, pos := 1, j+sep
			for {
				if pos+2 <= len(b) && b[pos] == '.' && b[pos+1] == '.' {
					if s := pathSepAt(b, pos+2); s > 0 {
						chain++
						pos += 2 + s
						continue
					}
				}
				break
			}
			// In a single token, a climb from the start, after "=" or ":",
			// or of two levels or more; in prose or code, three or more.
			if chain >= 3 || single && (chain >= 2 || i <= 1 || b[i-1] == '=' || b[i-1] == ':') {
				return "dot_segments"
			}
			if sensitiveTarget(b[pos:]) {
				return "sensitive_file"
			}
			i = pos - 1 // the whole chain is done: keep the scan linear
			continue
		case (dots == 3 || dots == 4) && sep > 0 && single:
			return "filter_bypass" // "....//" becomes "../" when a filter strips "../" once
		}
		i = j - 1
	}
	if single {
		t := b
		if bytes.HasPrefix(t, []byte("file:")) {
			return "file_url"
		}
		if sensitiveAbsolute(t) {
			return "sensitive_file"
		}
	}
	return ""
}

// pathBoundary reports characters that may precede a path segment.
func pathBoundary(c byte) bool {
	switch c {
	case '/', '\\', '=', '"', '\'', '`', ':', ',', ';', '(', '[', '{', '<', '>', '|', ' ', '\t', '\n', '\r', '&', '?':
		return true
	}
	return false
}

// pathSepAt returns the length of a path separator at b[i]: "/", "\", a
// Unicode slash look-alike, or ";" followed by one ("..;/" as Tomcat reads
// it), or 0.
func pathSepAt(b []byte, i int) int {
	if i >= len(b) {
		return 0
	}
	switch b[i] {
	case '/', '\\':
		return 1
	case ';':
		if s := pathSepAt(b, i+1); s > 0 && b[i+1] != ';' {
			return 1 + s
		}
		return 0
	}
	for _, s := range slashLookalikes {
		if bytes.HasPrefix(b[i:], []byte(s)) {
			return len(s)
		}
	}
	return 0
}

// slashLookalikes are characters that some file APIs or normalizers turn
// into "/" or "\" and that NFKC leaves alone.
var slashLookalikes = [...]string{"\u2215", "\u2044", "\u2216", "\u29f8", "\u29f9"}

// sensitiveTargets are what traversal payloads reach for.
var sensitiveTargets = [...]string{
	"etc/", "etc\\", "windows", "winnt", "win.ini", "boot.ini", "system32", "proc/", "passwd", "shadow",
	".ssh", ".env", ".git/", ".aws", "web.config", "web-inf", ".htaccess", ".htpasswd", "var/log", "var/www",
	"root/", "inetpub", "wp-config", "id_rsa", "system.ini", "usr/local", "bin/sh",
}

func sensitiveTarget(b []byte) bool {
	if len(b) > 64 {
		b = b[:64]
	}
	for _, t := range sensitiveTargets {
		if bytes.HasPrefix(b, []byte(t)) {
			return true
		}
	}
	return false
}

// sensitiveAbsolute reports an absolute path into system directories or
// to well-known secrets, as a whole value.
func sensitiveAbsolute(b []byte) bool {
	for _, p := range [...]string{"/etc/", "/proc/", "/root/", "/var/log/", "/windows/", "c:\\windows", "c:/windows", "c:\\inetpub", "\\\\", "/boot.ini", "/.ssh/", "/.env"} {
		if bytes.HasPrefix(b, []byte(p)) {
			return true
		}
	}
	for _, s := range [...]string{"/etc/passwd", "/etc/shadow", "win.ini", "boot.ini", "/.ssh/id_", "/proc/self/"} {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
