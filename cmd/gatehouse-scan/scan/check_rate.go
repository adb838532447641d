package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// rateHeaders are the response headers that show a rate limiter at work:
// the IETF draft fields, their older spellings, the X- family and
// Retry-After.
var rateHeaders = []string{
	"RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
	"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset",
	"Retry-After",
}

// checkRate sends up to Rate GET requests to RatePath, one after the other,
// and stops at the first 429. It runs last: once limited, other checks
// would only see 429s.
func (sc *scanner) checkRate(ctx context.Context) error {
	u := sc.s.ratePath
	var h http.Header
	label := ""
	if sc.s.Token != "" && slices.ContainsFunc(sc.s.protected, func(p *url.URL) bool { return p.String() == u.String() }) {
		h, label = bearer(sc.s.Token), "Bearer <the -token, redacted>"
	}
	start := time.Now()
	var last, withHeaders *exchange
	sent := 0
	for range sc.s.Rate {
		ex, err := sc.send(ctx, &request{method: http.MethodGet, url: u, header: h, authLabel: label})
		if err != nil {
			return err
		}
		sent++
		if ex == nil {
			continue
		}
		last = ex
		if withHeaders == nil && hasAny(ex.header, rateHeaders) {
			withHeaders = ex
		}
		if ex.status == http.StatusTooManyRequests {
			sc.note("rate limiting: 429 after %d requests to %s in %s", sent, u.RequestURI(), time.Since(start).Round(time.Millisecond))
			return nil // observe has judged its Retry-After
		}
	}
	switch {
	case sc.limited != nil:
		sc.note("rate limiting: no 429 within %d requests to %s, but an earlier check was answered 429", sent, u.RequestURI())
	case withHeaders != nil:
		sc.note("rate limiting: headers present but no 429 within %d requests to %s (the limit is higher)", sent, u.RequestURI())
	case last != nil:
		sc.addEx(idRateMissing, "", Medium, last,
			fmt.Sprintf("%d requests to %s in %s: none was answered 429 and none carried rate-limit headers.", sent, u.RequestURI(), time.Since(start).Round(time.Millisecond)),
			last.evidence(nil, []string{"RateLimit", "X-RateLimit-Limit", "Retry-After"}))
	}
	return nil
}

func hasAny(h http.Header, names []string) bool {
	for _, n := range names {
		if len(h.Values(n)) > 0 {
			return true
		}
	}
	return false
}
