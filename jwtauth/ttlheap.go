package jwtauth

import "container/heap"

// expiry is a heap item: a key and the time (Unix nanoseconds) after which
// its entry may be forgotten.
type expiry[K comparable] struct {
	at  int64
	key K
}

// expiries is a min-heap of expiries, earliest first. An entry may appear
// more than once when its expiry was extended; the owner checks the map
// before deleting and compacts the heap when stale items pile up.
type expiries[K comparable] []expiry[K]

func (h expiries[K]) Len() int           { return len(h) }
func (h expiries[K]) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiries[K]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries[K]) Push(x any)        { *h = append(*h, x.(expiry[K])) }
func (h *expiries[K]) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *expiries[K]) push(at int64, key K) { heap.Push(h, expiry[K]{at, key}) }

// peek returns the earliest item; the heap must not be empty.
func (h expiries[K]) peek() expiry[K] { return h[0] }

func (h *expiries[K]) pop() expiry[K] { return heap.Pop(h).(expiry[K]) }

// rebuild replaces the heap's items with one per live entry.
func (h *expiries[K]) rebuild(live func(yield func(K, int64))) {
	*h = (*h)[:0]
	live(func(k K, at int64) { *h = append(*h, expiry[K]{at, k}) })
	heap.Init(h)
}
