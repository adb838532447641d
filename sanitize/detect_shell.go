package sanitize

import "bytes"

// shellStrong are fragments that only attacks on a shell use, wherever they
// appear: reverse shells, $IFS evasion, Shellshock, Log4Shell lookups,
// encoded PowerShell, server-side includes.
var shellStrong = [...]struct{ s, sig string }{
	{"/dev/tcp/", "reverse_shell"}, {"/dev/udp/", "reverse_shell"}, {"nc -e ", "reverse_shell"},
	{"nc -c ", "reverse_shell"}, {"ncat -e ", "reverse_shell"}, {"ncat -c ", "reverse_shell"},
	{"bash -i ", "reverse_shell"}, {"0>&1", "reverse_shell"}, {"mkfifo /tmp/", "reverse_shell"},
	{"${ifs}", "ifs_evasion"}, {"$ifs$", "ifs_evasion"}, {"${ifs%", "ifs_evasion"},
	{"${jndi:", "jndi_lookup"}, {"powershell -e", "encoded_powershell"}, {"powershell.exe -e", "encoded_powershell"},
	{"-encodedcommand", "encoded_powershell"}, {"iex(new-object", "encoded_powershell"},
	{"downloadstring(", "encoded_powershell"}, {"certutil -urlcache", "download_exec"},
	{"<!--#exec", "server_side_include"}, {"<!--#include", "server_side_include"},
}

// detectShell reports OS command injection in a normalized value: a shell
// separator (; | || & && or a newline after a single argument) or a
// command substitution ($(...), `...`) followed by a command: a path to a
// binary, a reconnaissance or network tool, an interpreter with an inline
// script flag, or a common utility with shell-like arguments. A value that
// itself starts with a command is a pasted shell snippet, not an
// injection, and only the strong signals apply to it; so do markdown code
// spans and fenced code blocks.
var shellStrongMatcher = func() *matcher {
	pats := make([]string, len(shellStrong))
	for i, s := range shellStrong {
		pats[i] = s.s
	}
	return newMatcher(pats...)
}()

func detectShell(b []byte) string {
	if i := shellStrongMatcher.find(b); i >= 0 {
		return shellStrong[i].sig
	}
	if shellshock(b) {
		return "shellshock"
	}
	t := bytes.TrimRight(bytes.TrimLeft(b, " \t"), " \t\n\r")
	if len(t) == 0 {
		return ""
	}
	if obfuscatedCommand(t) {
		return "obfuscated_command"
	}
	if startsWithCommand(t) {
		return ""
	}
	lone := isLoneSpan(t)
	fence := false
	// prose: the text before the current position holds two words or more;
	// tracked as the scan goes, so that it stays linear.
	word, gap, pending, prose := false, false, false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		prose = gap
		if isSpace(c) {
			pending = pending || word
		} else {
			gap = gap || pending
			word, pending = true, false
		}
		if c == '`' && bytes.HasPrefix(t[i:], []byte("```")) {
			fence = !fence
			i += 2
			continue
		}
		if fence {
			continue
		}
		switch c {
		case ';', '|', '&', '\n', '\r':
			if (c == '\n' || c == '\r') && (i > 64 || bytes.ContainsAny(t[:i], " \t")) {
				continue // a line break in prose, not after a single argument
			}
			j := i
			for j < len(t) && (t[j] == c || t[j] == '\n' || t[j] == '\r') {
				j++
			}
			if shellCommandAt(t, j, prose) {
				return "command_separator"
			}
			i = j - 1 // the run of separators is done
		case '`':
			end := bytes.IndexByte(t[i+1:], '`')
			if end < 0 {
				continue
			}
			if lone || (i > 0 && substitutionLead(t[i-1])) {
				if shellCommandAt(t[:i+1+end], i+1, false) {
					return "command_substitution"
				}
			}
			i += end + 1 // a markdown code span: its content is a snippet
		case '$':
			if i+1 < len(t) && t[i+1] == '(' && shellCommandAt(t, i+2, false) {
				return "command_substitution"
			}
		}
	}
	return ""
}

// obfuscatedCommand reports a value that starts with a command name broken
// up by quotes or backslashes, which the shell removes: "w'h'o'am'i".
func obfuscatedCommand(t []byte) bool {
	var buf [40]byte
	w, end := readShellWord(t, 0, &buf)
	if len(w) < 2 || !bytes.ContainsAny(t[:end], "'\"\\") {
		return false
	}
	word := string(w)
	return strongCommands[word] || weakCommands[word] || interpreters[word]
}

