package audit

import (
	"context"
	"sync"
	"sync/atomic"
)

// AsyncOptions configures an Async recorder.
type AsyncOptions struct {
	// QueueSize is how many events may wait for the sink. When the queue is
	// full, Record drops the event and counts it instead of blocking the
	// request. Default 4096.
	QueueSize int
}

// Async hands events to another recorder on a background goroutine. Record
// never blocks: when the sink falls behind and the queue is full, events are
// dropped and counted (Dropped). Close drains the queue and stops the
// goroutine. Async is safe for concurrent use.
type Async struct {
	next    Recorder
	queue   chan Event
	mu      sync.RWMutex // held for reading by Record, for writing by Close
	closed  bool
	stop    chan struct{}
	done    chan struct{}
	dropped atomic.Uint64
	pending atomic.Int64 // queued or being recorded
}

// NewAsync starts the background goroutine that feeds next. Call Close to
// stop it.
func NewAsync(next Recorder, opts AsyncOptions) *Async {
	if next == nil {
		next = Nop{}
	}
	size := opts.QueueSize
	if size <= 0 {
		size = 4096
	}
	a := &Async{
		next:  next,
		queue: make(chan Event, size),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go a.run()
	return a
}

// Record queues e without blocking. After Close, events are dropped.
func (a *Async) Record(_ context.Context, e Event) {
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		a.dropped.Add(1)
		return
	}
	a.pending.Add(1)
	select {
	case a.queue <- e:
	default:
		a.pending.Add(-1)
		a.dropped.Add(1)
	}
	a.mu.RUnlock()
}

// Dropped returns how many events were dropped because the queue was full
// or the recorder closed.
func (a *Async) Dropped() uint64 { return a.dropped.Load() }

// Pending returns how many events are queued or being recorded.
func (a *Async) Pending() int { return int(a.pending.Load()) }

func (a *Async) run() {
	defer close(a.done)
	for {
		select {
		case e := <-a.queue:
			a.deliver(e)
		case <-a.stop:
			for {
				select {
				case e := <-a.queue:
					a.deliver(e)
				default:
					return
				}
			}
		}
	}
}

// deliver records one event; a panicking sink loses the event, not the
// process.
func (a *Async) deliver(e Event) {
	defer func() {
		if recover() != nil {
			a.dropped.Add(1)
		}
		a.pending.Add(-1)
	}()
	a.next.Record(context.Background(), e)
}

// Close stops accepting events, records those already queued, and waits for
// the goroutine to finish or ctx to end. It is safe to call more than once.
func (a *Async) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.stop)
	}
	a.mu.Unlock()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
