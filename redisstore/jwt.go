package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-go/gatehouse/jwtauth"
	"github.com/redis/go-redis/v9"
)

// JWTOptions configures a JWTRevoker or a JWTFamilies store.
type JWTOptions struct {
	// Prefix starts every key. Default DefaultPrefix. It must not contain
	// '{' or '}'.
	Prefix string
}

func jwtPrefix(client redis.UniversalClient, o JWTOptions) (string, error) {
	if client == nil {
		return "", errors.New("redisstore: nil client")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return "", errors.New("redisstore: prefix must not contain '{' or '}'")
	}
	return o.Prefix, nil
}

// jwtKeepLater sets KEYS[1] to the larger of its integer value and ARGV[1],
// expiring at the later of its current expiry and ARGV[2] (Unix ms). ARGV[3]
// is the caller's clock (Unix ms), to turn the current TTL into a time.
var jwtKeepLater = redis.NewScript(`
local v, at, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cur = tonumber(redis.call('GET', KEYS[1]) or '')
if cur and cur > v then v = cur end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and now + ttl > at then at = now + ttl end
if at <= now then return 0 end
redis.call('SET', KEYS[1], v, 'PX', at - now)
return 1
`)

// JWTRevoker is a jwtauth.Revoker on Redis, shared by every instance of a
// service. One key per revoked token id, subject and session:
// <prefix>jwt:rev:jti:<id>, <prefix>jwt:rev:sub:<sha256(subject)> (holding
// the cutoff, Unix seconds) and <prefix>jwt:rev:sid:<id>, each expiring when
// the tokens it revokes have expired. IsRevoked is one pipelined round trip
// of up to three GETs. Requires Redis 2.6+ (scripts); tested on 7.
type JWTRevoker struct {
	client redis.UniversalClient
	prefix string
}

// NewJWTRevoker returns a revoker on client.
func NewJWTRevoker(client redis.UniversalClient, o JWTOptions) (*JWTRevoker, error) {
	prefix, err := jwtPrefix(client, o)
	if err != nil {
		return nil, err
	}
	return &JWTRevoker{client: client, prefix: prefix + "jwt:rev:"}, nil
}

var _ jwtauth.Revoker = (*JWTRevoker)(nil)

func (s *JWTRevoker) jwtKey(kind, id string) string {
	if kind == "sub" {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:16])
	}
	return s.prefix + kind + ":" + id
}

func (s *JWTRevoker) jwtPut(ctx context.Context, kind, id string, value int64, until time.Time) error {
	if id == "" {
		return errors.New("redisstore: empty id")
	}
	now := time.Now().UnixMilli()
	err := jwtKeepLater.Run(ctx, s.client, []string{s.jwtKey(kind, id)},
		value, until.UnixMilli(), now).Err()
	if err != nil {
		return fmt.Errorf("redisstore: revoke: %w", err)
	}
	return nil
}

// RevokeToken implements jwtauth.Revoker.
func (s *JWTRevoker) RevokeToken(ctx context.Context, id string, exp time.Time) error {
	return s.jwtPut(ctx, "jti", id, 1, exp)
}

// RevokeSubject implements jwtauth.Revoker.
func (s *JWTRevoker) RevokeSubject(ctx context.Context, subject string, before, until time.Time) error {
	return s.jwtPut(ctx, "sub", subject, before.Unix(), until)
}

// RevokeSession implements jwtauth.Revoker.
func (s *JWTRevoker) RevokeSession(ctx context.Context, sessionID string, until time.Time) error {
	return s.jwtPut(ctx, "sid", sessionID, 1, until)
}

