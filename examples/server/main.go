// Command server is the secured backend of an AI platform, and the
// tutorial of how a Go service wires Gatehouse. Read it top to bottom.
//
//	go run ./examples/server                  # in memory, on 127.0.0.1:8080
//	go run ./examples/server -redis redis://127.0.0.1:6379/0 \
//	    -postgres 'postgres://postgres@127.0.0.1:5432/app?sslmode=disable'   # shared by several instances
//
// Every request passes through, outermost first:
//
//	metrics → request id → client IP → security headers → CORS → CSRF origin check →
//	request hygiene (sanitize) → per-IP rate limit → router →
//	per-route rate limits and authentication → handler
//
// and every security decision on the way is an audit event, logged,
// counted in Prometheus metrics and kept for the admin view.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gatehouse-go/gatehouse/apikey"
	"github.com/gatehouse-go/gatehouse/audit"
	"github.com/gatehouse-go/gatehouse/clientip"
	"github.com/gatehouse-go/gatehouse/cors"
	"github.com/gatehouse-go/gatehouse/csrf"
	"github.com/gatehouse-go/gatehouse/headers"
	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/gatehouse-go/gatehouse/password"
	"github.com/gatehouse-go/gatehouse/prommetrics"
	"github.com/gatehouse-go/gatehouse/ratelimit"
	"github.com/gatehouse-go/gatehouse/sanitize"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse-go/gatehouse/examples/internal/api"
	"github.com/gatehouse-go/gatehouse/examples/internal/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run is the whole program: it reads the configuration, builds the
// server, serves until ctx ends (SIGINT, SIGTERM) and shuts down
// gracefully. Tests call it with their own arguments and environment, on
// 127.0.0.1:0, and learn the bound address through ready.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(addr string)) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := loadConfig(args, getenv, stderr, logger)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return serveConfig(ctx, cfg, logger, stdout, ready)
}

