package ratelimit

// table is an open-addressing hash table with linear probing from 64-bit key
// hashes to GCRA theoretical arrival times. It stores 16 bytes per slot and
// keeps its load between 3/16 and 3/4 (after growing or shrinking), so an
// active key costs 21 to 85 bytes with a typical 32; it never stores the
// key itself. Deletion shifts later entries back (no tombstones), so memory
// and probe lengths stay proportional to the live keys.
//
// A table is not safe for concurrent use; its shard's mutex guards it.
type table struct {
	slots []slot
	count int
	// cursor is where the incremental sweep resumes.
	cursor int
}

type slot struct {
	h   uint64 // key hash; 0 marks an empty slot
	tat int64  // theoretical arrival time, nanoseconds on the store's clock
}

const minSlots = 16

// find returns the index of h, or of the empty slot where it would go.
func (t *table) find(h uint64) (int, bool) {
	mask := len(t.slots) - 1
	i := int(h) & mask
	for {
		s := &t.slots[i]
		if s.h == h {
			return i, true
		}
		if s.h == 0 {
			return i, false
		}
		i = (i + 1) & mask
	}
}

// lookup returns the tat stored for h and its slot, or, when h is absent,
// the empty slot where it would go (-1 when the table has no slots).
func (t *table) lookup(h uint64) (idx int, tat int64, ok bool) {
	if len(t.slots) == 0 {
		return -1, 0, false
	}
	i, ok := t.find(h)
	return i, t.slots[i].tat, ok
}

// insertAt adds h at the empty slot idx that lookup returned, unless the
// table must grow first. The table must not have changed since lookup.
func (t *table) insertAt(idx int, h uint64, tat int64, maxSlots int) {
	if idx < 0 || t.mustGrow(maxSlots) {
		t.insert(h, tat, maxSlots)
		return
	}
	t.slots[idx] = slot{h: h, tat: tat}
	t.count++
}

// mustGrow reports whether one more entry would make the table grow.
func (t *table) mustGrow(maxSlots int) bool {
	return (t.count+1)*4 > len(t.slots)*3 && len(t.slots) < maxSlots
}

// insert adds h, which must not be present, growing the table when it would
// pass 3/4 full. maxSlots bounds the growth.
func (t *table) insert(h uint64, tat int64, maxSlots int) {
	if len(t.slots) == 0 {
		t.slots = make([]slot, minSlots)
	} else if t.mustGrow(maxSlots) {
		t.resize(len(t.slots) * 2)
	}
	i, _ := t.find(h)
	t.slots[i] = slot{h: h, tat: tat}
	t.count++
}

// deleteAt removes the entry at i and shifts the following run back so that
// every entry stays reachable from its home slot.
func (t *table) deleteAt(i int) {
	mask := len(t.slots) - 1
	j := i
	for {
		j = (j + 1) & mask
		s := t.slots[j]
		if s.h == 0 {
			break
		}
		home := int(s.h) & mask
		// s may move to i if its home is not in the cyclic range (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = s
			i = j
		}
	}
	t.slots[i] = slot{}
	t.count--
}

// resize rehashes into n slots (a power of two).
func (t *table) resize(n int) {
	old := t.slots
	t.slots = make([]slot, n)
	t.count = 0
	t.cursor = 0
	mask := n - 1
	for _, s := range old {
		if s.h == 0 {
			continue
		}
		i := int(s.h) & mask
		for t.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
		t.count++
	}
}

// sweep examines up to n slots from the cursor and deletes the buckets that
// are full again (tat at or before now): they are indistinguishable from
// keys never seen. It then shrinks the table when it is under 1/8 full, and
// releases it entirely when it is empty. It returns how many it deleted.
func (t *table) sweep(now int64, n int) int {
	if len(t.slots) == 0 {
		return 0
	}
	deleted := 0
	mask := len(t.slots) - 1
	for ; n > 0; n-- {
		i := t.cursor & mask
		s := &t.slots[i]
		if s.h != 0 && s.tat <= now {
			t.deleteAt(i) // a later entry may have moved into i: examine it next
			deleted++
			continue
		}
		t.cursor = (i + 1) & mask
	}
	switch {
	case t.count == 0:
		t.slots, t.cursor = nil, 0
	case len(t.slots) > minSlots && t.count*8 < len(t.slots):
		t.resize(len(t.slots) / 2)
	}
	return deleted
}

// evictOne deletes one full bucket found within n slots of the cursor, for
// room when the table is at its key limit. Buckets that are not full are
// never evicted: forgetting them would hand their owners a fresh burst.
func (t *table) evictOne(now int64, n int) bool {
	if len(t.slots) == 0 {
		return false
	}
	mask := len(t.slots) - 1
	for ; n > 0; n-- {
		i := t.cursor & mask
		t.cursor = (i + 1) & mask
		if s := t.slots[i]; s.h != 0 && s.tat <= now {
			t.deleteAt(i)
			return true
		}
	}
	return false
}

// compact deletes every full bucket and rehashes the rest into the smallest
// table (at most maxSlots) that holds them at most half full.
func (t *table) compact(now int64, maxSlots int) {
	live := 0
	for _, s := range t.slots {
		if s.h != 0 && s.tat > now {
			live++
		}
	}
	if live == 0 {
		*t = table{}
		return
	}
	n := minSlots
	for n < live*2 && n < maxSlots {
		n *= 2
	}
	if live == t.count && n == len(t.slots) {
		return // nothing to release
	}
	old := t.slots
	t.slots = make([]slot, n)
	t.count, t.cursor = 0, 0
	mask := n - 1
	for _, s := range old {
		if s.h == 0 || s.tat <= now {
			continue
		}
		i := int(s.h) & mask
		for t.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
		t.count++
	}
}
