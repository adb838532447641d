package password

// A straightforward Argon2id (version 0x13) written from RFC 9106, for
// tests only. x/crypto's argon2 has no inputs for the secret K and the
// associated data X, which the RFC 9106 §5.3 test vector uses, so the
// vector cannot be run through x/crypto directly. This reference runs it,
// and TestArgon2ReferenceMatchesXCrypto then shows that x/crypto computes
// the same function as this reference when K and X are empty.

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

type refBlock [128]uint64

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// refHPrime is H' of RFC 9106 §3.3, the variable-length hash.
func refHPrime(out []byte, in ...[]byte) {
	t := len(out)
	if t <= 64 {
		h, _ := blake2b.New(t, nil)
		h.Write(le32(uint32(t)))
		for _, b := range in {
			h.Write(b)
		}
		h.Sum(out[:0])
		return
	}
	r := (t+31)/32 - 2
	h, _ := blake2b.New512(nil)
	h.Write(le32(uint32(t)))
	for _, b := range in {
		h.Write(b)
	}
	v := h.Sum(nil)
	copy(out, v[:32])
	pos := 32
	for i := 2; i <= r; i++ {
		s := blake2b.Sum512(v)
		v = s[:]
		copy(out[pos:], v[:32])
		pos += 32
	}
	last, _ := blake2b.New(t-32*r, nil)
	last.Write(v)
	copy(out[pos:], last.Sum(nil))
}

func refBlaMka(x, y uint64) uint64 {
	return x + y + 2*(x&0xffffffff)*(y&0xffffffff)
}

func refG(v *refBlock, a, b, c, d int) {
	v[a] = refBlaMka(v[a], v[b])
	v[d] = bits.RotateLeft64(v[d]^v[a], -32)
	v[c] = refBlaMka(v[c], v[d])
	v[b] = bits.RotateLeft64(v[b]^v[c], -24)
	v[a] = refBlaMka(v[a], v[b])
	v[d] = bits.RotateLeft64(v[d]^v[a], -16)
	v[c] = refBlaMka(v[c], v[d])
	v[b] = bits.RotateLeft64(v[b]^v[c], -63)
}

// refP is the BLAKE2b round without message on the 16 words at idx.
func refP(v *refBlock, idx [16]int) {
	refG(v, idx[0], idx[4], idx[8], idx[12])
	refG(v, idx[1], idx[5], idx[9], idx[13])
	refG(v, idx[2], idx[6], idx[10], idx[14])
	refG(v, idx[3], idx[7], idx[11], idx[15])
	refG(v, idx[0], idx[5], idx[10], idx[15])
	refG(v, idx[1], idx[6], idx[11], idx[12])
	refG(v, idx[2], idx[7], idx[8], idx[13])
	refG(v, idx[3], idx[4], idx[9], idx[14])
}

// refFill computes next = G(prev, ref) (XORed into next when withXor), the
// compression function of RFC 9106 §3.5.
func refFill(prev, ref, next *refBlock, withXor bool) {
	var r, tmp refBlock
	for i := range r {
		r[i] = prev[i] ^ ref[i]
	}
	tmp = r
	if withXor {
		for i := range tmp {
			tmp[i] ^= next[i]
		}
	}
	for i := 0; i < 8; i++ {
		var idx [16]int
		for j := range idx {
			idx[j] = 16*i + j
		}
		refP(&r, idx)
	}
	for i := 0; i < 8; i++ {
		var idx [16]int
		for j := 0; j < 8; j++ {
			idx[2*j] = 2*i + 16*j
			idx[2*j+1] = 2*i + 16*j + 1
		}
		refP(&r, idx)
	}
	for i := range next {
		next[i] = tmp[i] ^ r[i]
	}
}

// refArgon2id derives a tagLen-byte tag with Argon2id version 0x13.
func refArgon2id(password, salt, secret, data []byte, time, memory, lanes uint32, tagLen int) []byte {
	const syncPoints = 4
	h0 := func() []byte {
		h, _ := blake2b.New512(nil)
		for _, v := range []uint32{lanes, uint32(tagLen), memory, time, 0x13, 2} {
			h.Write(le32(v))
		}
		for _, b := range [][]byte{password, salt, secret, data} {
			h.Write(le32(uint32(len(b))))
			h.Write(b)
		}
		return h.Sum(nil)
	}()
	mPrime := memory / (syncPoints * lanes) * (syncPoints * lanes)
	q := mPrime / lanes
	segLen := q / syncPoints
	mem := make([]refBlock, mPrime)
	var buf [1024]byte
	for l := uint32(0); l < lanes; l++ {
		for j := uint32(0); j < 2; j++ {
			refHPrime(buf[:], h0, le32(j), le32(l))
			for k := range mem[l*q+j] {
				mem[l*q+j][k] = binary.LittleEndian.Uint64(buf[8*k:])
			}
		}
	}
	indexAlpha := func(pass, slice, index uint32, j1 uint64, sameLane bool) uint32 {
		var area uint64
		switch {
		case pass == 0 && slice == 0:
			area = uint64(index) - 1
		case pass == 0 && sameLane:
			area = uint64(slice*segLen+index) - 1
		case pass == 0:
			area = uint64(slice * segLen)
			if index == 0 {
				area--
			}
		case sameLane:
			area = uint64(q-segLen+index) - 1
		default:
			area = uint64(q - segLen)
			if index == 0 {
				area--
			}
		}
		rel := j1 * j1 >> 32
		rel = area - 1 - (area * rel >> 32)
		var start uint64
		if pass != 0 && slice != syncPoints-1 {
			start = uint64((slice + 1) * segLen)
		}
		return uint32((start + rel) % uint64(q))
	}
	for pass := uint32(0); pass < time; pass++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			for l := uint32(0); l < lanes; l++ {
				independent := pass == 0 && slice < syncPoints/2
				var addr, input, zero refBlock
				if independent {
					input[0], input[1], input[2] = uint64(pass), uint64(l), uint64(slice)
					input[3], input[4], input[5] = uint64(mPrime), uint64(time), 2
				}
				next := func() {
					input[6]++
					refFill(&zero, &input, &addr, false)
					refFill(&zero, &addr, &addr, false)
				}
				start := uint32(0)
				if pass == 0 && slice == 0 {
					start = 2
					if independent {
						next()
					}
				}
				for i := start; i < segLen; i++ {
					cur := l*q + slice*segLen + i
					prev := cur - 1
					if cur%q == 0 {
						prev = cur + q - 1
					}
					var pr uint64
					if independent {
						if i%128 == 0 {
							next()
						}
						pr = addr[i%128]
					} else {
						pr = mem[prev][0]
					}
					refLane := uint32(pr>>32) % lanes
					if pass == 0 && slice == 0 {
						refLane = l
					}
					refIndex := indexAlpha(pass, slice, i, pr&0xffffffff, refLane == l)
					refFill(&mem[prev], &mem[refLane*q+refIndex], &mem[cur], pass != 0)
				}
			}
		}
	}
	var c refBlock
	for l := uint32(0); l < lanes; l++ {
		for k := range c {
			c[k] ^= mem[l*q+q-1][k]
		}
	}
	for k := range c {
		binary.LittleEndian.PutUint64(buf[8*k:], c[k])
	}
	tag := make([]byte, tagLen)
	refHPrime(tag, buf[:])
	return tag
}