// serveConfig builds the server for cfg, listens, and serves until ctx ends.
func serveConfig(ctx context.Context, cfg *Config, logger *slog.Logger, stdout io.Writer, ready func(string)) error {
	srv, err := build(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer srv.close(logger) // after the listeners: flushes API-key usage and the audit queues
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limits, grace, metricsDone := cfg.Server.Limits(), time.Duration(cfg.ShutdownGrace), make(chan error, 1)
	if cfg.MetricsAddr == "" {
		metricsDone <- nil
	} else { // metrics on their own, private listener, never on the public API
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		msrv := serve.NewServer(promhttp.HandlerFor(srv.registry, promhttp.HandlerOpts{}), limits, logger)
		go func() { metricsDone <- serve.Run(ctx, msrv, mln, grace) }()
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", mln.Addr())
	}
	addr := ln.Addr().String()
	fmt.Fprintf(stdout, "Gatehouse example API on http://%s\ntry: curl -si http://%s/api/auth/register "+
		"-H 'Content-Type: application/json' -d '{\"username\":\"alice\",\"email\":\"alice@example.com\",\"password\":\"correct horse battery staple\"}'\n",
		addr, addr)
	srv.events.Record(ctx, audit.Event{Time: time.Now(), Type: audit.SysStartup, Outcome: audit.OutcomeSuccess, Source: "server", Description: "server started"})
	if ready != nil {
		ready(addr)
	}
	err = serve.Run(ctx, serve.NewServer(srv.handler, limits, logger), serve.LimitListener(ln, limits.MaxConns), grace)
	cancel()
	srv.events.Record(context.Background(), audit.Event{Time: time.Now(), Type: audit.SysShutdown, Outcome: audit.OutcomeSuccess, Source: "server", Description: "server stopped"})
	return errors.Join(err, <-metricsDone)
}

// build creates every component and assembles the handler.
func build(ctx context.Context, cfg *Config, logger *slog.Logger) (_ *server, err error) {
	s := &server{registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			s.close(logger)
		}
	}()
	// Stores: in memory, or Redis and PostgreSQL when configured (stores.go).
	st, err := openStores(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	s.onClose(st.close)

	// Audit: every package reports its decisions as events. They are
	// counted in Prometheus, kept in a ring (or PostgreSQL) for the admin
	// view, and logged off the request path.
	logQueue := audit.NewAsync(audit.NewSlog(logger), audit.AsyncOptions{})
	s.onClose(logQueue.Close)
	dropped := func() uint64 { return logQueue.Dropped() + st.auditDropped() }
	metrics, err := prommetrics.NewRecorder(s.registry, prommetrics.RecorderOptions{Dropped: dropped})
	if err != nil {
		return nil, err
	}
	var kept eventStore = audit.NewMemory(1000)
	if st.auditLog != nil {
		kept = st.auditLog
	}
	events := audit.Multi(metrics, kept, logQueue)
	s.events = events

	// Who is the client: the peer address, or what trusted proxies say.
	ip, err := clientip.New(clientip.Options{TrustedProxies: cfg.TrustedProxies})
	if err != nil {
		return nil, err
	}
	// Security headers, and only our own Host names (DNS rebinding).
	sec, err := headers.New(headers.Options{Resolver: ip, AllowedHosts: cfg.AllowedHosts, Audit: events})
	if err != nil {
		return nil, err
	}
	// CORS: which front ends may call the API with credentials.
	crossOrigin, err := cors.New(cors.Options{
		AllowedOrigins: cfg.CORSOrigins, AllowCredentials: true, MaxAge: 600,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowedHeaders: []string{"Authorization", "X-API-Key", "X-CSRF-Token", "X-Request-Id"},
		ExposedHeaders: []string{"Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-Id"},
		Audit:          events,
	})
	if err != nil {
		return nil, err
	}
	// CSRF, twice: browsers' Fetch metadata refuses cross-site unsafe
	// requests on every route, and cookie-authenticated requests must also
	// echo the double-submit token bound to their session (jwtauth below).
	origins, err := csrf.New(csrf.Options{TrustedOrigins: cfg.CORSOrigins, RequestScheme: ip.Scheme, Audit: events})
	if err != nil {
		return nil, err
	}
	csrfTokens, err := csrf.NewTokens(csrf.TokenOptions{
		Key: cfg.CSRFKey.Bytes(), MaxAge: time.Duration(cfg.RefreshTTL), InsecureCookie: cfg.InsecureCookies, Audit: events,
	})
	if err != nil {
		return nil, err
	}
	// Request hygiene: JSON bodies only, bounded, well-formed; likely
	// injections are logged (sanitize never rewrites input).
	hygiene, err := sanitize.New(sanitize.Options{MaxBodyBytes: cfg.MaxBodyBytes, Audit: events})
	if err != nil {
		return nil, err
	}

	// Rate limits, all in one store (memory or Redis) and kept apart by name.
	// Routes with a quota announce it (RateLimit, X-RateLimit-*); the per-IP
	// safety net on every request speaks only through its 429's Retry-After.
	limiter := func(name string, rate ratelimit.Rate, key ratelimit.KeyFunc, tiers ratelimit.RateFunc, hdr ratelimit.HeaderMode) *ratelimit.Limiter {
		l, lerr := ratelimit.New(ratelimit.Options{Name: name, Rate: rate, Key: key, RateFor: tiers, Store: st.rates, Headers: hdr, Audit: events})
		err = errors.Join(err, lerr)
		return l
	}
	rl, all := cfg.RateLimits, ratelimit.HeadersAll
	roleTiers, err := ratelimit.Tiers(api.RoleOf, map[string]ratelimit.Rate{"user": rl.ChatUser, "staff": rl.ChatStaff, "admin": rl.ChatAdmin})
	if err != nil {
		return nil, err
	}
	perIP := limiter("ip", rl.IP, ratelimit.ByIP, nil, ratelimit.HeadersNone)
	registerLimit := limiter("register", rl.Register, ratelimit.ByIP, nil, all)
	loginLimit := limiter("login", rl.Login, ratelimit.ByIP, nil, all)
	chatPerUser := limiter("chat", rl.ChatUser, ratelimit.ByContext(api.SubjectOf), roleTiers, all)
	chatPerIP := limiter("chat-ip", rl.ChatIP, ratelimit.ByIP, nil, all)
	if err != nil {
		return nil, err
	}
	chatLimits, err := ratelimit.All(chatPerUser, chatPerIP)
	if err != nil {
		return nil, err
	}

	// JWT: an HS256 key, access and refresh tokens in the Authorization
	// header or in HttpOnly cookies (then with the CSRF token).
	key, err := jwtauth.NewKey("", jwtauth.HS256, cfg.JWTSecret.Bytes())
	if err != nil {
		return nil, err
	}
	keys, err := jwtauth.NewKeySet(key)
	if err != nil {
		return nil, err
	}
	auth, err := jwtauth.New(jwtauth.Options[api.Claims]{
		Keys: keys, Issuer: cfg.Issuer, Audience: []string{cfg.Audience},
		AccessTTL: time.Duration(cfg.AccessTTL), RefreshTTL: time.Duration(cfg.RefreshTTL),
		Cookie:  &jwtauth.CookieOptions{CSRF: csrfTokens, RefreshPath: "/api/auth/refresh", InsecureCookie: cfg.InsecureCookies},
		Revoker: st.revoker, Families: st.families, Audit: events,
	})
	if err != nil {
		return nil, err
	}
	admins := auth.Require("role=admin", api.IsAdmin)

	// API keys: hashed with a pepper, usage counted off the request path.
	keyManager, err := apikey.NewManager(apikey.ManagerOptions{
		Store: st.apiKeys, Pepper: cfg.APIKeyPepper.Bytes(), Prefix: "gk_live", MaxLifetime: 365 * 24 * time.Hour, Audit: events,
	})
	if err != nil {
		return nil, err
	}
	keyAuth, err := apikey.New(apikey.Options{Store: st.apiKeys, Pepper: cfg.APIKeyPepper.Bytes(), Prefixes: []string{"gk_live"}, Audit: events})
	if err != nil {
		return nil, err
	}
	s.onClose(keyAuth.Close) // first at shutdown: its last usage flush may still record events

	// Passwords: Argon2id, the NIST policy, and the failed-login tracker.
	policy, err := password.NewPolicy(password.PolicyOptions{Blocklist: []string{"gatehouse"}})
	if err != nil {
		return nil, err
	}
	hasher, err := password.NewHasher(password.HasherOptions{})
	if err != nil {
		return nil, err
	}
	tracker, err := password.NewTracker(password.TrackerOptions{Store: st.logins, Audit: events})
	if err != nil {
		return nil, err
	}

	// Routes, each with its own limits and authentication.
	app := &api.App{
		Users: st.users, Auth: auth, Keys: keyManager, Hasher: hasher, Policy: policy, Tracker: tracker,
		Events: events, Log: kept, Checks: st.checks, KeyScopes: []string{"chat"}, Logger: logger,
	}
	h := func(f http.HandlerFunc) http.Handler { return f }
	chat := chatLimits.Handler(h(app.Chat))
	rt := api.NewRouter()
	rt.Handle("POST /api/auth/register", registerLimit.Handler(h(app.Register)))
	rt.Handle("POST /api/auth/login", loginLimit.Handler(h(app.Login)))
	rt.Handle("POST /api/auth/refresh", auth.RefreshHandler())
	rt.Handle("POST /api/auth/logout", auth.LogoutHandler())
	rt.Handle("GET /api/auth/profile", auth.Handler(h(app.Profile)))
	rt.Handle("POST /api/keys", auth.Handler(h(app.CreateKey)))
	rt.Handle("GET /api/keys", auth.Handler(h(app.ListKeys)))
	rt.Handle("DELETE /api/keys/{id}", auth.Handler(h(app.DeleteKey)))
	rt.Handle("POST /api/agent/chat", api.JWTOrAPIKey(auth.Handler(chat), keyAuth.Handler(keyAuth.RequireScopes("chat")(chat))))
	rt.Handle("GET /api/admin/security-events", auth.Handler(admins(h(app.SecurityEvents))))
	rt.Handle("GET /.well-known/jwks.json", keys.JWKSHandler(0))
	rt.Handle("GET /healthz", h(app.Health))

	// The chain, built from the inside out: the last line runs first.
	requests, err := prommetrics.NewMiddleware(s.registry, prommetrics.MiddlewareOptions{})
	if err != nil {
		return nil, err
	}
	var handler http.Handler = prommetrics.CaptureRoute(rt.Mux())
	handler = perIP.Handler(handler)       // 7. per-IP limit on everything
	handler = hygiene.Handler(handler)     // 6. sizes, encodings, JSON structure
	handler = origins.Handler(handler)     // 5. no cross-site unsafe requests
	handler = crossOrigin.Handler(handler) // 4. CORS preflights and headers
	handler = sec.Handler(handler)         // 3. security headers, Host check
	handler = ip.Handler(handler)          // 2. client address, for limits and events
	handler = audit.RequestID(handler)     // 1. request id, in events and X-Request-Id
	s.handler = requests.Handler(handler)  // 0. metrics, outermost, so that every rejection is counted
	return s, nil
}
