package sanitize

import (
	"bytes"
	"hash/maphash"
	"unicode"
)

// Duplicate member names are found with memory and time linear in the
// number of members: the canonical names of the objects currently open are
// kept on a stack (arena and keys), truncated when an object closes. A
// small object is searched linearly; once it passes smallObject members it
// gets an open-addressing hash table, one per nesting level, sized to that
// object alone and grown by doubling. maphash is keyed per Sanitizer with a
// random seed, so a client cannot precompute colliding names, and a hash
// match is confirmed by comparing the names.
const smallObject = 8

type jsonFrame struct {
	obj     bool
	count   int // members or elements so far
	keys    int // index in jsonState.keys of this object's first member
	arena   int // length of jsonState.arena when this object opened
	tabSize int // size of this object's hash table; 0 before it has one
}

type jsonKey struct {
	hash   uint64 // maphash of the name, once the object has a table
	fp     uint64 // fingerprint: length and first bytes, for cheap inequality
	off, n uint32 // canonical name: arena[off : off+n]
}

// fingerprint packs a name's length and first seven bytes: two names with
// different fingerprints differ.
func fingerprint(name []byte) uint64 {
	fp := uint64(len(name)) << 56
	for i := 0; i < len(name) && i < 7; i++ {
		fp |= uint64(name[i]) << (8 * i)
	}
	return fp
}

// foldASCII maps a-z to A-Z and every other byte to itself.
var foldASCII = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if i >= 'a' && i <= 'z' {
			t[i] = byte(i - 'a' + 'A')
		}
	}
	return t
}()

// jsonState is the scratch space of one JSON check.
type jsonState struct {
	frames []jsonFrame
	keys   []jsonKey
	arena  []byte
	tabs   [][]int32 // per depth: key index + 1, 0 for empty
	probes int       // probe count, for the linearity test
	str    []byte    // unescaped string value for the value checks
}

func (st *jsonState) reset() {
	st.frames = st.frames[:0]
	st.keys = st.keys[:0]
	st.arena = st.arena[:0]
	st.probes = 0
}

func (st *jsonState) pop() {
	f := st.frames[len(st.frames)-1]
	st.frames = st.frames[:len(st.frames)-1]
	if f.obj {
		st.keys = st.keys[:f.keys]
		st.arena = st.arena[:f.arena]
	}
}

func (st *jsonState) name(k int) []byte {
	e := st.keys[k]
	return st.arena[e.off : e.off+e.n]
}

// duplicate reports whether the last key in st.keys repeats a member name
// of the object f at nesting level depth.
func (st *jsonState) duplicate(f *jsonFrame, depth int, seed *maphash.Seed) bool {
	last := len(st.keys) - 1
	if f.tabSize == 0 {
		if last-f.keys < smallObject {
			fp := st.keys[last].fp
			for k := f.keys; k < last; k++ {
				st.probes++
				if st.keys[k].fp == fp && bytes.Equal(st.name(k), st.name(last)) {
					return true
				}
			}
			return false
		}
		for k := f.keys; k <= last; k++ {
			st.keys[k].hash = maphash.Bytes(*seed, st.name(k))
		}
		// The earlier names were checked pairwise: insert them unchecked,
		// then check the new one against them.
		st.rebuild(f, depth, 4*smallObject)
		return st.lookupInsert(f, depth, last, true)
	}
	st.keys[last].hash = maphash.Bytes(*seed, st.name(last))
	if 2*(last-f.keys+1) > f.tabSize {
		st.rebuild(f, depth, 2*f.tabSize)
	}
	return st.lookupInsert(f, depth, last, true)
}

// rebuild gives object f a cleared table of size entries holding all its
// names but the last.
func (st *jsonState) rebuild(f *jsonFrame, depth, size int) {
	for len(st.tabs) <= depth {
		st.tabs = append(st.tabs, nil)
	}
	tab := st.tabs[depth]
	if cap(tab) < size {
		tab = make([]int32, size)
		st.tabs[depth] = tab
	}
	tab = tab[:size]
	clear(tab)
	f.tabSize = size
	last := len(st.keys) - 1
	for k := f.keys; k < last; k++ {
		st.lookupInsert(f, depth, k, false)
	}
}

// lookupInsert inserts key k into f's table; with check it first reports a
// name already there.
func (st *jsonState) lookupInsert(f *jsonFrame, depth, k int, check bool) bool {
	tab := st.tabs[depth][:f.tabSize]
	mask := uint64(f.tabSize - 1)
	h := st.keys[k].hash
	for i := h & mask; ; i = (i + 1) & mask {
		st.probes++
		e := tab[i]
		if e == 0 {
			tab[i] = int32(k + 1)
			return false
		}
		if check && st.keys[e-1].hash == h && bytes.Equal(st.name(int(e-1)), st.name(k)) {
			return true
		}
	}
}

// foldRune returns the smallest rune of r's simple case-folding orbit, the
// canonical form encoding/json uses to match member names to fields.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}
