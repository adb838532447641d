package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/ratelimit"

	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// Config is the whole configuration of the server. It is read, in
// increasing precedence, from the defaults, the JSON file named by -config,
// the environment and the flags. Secrets come from the environment only
// (NAME or NAME_FILE, see serve.LookupSecret) or from files the JSON names.
type Config struct {
	// Addr is the public API's listen address. Flag -addr. Default
	// 127.0.0.1:8080.
	Addr string `json:"addr"`
	// MetricsAddr serves Prometheus /metrics on a listener of its own;
	// a bare port ("9090" or ":9090") means 127.0.0.1. Flag -metrics-addr.
	// Default "": off.
	MetricsAddr string `json:"metrics_addr"`
	// RedisURL keeps rate limits, token revocations, refresh families and
	// login attempts in Redis. Flag -redis, env GATEHOUSE_REDIS_URL.
	// Default "": in memory.
	RedisURL string `json:"redis_url"`
	// RedisPrefix starts every Redis key, so that services (or tests)
	// sharing a server stay apart. Default "gatehouse:".
	RedisPrefix string `json:"redis_prefix"`
	// PostgresURL keeps users, API keys and security events in PostgreSQL.
	// Flag -postgres, env GATEHOUSE_POSTGRES_URL. Default "": in memory.
	PostgresURL string `json:"postgres_url"`

	// AllowedHosts are the Host header values accepted (DNS-rebinding
	// defence). Default: the loopback names when Addr is a loopback
	// address, any host otherwise.
	AllowedHosts []string `json:"allowed_hosts"`
	// TrustedProxies are the networks ("10.0.0.0/8", "127.0.0.1/32") of
	// reverse proxies whose X-Forwarded-For is believed. Default none.
	TrustedProxies []netip.Prefix `json:"trusted_proxies"`
	// CORSOrigins are the exact browser origins of front ends allowed to
	// call the API with credentials ("https://app.example.com"); they are
	// trusted by the CSRF check too. Default none: same-origin only.
	CORSOrigins []string `json:"cors_origins"`
	// InsecureCookies drops the Secure attribute (and the __Host-/__Secure-
	// name prefixes) of the token and CSRF cookies, for browsers on plain
	// HTTP to a host other than localhost. Flag -insecure-cookies. Default
	// false. Browsers accept Secure cookies from http://localhost and
	// http://127.0.0.1; curl and API clients use Bearer tokens.
	InsecureCookies bool `json:"insecure_cookies"`

	// Issuer and Audience are the "iss" and "aud" of access tokens.
	// Defaults "gatehouse-example" and "gatehouse-example-api".
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	// AccessTTL and RefreshTTL are the token lifetimes. Defaults 15m, 168h.
	AccessTTL  Duration `json:"access_ttl"`
	RefreshTTL Duration `json:"refresh_ttl"`
	// MaxBodyBytes bounds request bodies. Default 64 KiB.
	MaxBodyBytes int64 `json:"max_body_bytes"`
	// RateLimits are the request limits.
	RateLimits RateLimits `json:"rate_limits"`
	// Server holds the http.Server's timeouts and bounds (durations as Go
	// duration strings, "5s").
	Server ServerLimits `json:"server"`
	// ShutdownGrace bounds the graceful shutdown. Default 10s.
	ShutdownGrace Duration `json:"shutdown_grace"`

	// Files holding secrets, for deployments that prefer the config file
	// to the environment; the environment wins when both are set.
	JWTSecretFile    string `json:"jwt_secret_file"`
	CSRFKeyFile      string `json:"csrf_key_file"`
	APIKeyPepperFile string `json:"apikey_pepper_file"`
	AuditKeyFile     string `json:"audit_key_file"`

	// Secrets, each at least 32 bytes; generated at start, with a
	// warning, when not given.
	JWTSecret    serve.Secret `json:"-"` // GATEHOUSE_JWT_SECRET: HS256 signing key
	CSRFKey      serve.Secret `json:"-"` // GATEHOUSE_CSRF_KEY: signs double-submit tokens
	APIKeyPepper serve.Secret `json:"-"` // GATEHOUSE_APIKEY_PEPPER: HMAC of stored API key hashes
	AuditKey     serve.Secret `json:"-"` // GATEHOUSE_AUDIT_KEY: MAC chain of the PostgreSQL audit log

	// users replaces the configured user directory; tests set it to
	// reach the directory directly (for example to make an admin).
	users users.Store
}

