package sanitize

import (
	"errors"
	"io"
	"net/http"
)

// bodyReader is the request body after a Sanitizer has read and checked it:
// an io.ReadCloser and io.Seeker over the one buffer the body was read into.
type bodyReader struct {
	buf []byte // data area; the body is buf[:n]
	off int    // read offset
	n   int    // body length
}

func newBodyReader(capacity int) *bodyReader {
	return &bodyReader{buf: make([]byte, capacity)}
}

// data returns the whole data area.
func (b *bodyReader) data() []byte { return b.buf }

// bytes returns the body.
func (b *bodyReader) bytes() []byte { return b.data()[:b.n:b.n] }

// Read implements io.Reader.
func (b *bodyReader) Read(p []byte) (int, error) {
	if b.off >= b.n {
		return 0, io.EOF
	}
	n := copy(p, b.bytes()[b.off:])
	b.off += n
	return n, nil
}

// WriteTo implements io.WriterTo, so that io.Copy needs no buffer.
func (b *bodyReader) WriteTo(w io.Writer) (int64, error) {
	if b.off >= b.n {
		return 0, nil
	}
	n, err := w.Write(b.bytes()[b.off:])
	b.off += n
	return int64(n), err
}

// Seek implements io.Seeker: a handler, or a middleware after the
// Sanitizer, can rewind the body and read it again.
func (b *bodyReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = int64(b.off) + offset
	case io.SeekEnd:
		abs = int64(b.n) + offset
	default:
		return 0, errors.New("sanitize: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("sanitize: negative position")
	}
	if abs > int64(b.n) {
		abs = int64(b.n)
	}
	b.off = int(abs)
	return abs, nil
}

// Close implements io.Closer. The buffer stays readable through Body.
func (b *bodyReader) Close() error { return nil }

// Body returns the request body a Sanitizer has read and checked, without
// copying it, so that a handler can decode it directly
// (json.Unmarshal(body, &v)). ok is false when no Sanitizer read the body
// (no body, a type it only size-limits, or a later middleware replaced
// r.Body). The slice must not be modified; it stays valid after the
// handler returns.
func Body(r *http.Request) (body []byte, ok bool) {
	b, ok := r.Body.(*bodyReader)
	if !ok {
		return nil, false
	}
	return b.bytes(), true
}

// hasBody reports whether r may carry body bytes. The HTTP/1 server gives
// bodiless requests http.NoBody, but the HTTP/2 server gives a request that
// ended with its headers a body of its own type that is empty. So a
// request with a zero length and some other body is read once: an
// immediate EOF means no body (r.Body becomes http.NoBody), and a byte that
// arrives anyway is put back and the body is checked like any other.
func hasBody(r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	if r.ContentLength != 0 {
		return true
	}
	var one [1]byte
	n, err := r.Body.Read(one[:])
	if n == 0 && err == io.EOF {
		r.Body = http.NoBody
		return false
	}
	r.Body = &unread{first: one[:n], err: err, ReadCloser: r.Body}
	return true
}

// unread is a body whose first bytes (and first error) were read ahead.
type unread struct {
	first []byte
	err   error
	io.ReadCloser
}

func (u *unread) Read(p []byte) (int, error) {
	if len(u.first) > 0 {
		n := copy(p, u.first)
		u.first = u.first[n:]
		return n, nil
	}
	if u.err != nil {
		err := u.err
		u.err = nil
		return 0, err
	}
	return u.ReadCloser.Read(p)
}

// errBodyRead wraps a failure to read the body (the client went away, or a
// transport error). It is not a rule violation.
type errBodyRead struct{ err error }

func (e *errBodyRead) Error() string { return "sanitize: reading request body: " + e.err.Error() }
func (e *errBodyRead) Unwrap() error { return e.err }

// maxZeroReads bounds how often a misbehaving body may return no data and
// no error before reading gives up.
const maxZeroReads = 100

// readBody reads r.Body into one buffer of at most limit bytes. With a
// declared Content-Length the buffer is allocated once at its final size
// (plus one byte that detects a body longer than declared); a body of
// unknown length grows by doubling up to limit+1 bytes.
func readBody(r *http.Request, limit int64, tooLarge error) (*bodyReader, error) {
	size := int64(4096)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1
	}
	if size > limit+1 {
		size = limit + 1
	}
	b := newBodyReader(int(size))
	buf := b.data()
	total, zero := 0, 0
	for {
		if total == len(buf) {
			if int64(total) > limit {
				return nil, tooLarge
			}
			grown := int64(2 * len(buf))
			if grown > limit+1 {
				grown = limit + 1
			}
			nb := newBodyReader(int(grown))
			copy(nb.data(), buf[:total])
			b, buf = nb, nb.data()
		}
		m, err := r.Body.Read(buf[total:])
		total += m
		if int64(total) > limit {
			return nil, tooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			return nil, &errBodyRead{err}
		}
		if m == 0 {
			if zero++; zero > maxZeroReads {
				return nil, &errBodyRead{io.ErrNoProgress}
			}
		}
	}
	b.n = total
	return b, nil
}
