package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/ratelimit"
	"github.com/gatehouse-go/gatehouse/redisstore"
	"github.com/gatehouse-go/gatehouse/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-go/gatehouse/examples/internal/api"
	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
	"github.com/gatehouse-go/gatehouse/examples/internal/users"
)

// server is the assembled handler and what must be closed after it.
type server struct {
	handler  http.Handler
	registry *prometheus.Registry
	events   audit.Recorder
	closers  []func(context.Context) error // run last registered first, as defers
}

// onClose registers f to run at shutdown, before the closers registered earlier.
func (s *server) onClose(f func(context.Context) error) {
	s.closers = append([]func(context.Context) error{f}, s.closers...)
}

func (s *server) close(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range s.closers {
		if err := c(ctx); err != nil {
			logger.Error("shutdown", "error", err)
		}
	}
}

// eventStore records security events and answers queries about them.
type eventStore interface {
	audit.Recorder
	audit.Querier
}

// stores are the state the server keeps. Each is in memory unless Redis
// (counters and revocations: short-lived, hot) or PostgreSQL (users, API
// keys, security events: durable) is configured; either way several
// instances started with the same URLs share everything.
type stores struct {
	users    users.Store
	rates    ratelimit.Store
	revoker  jwtauth.Revoker     // nil: jwtauth's in-memory default
	families jwtauth.FamilyStore // nil: jwtauth's in-memory default
	logins   password.Store      // nil: the tracker's in-memory default
	apiKeys  apikey.Store
	auditLog *sqlstore.AuditLog // nil without PostgreSQL
	checks   []api.Check
	closers  []func(context.Context) error
}

// connectTimeout bounds connecting to Redis and PostgreSQL at start.
const connectTimeout = 10 * time.Second

func openStores(ctx context.Context, cfg *Config, logger *slog.Logger) (_ *stores, err error) {
	st := &stores{}
	defer func() {
		if err != nil {
			_ = st.close(context.Background())
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()

	if cfg.RedisURL == "" {
		if st.rates, err = ratelimit.NewMemoryStore(ratelimit.MemoryOptions{}); err != nil {
			return nil, err
		}
	} else {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, errors.New("redis: the URL does not parse") // the error would print the URL, password included
		}
		opts.ContextTimeoutEnabled = true // so that the rate limiter's timeout bounds each call
		client := redis.NewClient(opts)
		st.closers = append(st.closers, func(context.Context) error { return client.Close() })
		if err := redisstore.Ping(ctx, client); err != nil {
			return nil, fmt.Errorf("redis at %s: %w", serve.RedactURL(cfg.RedisURL), err)
		}
		if st.rates, err = redisstore.NewRateLimitStore(client, redisstore.RateLimitOptions{Prefix: cfg.RedisPrefix}); err != nil {
			return nil, err
		}
		if st.revoker, err = redisstore.NewJWTRevoker(client, redisstore.JWTOptions{Prefix: cfg.RedisPrefix}); err != nil {
			return nil, err
		}
		if st.families, err = redisstore.NewJWTFamilies(client, redisstore.JWTOptions{Prefix: cfg.RedisPrefix}); err != nil {
			return nil, err
		}
		if st.logins, err = redisstore.NewLoginStore(client, redisstore.LoginOptions{Prefix: cfg.RedisPrefix}); err != nil {
			return nil, err
		}
		st.checks = append(st.checks, api.Check{Name: "redis", Ping: func(ctx context.Context) error { return redisstore.Ping(ctx, client) }})
	}

	if cfg.PostgresURL == "" {
		st.users = users.NewMemory(0)
		st.apiKeys = apikey.NewMemoryStore(apikey.MemoryOptions{})
		st.checks = append(st.checks, api.Check{Name: "users", Ping: st.users.Ping})
	} else {
		db, err := sql.Open("pgx", cfg.PostgresURL)
		if err != nil {
			return nil, errors.New("postgres: the URL does not parse")
		}
		db.SetMaxOpenConns(20)
		st.closers = append(st.closers, func(context.Context) error { return db.Close() })
		if err := sqlstore.Ping(ctx, db); err != nil {
			return nil, fmt.Errorf("postgres at %s: %w", serve.RedactURL(cfg.PostgresURL), err)
		}
		if err := sqlstore.Migrate(ctx, db); err != nil {
			return nil, err
		}
		if st.users, err = users.NewPostgres(ctx, db); err != nil {
			return nil, err
		}
		// A short cache in front of the key table: a busy key costs one
		// query per 10 s, and a key revoked on another instance is refused
		// here within those 10 s.
		if st.apiKeys, err = apikey.NewCache(sqlstore.NewAPIKeyStore(db), apikey.CacheOptions{}); err != nil {
			return nil, err
		}
		if st.auditLog, err = sqlstore.NewAuditLog(db, sqlstore.AuditOptions{Key: cfg.AuditKey.Bytes()}); err != nil {
			return nil, err
		}
		log := st.auditLog
		st.closers = append(st.closers, log.Close) // before db.Close: closers run in reverse
		st.checks = append(st.checks, api.Check{Name: "postgres", Ping: func(ctx context.Context) error { return sqlstore.Ping(ctx, db) }})
	}
	if cfg.users != nil {
		st.users = cfg.users
	}
	logger.Info("stores", "counters", where("redis", cfg.RedisURL), "records", where("postgres", cfg.PostgresURL))
	return st, nil
}

// where names a store for the start-up log, without its password.
func where(kind, url string) string {
	if url == "" {
		return "memory"
	}
	return kind + " " + serve.RedactURL(url)
}

// auditDropped counts the security events the PostgreSQL log lost.
func (st *stores) auditDropped() uint64 {
	if st.auditLog == nil {
		return 0
	}
	return st.auditLog.Dropped() + st.auditLog.Failed()
}

// close writes what is queued and disconnects, newest first.
func (st *stores) close(ctx context.Context) error {
	var errs []error
	for i := len(st.closers) - 1; i >= 0; i-- {
		errs = append(errs, st.closers[i](ctx))
	}
	st.closers = nil
	return errors.Join(errs...)
}
