package audit

import (
	"context"
	"log/slog"
	"sort"
)

// Slog writes events to a log/slog logger, one record per event with the
// message "security_event". Info events log at slog.LevelInfo, warnings at
// LevelWarn, critical events at LevelError. Use a JSON handler for machine
// consumption. Slog is safe for concurrent use when the handler is.
//
// Writing is synchronous: put an Async in front when the handler does I/O
// that can stall.
type Slog struct {
	logger *slog.Logger
}

// NewSlog returns a recorder that writes to l (slog.Default() when nil).
func NewSlog(l *slog.Logger) *Slog {
	if l == nil {
		l = slog.Default()
	}
	return &Slog{logger: l}
}

var slogLevels = [...]slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelError}

// Record logs e.
func (s *Slog) Record(ctx context.Context, e Event) {
	level := slog.LevelError
	if int(e.Severity) < len(slogLevels) {
		level = slogLevels[e.Severity]
	}
	if !s.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 14)
	attrs = append(attrs,
		slog.Time("event_time", e.Time),
		slog.String("type", Clean(string(e.Type), 64)),
		slog.String("severity", e.Severity.String()),
	)
	add := func(k, v string, max int) {
		if v != "" {
			attrs = append(attrs, slog.String(k, Clean(v, max)))
		}
	}
	add("outcome", string(e.Outcome), 32)
	add("actor", e.Actor, 128)
	if e.ClientIP.IsValid() {
		attrs = append(attrs, slog.String("client_ip", e.ClientIP.String()))
	}
	add("user_agent", e.UserAgent, maxUserAgentLen)
	add("request_id", e.RequestID, 64)
	add("method", e.Method, maxMethodLen)
	add("path", e.Path, maxPathLen)
	add("description", e.Description, 256)
	add("source", e.Source, 32)
	if len(e.Details) > 0 {
		keys := make([]string, 0, len(e.Details))
		for k := range e.Details {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		group := make([]any, 0, len(keys))
		for _, k := range keys {
			group = append(group, slog.String(Clean(k, 64), Clean(e.Details[k], 256)))
		}
		attrs = append(attrs, slog.Group("details", group...))
	}
	s.logger.LogAttrs(ctx, level, "security_event", attrs...)
}