// isLoneSpan reports a value that is one backtick-quoted span: "`id`".
func isLoneSpan(t []byte) bool {
	return len(t) > 2 && t[0] == '`' && t[len(t)-1] == '`' && bytes.Count(t, []byte("`")) == 2
}

// substitutionLead reports characters after which a backtick is a command
// substitution rather than the start of a markdown code span.
func substitutionLead(c byte) bool {
	return isASCIILetter(c) || isDigit(c) || bytes.IndexByte([]byte("=;|&$(.'\""), c) >= 0
}

// shellshock reports the function definition that CVE-2014-6271 abuses:
// "() {" then ":;" or a command, then "};".
func shellshock(b []byte) bool {
	i := bytes.Index(b, []byte("()"))
	for i >= 0 {
		k := i + 2
		for k < len(b) && isSpace(b[k]) {
			k++
		}
		if k < len(b) && b[k] == '{' {
			window := b[k:min(k+64, len(b))]
			if e := bytes.IndexByte(window, '}'); e > 0 && k+e+1 < len(b) && bytes.IndexByte(b[k:k+e], ';') >= 0 {
				r := bytes.TrimLeft(b[k+e+1:], " \t")
				if len(r) > 0 && r[0] == ';' {
					return true
				}
			}
		}
		n := bytes.Index(b[i+2:], []byte("()"))
		if n < 0 {
			break
		}
		i += 2 + n
	}
	return false
}

// readShellWord reads a command word at b[i:], skipping leading blanks,
// "{", "(", $IFS and quote or backslash obfuscation ("w'h'o'am'i",
// "wh\oami"). It returns the word (lower case, at most 40 bytes) in buf and
// the index after it.
func readShellWord(b []byte, i int, buf *[40]byte) ([]byte, int) {
	for i < len(b) {
		switch {
		case isSpace(b[i]) || b[i] == '{' || b[i] == '(':
			i++
		case bytes.HasPrefix(b[i:], []byte("$ifs")):
			i += 4
		default:
			goto word
		}
	}
word:
	n := 0
	for i < len(b) {
		c := b[i]
		switch {
		case c == '\'' || c == '"' || c == '\\':
			i++
			continue
		case c == '$' && i+1 < len(b) && (b[i+1] == '@' || b[i+1] == '*'):
			i += 2
			continue
		case isASCIILetter(c) || isDigit(c) || c == '_' || c == '.' || c == '/' || c == '-' || c == ':':
		default:
			return buf[:n], i
		}
		if n < len(buf) {
			buf[n] = c
			n++
		}
		i++
	}
	return buf[:n], i
}

// shellCommandAt reports whether a command starts at b[i:]. In prose (a
// separator preceded by several words), a common utility needs shell-like
// arguments; otherwise an utility at the end of the value is enough.
func shellCommandAt(b []byte, i int, prose bool) bool {
	var buf [40]byte
	w, j := readShellWord(b, i, &buf)
	if len(w) == 0 {
		return false
	}
	for _, p := range [...]string{"/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/", "/usr/local/bin/", "/tmp/", "c:\\windows", "c:/windows"} {
		if bytes.HasPrefix(w, []byte(p)) {
			return true
		}
	}
	if k := bytes.LastIndexByte(w, '/'); k >= 0 {
		w = w[k+1:]
	}
	word := string(w) // map lookups below do not allocate
	arg := shellArg(b, j)
	switch {
	case strongCommands[word]:
		// In prose ("use curl; curl is preinstalled") an argument must
		// look like one.
		return !prose || arg != argOther
	case interpreters[word]:
		return arg == argInlineFlag || arg == argEnd && !prose
	case word == "net":
		return arg == argNetVerb
	case weakCommands[word]:
		if arg == argShell || arg == argInlineFlag {
			return true
		}
		return arg == argEnd && !prose
	}
	return false
}

// Kinds of what follows a command word.
const (
	argOther      = iota
	argEnd        // end of input, a separator or a redirect
	argShell      // "-la", "/etc/passwd", "5", "c:\x", "~", "$HOME", "127.0.0.1"
	argInlineFlag // -c, -e, -i, -r, -nop, -enc, -command
	argNetVerb    // user, localgroup, ... after "net"
)