// RateLimits are the request limits, as rate strings ("5/minute",
// "100/hour", "10/s burst 20").
type RateLimits struct {
	// IP bounds every request of one client address. Default
	// "1200/minute burst 200".
	IP ratelimit.Rate `json:"ip"`
	// Register bounds registrations per client address (each costs an
	// Argon2id hash). Default "10/hour".
	Register ratelimit.Rate `json:"register"`
	// Login bounds login attempts per client address. Default "5/minute".
	Login ratelimit.Rate `json:"login"`
	// ChatUser, ChatStaff and ChatAdmin bound chat requests per user, by
	// role; API keys count against their owner at the user tier. Defaults
	// "100/hour", "500/hour", "1000/hour".
	ChatUser  ratelimit.Rate `json:"chat_user"`
	ChatStaff ratelimit.Rate `json:"chat_staff"`
	ChatAdmin ratelimit.Rate `json:"chat_admin"`
	// ChatIP bounds chat requests per client address. Default "2000/hour".
	ChatIP ratelimit.Rate `json:"chat_ip"`
}

// ServerLimits is serve.Limits with durations written as Go duration
// strings in JSON. Zero fields take serve's defaults.
type ServerLimits struct {
	ReadHeaderTimeout    Duration `json:"read_header_timeout"`
	ReadTimeout          Duration `json:"read_timeout"`
	WriteTimeout         Duration `json:"write_timeout"`
	IdleTimeout          Duration `json:"idle_timeout"`
	MaxHeaderBytes       int      `json:"max_header_bytes"`
	MaxConns             int      `json:"max_conns"`
	MaxConcurrentStreams int      `json:"max_concurrent_streams"`
}

// Limits returns the serve.Limits, defaults filled in.
func (s ServerLimits) Limits() serve.Limits {
	return serve.Limits{
		ReadHeaderTimeout: time.Duration(s.ReadHeaderTimeout), ReadTimeout: time.Duration(s.ReadTimeout),
		WriteTimeout: time.Duration(s.WriteTimeout), IdleTimeout: time.Duration(s.IdleTimeout),
		MaxHeaderBytes: s.MaxHeaderBytes, MaxConns: s.MaxConns, MaxConcurrentStreams: s.MaxConcurrentStreams,
	}.WithDefaults()
}

// Duration is a time.Duration written as "15m" in JSON.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// minSecretLen is the shortest secret accepted: 256 bits.
const minSecretLen = 32

// loadConfig reads the configuration from args (flags), getenv and the
// file named by -config. Flag errors and usage go to stderr; warnings
// (generated secrets, secret files others may read) to logger.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer, logger *slog.Logger) (*Config, error) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "JSON configuration `file`")
	addr := fs.String("addr", "", "listen `address` of the API (default 127.0.0.1:8080)")
	redisURL := fs.String("redis", "", "Redis `URL` for rate limits, revocations and login attempts (env GATEHOUSE_REDIS_URL)")
	pgURL := fs.String("postgres", "", "PostgreSQL `URL` for users, API keys and audit events (env GATEHOUSE_POSTGRES_URL)")
	metrics := fs.String("metrics-addr", "", "serve /metrics on this `address`; a bare port means 127.0.0.1 (default off)")
	insecure := fs.Bool("insecure-cookies", false, "cookies without Secure, for browsers on plain HTTP to a non-localhost host")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := &Config{}
	if *file != "" {
		if err := readConfigFile(*file, cfg); err != nil {
			return nil, err
		}
	}
	for name, dst := range map[string]*string{"GATEHOUSE_REDIS_URL": &cfg.RedisURL, "GATEHOUSE_POSTGRES_URL": &cfg.PostgresURL} {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr":
			cfg.Addr = *addr
		case "redis":
			cfg.RedisURL = *redisURL
		case "postgres":
			cfg.PostgresURL = *pgURL
		case "metrics-addr":
			cfg.MetricsAddr = *metrics
		case "insecure-cookies":
			cfg.InsecureCookies = *insecure
		}
	})
	cfg.setDefaults()
	if err := cfg.loadSecrets(getenv, logger); err != nil {
		return nil, err
	}
	return cfg, cfg.validate()
}

func readConfigFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt setting is an error, not a silent default
	if err := dec.Decode(cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if dec.More() {
		return fmt.Errorf("config %s: more than one JSON value", path)
	}
	return nil
}

func (c *Config) setDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Addr, "127.0.0.1:8080")
	def(&c.RedisPrefix, "gatehouse:")
	def(&c.Issuer, "gatehouse-example")
	def(&c.Audience, "gatehouse-example-api")
	defDur := func(d *Duration, v time.Duration) {
		if *d == 0 {
			*d = Duration(v)
		}
	}
	defDur(&c.AccessTTL, 15*time.Minute)
	defDur(&c.RefreshTTL, 7*24*time.Hour)
	defDur(&c.ShutdownGrace, 10*time.Second)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	defRate := func(r *ratelimit.Rate, s string) {
		if r.IsZero() {
			*r, _ = ratelimit.ParseRate(s)
		}
	}
	l := &c.RateLimits
	defRate(&l.IP, "1200/minute burst 200")
	defRate(&l.Register, "10/hour")
	defRate(&l.Login, "5/minute")
	defRate(&l.ChatUser, "100/hour")
	defRate(&l.ChatStaff, "500/hour")
	defRate(&l.ChatAdmin, "1000/hour")
	defRate(&l.ChatIP, "2000/hour")
	if c.AllowedHosts == nil && loopbackAddr(c.Addr) {
		c.AllowedHosts = []string{"localhost", "127.0.0.1", "[::1]"}
	}
	if c.MetricsAddr != "" && !strings.Contains(strings.TrimPrefix(c.MetricsAddr, ":"), ":") {
		c.MetricsAddr = "127.0.0.1:" + strings.TrimPrefix(c.MetricsAddr, ":") // a bare port stays private
	}
}

// loopbackAddr reports whether a listen address is on a loopback host.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// loadSecrets reads each secret from the environment, then from the file
// the config names, and generates a random one when neither is set.
func (c *Config) loadSecrets(getenv func(string) string, logger *slog.Logger) error {
	warn := func(msg string, args ...any) { logger.Warn(msg, args...) }
	for _, s := range []struct {
		env, file string
		dst       *serve.Secret
		lost      string
	}{
		{"GATEHOUSE_JWT_SECRET", c.JWTSecretFile, &c.JWTSecret, "tokens stop verifying at restart and other instances refuse them"},
		{"GATEHOUSE_CSRF_KEY", c.CSRFKeyFile, &c.CSRFKey, "CSRF tokens stop verifying at restart"},
		{"GATEHOUSE_APIKEY_PEPPER", c.APIKeyPepperFile, &c.APIKeyPepper, "API keys stored in PostgreSQL stop working at restart"},
		{"GATEHOUSE_AUDIT_KEY", c.AuditKeyFile, &c.AuditKey, "the audit log's MAC chain cannot be verified after restart"},
	} {
		v, err := serve.LookupSecret(getenv, s.env, warn)
		if err == nil && !v.Set() && s.file != "" {
			v, err = serve.ReadSecretFile(s.file, "config "+s.env, warn)
		}
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if !v.Set() {
			b := make([]byte, minSecretLen)
			_, _ = rand.Read(b)
			v = serve.NewSecret(b, "generated at start")
			logger.Warn("no secret given; generated one for this run", "setting", s.env, "consequence", s.lost,
				"fix", "set "+s.env+"_FILE to a file of at least 32 random bytes")
		}
		if v.Len() < minSecretLen {
			return fmt.Errorf("config: %s is %d bytes; at least %d are required", s.env, v.Len(), minSecretLen)
		}
		*s.dst = v
	}
	return nil
}

func (c *Config) validate() error {
	var errs []error
	if c.AccessTTL <= 0 || c.RefreshTTL < c.AccessTTL {
		errs = append(errs, errors.New("access_ttl must be positive and refresh_ttl at least access_ttl"))
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		errs = append(errs, errors.New("max_body_bytes must be between 1 KiB and 1 GiB"))
	}
	if c.ShutdownGrace < 0 {
		errs = append(errs, errors.New("shutdown_grace must not be negative"))
	}
	if strings.ContainsAny(c.RedisPrefix, "{}") {
		errs = append(errs, errors.New("redis_prefix must not contain { or }"))
	}
	if err := c.Server.Limits().Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
