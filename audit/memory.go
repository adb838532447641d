package audit

import (
	"context"
	"sync"
)

// Memory keeps the most recent events in a fixed-size ring buffer, for tests
// and admin views. It is safe for concurrent use and implements Querier.
type Memory struct {
	mu     sync.Mutex
	buf    []Event
	next   int // where the next event goes
	filled bool
}

// NewMemory returns a ring buffer holding the last capacity events (at least
// one; default 1000 when capacity <= 0).
func NewMemory(capacity int) *Memory {
	if capacity <= 0 {
		capacity = 1000
	}
	return &Memory{buf: make([]Event, capacity)}
}

// Record stores e, overwriting the oldest event when full. The Details map
// is shared with the caller, who must not modify it afterwards.
func (m *Memory) Record(_ context.Context, e Event) {
	m.mu.Lock()
	m.buf[m.next] = e
	m.next++
	if m.next == len(m.buf) {
		m.next, m.filled = 0, true
	}
	m.mu.Unlock()
}

// Len returns how many events are held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.filled {
		return len(m.buf)
	}
	return m.next
}

// Events returns a copy of the held events, oldest first.
func (m *Memory) Events() []Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.filled {
		return append([]Event(nil), m.buf[:m.next]...)
	}
	out := make([]Event, 0, len(m.buf))
	out = append(out, m.buf[m.next:]...)
	return append(out, m.buf[:m.next]...)
}

// Query returns the held events that match f, newest first, at most
// f.EffectiveLimit() of them.
func (m *Memory) Query(_ context.Context, f Filter) ([]Event, error) {
	limit := f.EffectiveLimit()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.next
	if m.filled {
		n = len(m.buf)
	}
	out := make([]Event, 0, min(limit, n))
	for k := 1; k <= n && len(out) < limit; k++ {
		i := (m.next - k + len(m.buf)) % len(m.buf)
		if f.Match(&m.buf[i]) {
			out = append(out, m.buf[i])
		}
	}
	return out, nil
}

// Reset discards every held event.
func (m *Memory) Reset() {
	m.mu.Lock()
	clear(m.buf)
	m.next, m.filled = 0, false
	m.mu.Unlock()
}