func shellArg(b []byte, j int) int {
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if bytes.HasPrefix(b[j:], []byte("${ifs}")) || bytes.HasPrefix(b[j:], []byte("$ifs")) {
		return argShell
	}
	if j >= len(b) {
		return argEnd
	}
	switch c := b[j]; {
	case bytes.IndexByte([]byte(";|&`)\n\r<>}'\""), c) >= 0:
		return argEnd
	case c == '-':
		k := j + 1
		for k < len(b) && isASCIILetter(b[k]) {
			k++
		}
		switch string(b[j+1 : k]) {
		case "c", "e", "i", "r", "nop", "enc", "e64", "command", "encodedcommand", "exec", "noprofile":
			return argInlineFlag
		}
		return argShell
	case c == '/' || c == '\\' || c == '~' || c == '$' || c == '.' || isDigit(c):
		return argShell
	}
	k := j
	for k < len(b) && !isSpace(b[k]) && k-j < 64 {
		k++
	}
	arg := b[j:k]
	if bytes.ContainsAny(arg, "/\\.") && !bytes.HasSuffix(arg, []byte(".")) {
		return argShell // a path, file name or host
	}
	switch string(arg) {
	case "user", "users", "localgroup", "group", "view", "use", "share", "accounts", "session":
		return argNetVerb
	}
	return argOther
}

// strongCommands are recognisable commands that are not English words:
// reconnaissance, network and download tools.
var strongCommands = setOf(
	"whoami", "uname", "ifconfig", "ipconfig", "netstat", "nslookup", "systeminfo", "tasklist",
	"taskkill", "hostname", "wget", "curl", "nc", "ncat", "netcat", "telnet", "socat", "tftp",
	"nmap", "certutil", "bitsadmin", "mshta", "rundll32", "regsvr32", "wmic", "useradd", "usermod",
	"chmod", "chown", "crontab", "passwd", "busybox", "getent", "lsb_release", "xterm", "sudo",
	"base64", "cmd.exe", "powershell.exe", "xp_cmdshell", "ifconfig.exe", "whoami.exe", "net.exe",
	"ipconfig.exe", "systeminfo.exe", "arp", "route", "traceroute", "tracert", "dig",
)

// interpreters run code given inline with a flag, or read it from a pipe.
var interpreters = setOf(
	"bash", "sh", "zsh", "ksh", "csh", "tcsh", "dash", "fish", "python", "python2", "python3",
	"perl", "ruby", "php", "node", "nodejs", "lua", "powershell", "pwsh", "cmd", "osascript",
)

// weakCommands are common utilities whose names are also words; they count
// only with shell-like arguments, or alone at the end of a short value.
var weakCommands = setOf(
	"id", "cat", "ls", "dir", "type", "echo", "sleep", "ping", "pwd", "env", "kill", "rm",
	"cp", "mv", "touch", "mkdir", "ps", "find", "head", "tail", "timeout", "del", "copy",
	"whois", "host", "printf", "reboot", "shutdown", "history", "which", "who", "uptime",
	"expr", "tac", "xxd", "grep", "awk", "sed", "tee", "xargs", "wc", "stat", "df", "du",
	"mount", "lsof", "export", "eval", "exec", "source", "pkill", "killall", "nohup", "bzip2",
	"tar", "zip", "unzip", "gzip", "scp", "ssh", "ftp", "rsync", "apt", "apt-get", "yum", "dnf", "apk",
)

// snippetStarts are commands a pasted shell snippet commonly starts with,
// besides the ones above.
var snippetStarts = setOf(
	"go", "npm", "npx", "yarn", "pnpm", "git", "make", "docker", "kubectl", "helm", "pip", "pip3",
	"cargo", "rustc", "gcc", "cd", "brew", "systemctl", "journalctl", "java", "mvn", "gradle",
	"terraform", "aws", "gcloud", "az", "psql", "mysql", "redis-cli", "vim", "nano", "ln", "chmod",
	"deno", "bun", "dotnet", "composer", "bundle", "rails", "django-admin", "uvicorn", "gunicorn",
)

// startsWithCommand reports a value that begins like a shell command line:
// a known command (after an optional "$ " prompt or sudo) followed by a
// space or the end.
func startsWithCommand(t []byte) bool {
	for _, p := range [...]string{"$ ", "# ", "> ", "sudo "} {
		t = bytes.TrimPrefix(t, []byte(p))
	}
	k := 0
	for k < len(t) && (isASCIILetter(t[k]) || isDigit(t[k]) || t[k] == '-' || t[k] == '_' || t[k] == '.' || t[k] == '/') {
		k++
	}
	if k == 0 || (k < len(t) && !isSpace(t[k])) {
		return false
	}
	w := t[:k]
	if i := bytes.LastIndexByte(w, '/'); i >= 0 {
		w = w[i+1:]
	}
	word := string(w)
	return strongCommands[word] || interpreters[word] || weakCommands[word] || snippetStarts[word]
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