// IsRevoked implements jwtauth.Revoker.
func (s *JWTRevoker) IsRevoked(ctx context.Context, t jwtauth.TokenRef) (bool, error) {
	pipe := s.client.Pipeline()
	var jti, sid, sub *redis.StringCmd
	if t.ID != "" {
		jti = pipe.Get(ctx, s.jwtKey("jti", t.ID))
	}
	if t.SessionID != "" {
		sid = pipe.Get(ctx, s.jwtKey("sid", t.SessionID))
	}
	if t.Subject != "" {
		sub = pipe.Get(ctx, s.jwtKey("sub", t.Subject))
	}
	if pipe.Len() == 0 {
		return false, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("redisstore: revocation check: %w", err)
	}
	if jti != nil && jti.Err() == nil || sid != nil && sid.Err() == nil {
		return true, nil
	}
	if sub != nil && sub.Err() == nil {
		before, err := strconv.ParseInt(sub.Val(), 10, 64)
		if err != nil {
			return true, nil // a corrupted cutoff fails closed
		}
		iat := int64(-1 << 62)
		if !t.IssuedAt.IsZero() {
			iat = t.IssuedAt.Unix()
		}
		return iat <= before, nil
	}
	return false, nil
}

// JWTFamilies is a jwtauth.FamilyStore on Redis: one key per family,
// <prefix>jwt:fam:<id>, holding "c:<current refresh token id>" or "r"
// (revoked), expiring with the family's last refresh token. Rotate is one
// Lua script, so two instances exchanging the same refresh token at once
// cannot both succeed. Requires Redis 6.0+ (KEEPTTL); tested on 7.
type JWTFamilies struct {
	client redis.UniversalClient
	prefix string
}

// NewJWTFamilies returns a family store on client.
func NewJWTFamilies(client redis.UniversalClient, o JWTOptions) (*JWTFamilies, error) {
	prefix, err := jwtPrefix(client, o)
	if err != nil {
		return nil, err
	}
	return &JWTFamilies{client: client, prefix: prefix + "jwt:fam:"}, nil
}

var _ jwtauth.FamilyStore = (*JWTFamilies)(nil)

// Start implements jwtauth.FamilyStore.
func (s *JWTFamilies) Start(ctx context.Context, family, jti string, until time.Time) error {
	if family == "" || jti == "" {
		return errors.New("redisstore: empty family or token id")
	}
	ttl := time.Until(until)
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	ok, err := s.client.SetNX(ctx, s.prefix+family, "c:"+jti, ttl).Result()
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: start family: %w", err)
	case !ok:
		return errors.New("redisstore: family already exists")
	}
	return nil
}

// jwtRotate: KEYS[1] the family; ARGV: old id, next id, until (Unix ms),
// now (Unix ms). Returns 0 unknown, 1 revoked, 2 reuse (now revoked), 3 ok.
var jwtRotate = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if v == 'r' then return 1 end
if v ~= 'c:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 'r', 'KEEPTTL')
  return 2
end
local at, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and now + ttl > at then at = now + ttl end
redis.call('SET', KEYS[1], 'c:' .. ARGV[2], 'PX', math.max(at - now, 1))
return 3
`)

// Rotate implements jwtauth.FamilyStore.
func (s *JWTFamilies) Rotate(ctx context.Context, family, old, next string, until time.Time) error {
	res, err := jwtRotate.Run(ctx, s.client, []string{s.prefix + family},
		old, next, until.UnixMilli(), time.Now().UnixMilli()).Int()
	if err != nil {
		return fmt.Errorf("redisstore: rotate family: %w", err)
	}
	switch res {
	case 0:
		return jwtauth.ErrUnknownSession
	case 1:
		return jwtauth.ErrSessionRevoked
	case 2:
		return jwtauth.ErrRefreshReuse
	}
	return nil
}

// jwtRevokeFamily marks KEYS[1] revoked until the later of its expiry and
// ARGV[1] (Unix ms); ARGV[2] is now (Unix ms).
var jwtRevokeFamily = redis.NewScript(`
local at, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 and now + ttl > at then at = now + ttl end
if at <= now then return 0 end
redis.call('SET', KEYS[1], 'r', 'PX', at - now)
return 1
`)

// Revoke implements jwtauth.FamilyStore.
func (s *JWTFamilies) Revoke(ctx context.Context, family string, until time.Time) error {
	if family == "" {
		return errors.New("redisstore: empty family")
	}
	err := jwtRevokeFamily.Run(ctx, s.client, []string{s.prefix + family},
		until.UnixMilli(), time.Now().UnixMilli()).Err()
	if err != nil {
		return fmt.Errorf("redisstore: revoke family: %w", err)
	}
	return nil
}
