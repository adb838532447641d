package serve

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
)

// maxSecretFile bounds how much of a secret file is read.
const maxSecretFile = 1 << 20

// Secret is a configuration value that must never be printed. Its String
// and GoString say where it came from and how long it is, never what it is.
type Secret struct {
	value  []byte
	source string // "GATEHOUSE_JWT_SECRET_FILE=/run/secrets/jwt", "env GATEHOUSE_JWT_SECRET", ""
}

// Bytes returns the secret. Callers must not log it.
func (s Secret) Bytes() []byte { return s.value }

// Set reports whether a value was found.
func (s Secret) Set() bool { return s.value != nil }

// Len returns the secret's length in bytes.
func (s Secret) Len() int { return len(s.value) }

// Source says where the secret came from, for logs and -print-config.
func (s Secret) Source() string { return s.source }

// String describes the secret without revealing it.
func (s Secret) String() string {
	if !s.Set() {
		return "(not set)"
	}
	return fmt.Sprintf("[redacted: %d bytes from %s]", len(s.value), s.source)
}

// GoString is String, so that %#v does not reveal the secret either.
func (s Secret) GoString() string { return s.String() }

// MarshalText is String, so that JSON or YAML output does not reveal it.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Warner receives warnings about how secrets are stored.
type Warner func(msg string, args ...any)

// LookupSecret reads the secret called name from the environment: from the
// file named by name+"_FILE" (Docker and Kubernetes secrets), with one
// trailing newline trimmed, or else from name itself. Setting both is an
// error, as is an empty or unreadable file. A file that group or others
// may read is accepted with a warning.
func LookupSecret(getenv func(string) string, name string, warn Warner) (Secret, error) {
	path := getenv(name + "_FILE")
	direct := getenv(name)
	switch {
	case path != "" && direct != "":
		return Secret{}, fmt.Errorf("both %s and %s_FILE are set; keep one", name, name)
	case path != "":
		return ReadSecretFile(path, name+"_FILE", warn)
	case direct != "":
		return Secret{value: []byte(direct), source: "env " + name}, nil
	}
	return Secret{}, nil
}

// ReadSecretFile reads a secret from path; label names it in messages.
func ReadSecretFile(path, label string, warn Warner) (Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return Secret{}, fmt.Errorf("%s: %w", label, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Secret{}, fmt.Errorf("%s: %w", label, err)
	}
	if !st.Mode().IsRegular() {
		return Secret{}, fmt.Errorf("%s: %s is not a regular file", label, path)
	}
	if st.Mode().Perm()&0o077 != 0 && warn != nil {
		warn("secret file is readable by group or others; chmod 600 it", "setting", label, "path", path, "mode", st.Mode().Perm().String())
	}
	v, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return Secret{}, fmt.Errorf("%s: %w", label, err)
	}
	if len(v) > maxSecretFile {
		return Secret{}, fmt.Errorf("%s: %s is larger than %d bytes", label, path, maxSecretFile)
	}
	v = bytes.TrimSuffix(v, []byte("\n"))
	v = bytes.TrimSuffix(v, []byte("\r"))
	if len(v) == 0 {
		return Secret{}, fmt.Errorf("%s: %s is empty", label, path)
	}
	return Secret{value: v, source: label + "=" + path}, nil
}

// NewSecret wraps a value obtained elsewhere (a flag, a config file), with
// its source for messages.
func NewSecret(value []byte, source string) Secret {
	if value == nil {
		return Secret{}
	}
	return Secret{value: value, source: source}
}

// RedactURL returns a connection URL with its password (in the user
// information or a password query parameter) replaced, for logs. A URL
// that does not parse is replaced entirely.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL redacted]"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "redacted")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
