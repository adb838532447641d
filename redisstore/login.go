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

	"github.com/gatehouse-go/gatehouse/password"
	"github.com/redis/go-redis/v9"
)

// LoginOptions configures a LoginStore.
type LoginOptions struct {
	// Prefix starts every key. Default DefaultPrefix. It must not contain
	// '{' or '}' (they would break the Cluster hash tags).
	Prefix string
}

// LoginStore is a password.Store on Redis: the login-attempt counters of
// password.Tracker, shared by every instance of a service.
//
// Per user (the SHA-256 of the normalized username, so that usernames do
// not appear in Redis) three keys share one Cluster hash tag:
// <prefix>login:{<hash>}:c, the user counter; :p, a hash of per-client
// counters; :k, a hash of known client addresses. Per client address one
// key, <prefix>login:ip:{<addr>}. Counters are "failures:start:until:level"
// in Unix milliseconds. Every change is one Lua script on keys of one slot,
// every key has a TTL (until the counter would be forgotten, plus a minute
// so that an instance whose clock is a little behind still sees it), and
// the hashes per user are bounded (Limits.MaxPairs, Limits.MaxKnown).
//
// Time comes from the caller (the Tracker's clock), not from Redis TIME:
// the counter rules are the same as the in-memory store's and tests can
// drive them; instances' clocks need only agree to well within the window
// (NTP does). Requires Redis 2.6+ (scripts); tested on 7.
type LoginStore struct {
	client redis.UniversalClient
	prefix string
}

// NewLoginStore returns a store on client.
func NewLoginStore(client redis.UniversalClient, o LoginOptions) (*LoginStore, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return nil, errors.New("redisstore: prefix must not contain '{' or '}'")
	}
	return &LoginStore{client: client, prefix: o.Prefix}, nil
}

var _ password.Store = (*LoginStore)(nil)

// loginUserKeys returns the counter, pairs and known keys of a user.
func (s *LoginStore) loginUserKeys(user string) [3]string {
	sum := sha256.Sum256([]byte(user))
	base := s.prefix + "login:{" + hex.EncodeToString(sum[:16]) + "}:"
	return [3]string{base + "c", base + "p", base + "k"}
}

func (s *LoginStore) loginIPKey(ip string) string { return s.prefix + "login:ip:{" + ip + "}" }

// loginLua holds what the scripts share: the counter rules of package
// password (CounterState) in Lua.
const loginLua = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local function parse(s)
  if not s then return 0, 0, 0, 0 end
  local n, st, u, l = string.match(s, '^(%d+):(%d+):(%d+):(%d+)$')
  if not n then return 0, 0, 0, 0 end
  return tonumber(n), tonumber(st), tonumber(u), tonumber(l)
end
local slack = 60000
local function expiry(st, u) return math.max(st, u) + window end
local function fail(s, max, lockout, maxlock)
  local n, st, u, l = parse(s)
  if now >= expiry(st, u) then n, st, u, l = 0, 0, 0, 0 end
  if n > 0 and now >= st + window then n, st = 0, 0 end
  if now < u then return n, st, u, l, 0 end
  if n == 0 then st = now end
  n = n + 1
  if n < max then return n, st, u, l, 0 end
  l = l + 1
  local d, i = lockout, 1
  while i < l and d < maxlock do d = d * 2; i = i + 1 end
  if d > maxlock then d = maxlock end
  return 0, 0, now + d, l, 1
end
local function enc(n, st, u, l) return string.format('%d:%d:%d:%d', n, st, u, l) end
`

// KEYS: counter, pairs, known. ARGV: now, window, lockout, maxLockout,
// userMax, pairMax, ip, maxPairs. Returns the user counter and the pair
// counter (failures -1: not counted) as n, start, until, level, just, and
// the known expiry.
var loginFailUserScript = redis.NewScript(loginLua + `
local lockout, maxlock = tonumber(ARGV[3]), tonumber(ARGV[4])
local ip, maxPairs = ARGV[7], tonumber(ARGV[8])
local n, st, u, l, j = fail(redis.call('GET', KEYS[1]), tonumber(ARGV[5]), lockout, maxlock)
redis.call('SET', KEYS[1], enc(n, st, u, l), 'PX', expiry(st, u) - now + slack)
local res = {n, st, u, l, j, -1, 0, 0, 0, 0, 0}
if ip ~= '' then
  local raw = redis.call('HGET', KEYS[2], ip)
  local room = raw ~= false
  if not room then
    if redis.call('HLEN', KEYS[2]) >= maxPairs then
      local all = redis.call('HGETALL', KEYS[2])
      for i = 1, #all, 2 do
        local _, pst, pu = parse(all[i + 1])
        if now >= expiry(pst, pu) then redis.call('HDEL', KEYS[2], all[i]) end
      end
    end
    room = redis.call('HLEN', KEYS[2]) < maxPairs
  end
  if room then
    local pn, pst, pu, pl, pj = fail(raw, tonumber(ARGV[6]), lockout, maxlock)
    redis.call('HSET', KEYS[2], ip, enc(pn, pst, pu, pl))
    local ttl = expiry(pst, pu) - now + slack
    if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
    res[6], res[7], res[8], res[9], res[10] = pn, pst, pu, pl, pj
  end
  local ke = redis.call('HGET', KEYS[3], ip)
  if ke then res[11] = tonumber(ke) or 0 end
end
return res
`)

// KEYS: ip counter. ARGV: now, window, lockout, maxLockout, ipMax.
var loginFailIPScript = redis.NewScript(loginLua + `
local n, st, u, l, j = fail(redis.call('GET', KEYS[1]), tonumber(ARGV[5]), tonumber(ARGV[3]), tonumber(ARGV[4]))
redis.call('SET', KEYS[1], enc(n, st, u, l), 'PX', expiry(st, u) - now + slack)
return {n, st, u, l, j}
`)

// KEYS: counter, pairs. ARGV: now, window, ip. Takes back one failure
// from each counter that has any and is not locked.
var loginReleaseScript = redis.NewScript(loginLua + `
local function release(raw)
  local n, st, u, l = parse(raw)
  if now >= expiry(st, u) then return nil end
  if n > 0 and now >= st + window then n, st = 0, 0 end
  if n > 0 and now >= u then n = n - 1 end
  return enc(n, st, u, l), expiry(st, u) - now + slack
end
local v, ttl = release(redis.call('GET', KEYS[1]))
if v then redis.call('SET', KEYS[1], v, 'PX', ttl) end
if ARGV[3] ~= '' then
  local raw = redis.call('HGET', KEYS[2], ARGV[3])
  if raw then
    local pv = release(raw)
    if pv then redis.call('HSET', KEYS[2], ARGV[3], pv) end
  end
end
return 1
`)

// KEYS: counter, pairs, known. ARGV: now, window, ip, knownFor, maxKnown.
// Returns the raw counter and pair strings ("" when none) and the known
// expiry before the success.
var loginSucceedScript = redis.NewScript(loginLua + `
local ip, knownFor, maxKnown = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local c = redis.call('GET', KEYS[1]) or ''
redis.call('DEL', KEYS[1])
local p, known = '', 0
if ip ~= '' then
  p = redis.call('HGET', KEYS[2], ip) or ''
  redis.call('HDEL', KEYS[2], ip)
  local ke = redis.call('HGET', KEYS[3], ip)
  if ke then known = tonumber(ke) or 0 end
  if knownFor > 0 and maxKnown > 0 then
    if not ke and redis.call('HLEN', KEYS[3]) >= maxKnown then
      local all = redis.call('HGETALL', KEYS[3])
      local oldestIP, oldest = nil, 0
      for i = 1, #all, 2 do
        local e = tonumber(all[i + 1]) or 0
        if e <= now then
          redis.call('HDEL', KEYS[3], all[i])
        elseif oldestIP == nil or e < oldest then
          oldestIP, oldest = all[i], e
        end
      end
      if oldestIP and redis.call('HLEN', KEYS[3]) >= maxKnown then redis.call('HDEL', KEYS[3], oldestIP) end
    end
    redis.call('HSET', KEYS[3], ip, string.format('%d', now + knownFor))
    if redis.call('PTTL', KEYS[3]) < knownFor + slack then redis.call('PEXPIRE', KEYS[3], knownFor + slack) end
  end
end
return {c, p, known}
`)

// Status implements password.Store. It reads the counters in one pipeline.
func (s *LoginStore) Status(ctx context.Context, k password.Keys, now time.Time, lim password.Limits) (password.Status, error) {
	ms := now.UnixMilli()
	var st password.Status
	if k.User == "" && k.IP == "" {
		return st, nil
	}
	pipe := s.client.Pipeline()
	var cCmd, pCmd, kCmd, ipCmd *redis.StringCmd
	if k.User != "" {
		keys := s.loginUserKeys(k.User)
		cCmd = pipe.Get(ctx, keys[0])
		if k.IP != "" {
			pCmd = pipe.HGet(ctx, keys[1], k.IP)
			kCmd = pipe.HGet(ctx, keys[2], k.IP)
		}
	}
	if k.IP != "" {
		ipCmd = pipe.Get(ctx, s.loginIPKey(k.IP))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return st, fmt.Errorf("redisstore: login status: %w", err)
	}
	for _, c := range []*redis.StringCmd{cCmd, pCmd, kCmd, ipCmd} {
		if c != nil && c.Err() != nil && !errors.Is(c.Err(), redis.Nil) {
			return st, fmt.Errorf("redisstore: login status: %w", c.Err())
		}
	}
	read := func(c *redis.StringCmd) password.Counter {
		if c == nil {
			return password.Counter{}
		}
		return loginParse(c.Val()).Current(ms, lim.Window).Counter(false)
	}
	st.User, st.Pair, st.IP = read(cCmd), read(pCmd), read(ipCmd)
	if kCmd != nil {
		exp, _ := strconv.ParseInt(kCmd.Val(), 10, 64)
		st.Known = exp > ms
	}
	return st, nil
}

// Begin implements password.Store: a read of the client address's
// counter, then, unless it is locked, one script on the user's keys.
func (s *LoginStore) Begin(ctx context.Context, k password.Keys, now time.Time, lim password.Limits) (password.Status, error) {
	ms := now.UnixMilli()
	var st password.Status
	if k.IP != "" {
		raw, err := s.client.Get(ctx, s.loginIPKey(k.IP)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return st, fmt.Errorf("redisstore: login begin: %w", err)
		}
		st.IP = loginParse(raw).Current(ms, lim.Window).Counter(false)
		if st.IP.Locked(now) {
			return st, nil
		}
	}
	if k.User == "" {
		return st, nil
	}
	keys := s.loginUserKeys(k.User)
	v, err := loginFailUserScript.Run(ctx, s.client, keys[:],
		ms, lim.Window.Milliseconds(), lim.Lockout.Milliseconds(), lim.MaxLockout.Milliseconds(),
		lim.UserFailures, lim.PairFailures, k.IP, lim.MaxPairs).Int64Slice()
	if err != nil || len(v) != 11 {
		return st, fmt.Errorf("redisstore: login begin: %w", loginScriptErr(err))
	}
	st.User = loginCounter(v[0:5])
	if v[5] >= 0 {
		st.Pair = loginCounter(v[5:10])
	}
	st.Known = v[10] > ms
	return st, nil
}

// FailIP implements password.Store.
func (s *LoginStore) FailIP(ctx context.Context, ip string, now time.Time, lim password.Limits) (password.Counter, error) {
	if ip == "" {
		return password.Counter{}, nil
	}
	v, err := loginFailIPScript.Run(ctx, s.client, []string{s.loginIPKey(ip)},
		now.UnixMilli(), lim.Window.Milliseconds(), lim.Lockout.Milliseconds(), lim.MaxLockout.Milliseconds(),
		lim.IPFailures).Int64Slice()
	if err != nil || len(v) != 5 {
		return password.Counter{}, fmt.Errorf("redisstore: login fail: %w", loginScriptErr(err))
	}
	return loginCounter(v), nil
}

// Release implements password.Store.
func (s *LoginStore) Release(ctx context.Context, k password.Keys, now time.Time, lim password.Limits) error {
	if k.User == "" {
		return nil
	}
	keys := s.loginUserKeys(k.User)
	if err := loginReleaseScript.Run(ctx, s.client, keys[:2], now.UnixMilli(), lim.Window.Milliseconds(), k.IP).Err(); err != nil {
		return fmt.Errorf("redisstore: login release: %w", err)
	}
	return nil
}

// Succeed implements password.Store.
func (s *LoginStore) Succeed(ctx context.Context, k password.Keys, now time.Time, lim password.Limits) (password.Status, error) {
	ms := now.UnixMilli()
	var st password.Status
	if k.IP != "" {
		raw, err := s.client.Get(ctx, s.loginIPKey(k.IP)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return st, fmt.Errorf("redisstore: login succeed: %w", err)
		}
		st.IP = loginParse(raw).Current(ms, lim.Window).Counter(false)
	}
	if k.User == "" {
		return st, nil
	}
	keys := s.loginUserKeys(k.User)
	v, err := loginSucceedScript.Run(ctx, s.client, keys[:],
		ms, lim.Window.Milliseconds(), k.IP, lim.KnownFor.Milliseconds(), lim.MaxKnown).Slice()
	if err != nil || len(v) != 3 {
		return st, fmt.Errorf("redisstore: login succeed: %w", loginScriptErr(err))
	}
	c, _ := v[0].(string)
	p, _ := v[1].(string)
	known, _ := v[2].(int64)
	st.User = loginParse(c).Current(ms, lim.Window).Counter(false)
	st.Pair = loginParse(p).Current(ms, lim.Window).Counter(false)
	st.Known = known > ms
	return st, nil
}

// Reset implements password.Store: it deletes the user's counter and
// pair counters (both in one slot), keeping known addresses.
func (s *LoginStore) Reset(ctx context.Context, user string) error {
	if user == "" {
		return nil
	}
	keys := s.loginUserKeys(user)
	if err := s.client.Del(ctx, keys[0], keys[1]).Err(); err != nil {
		return fmt.Errorf("redisstore: login reset: %w", err)
	}
	return nil
}

func loginScriptErr(err error) error {
	if err == nil {
		return errors.New("unexpected script result")
	}
	return err
}

// loginParse reads "failures:start:until:level"; anything else is an empty
// counter, as in the scripts.
func loginParse(s string) password.CounterState {
	var v [4]int64
	for i := range v {
		part := s
		if i < 3 {
			var ok bool
			part, s, ok = strings.Cut(s, ":")
			if !ok {
				return password.CounterState{}
			}
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n < 0 {
			return password.CounterState{}
		}
		v[i] = n
	}
	return password.CounterState{Failures: int(v[0]), Start: v[1], Until: v[2], Level: int(v[3])}
}

// loginCounter converts a script's n, start, until, level, just.
func loginCounter(v []int64) password.Counter {
	cs := password.CounterState{Failures: int(v[0]), Start: v[1], Until: v[2], Level: int(v[3])}
	return cs.Counter(v[4] == 1)
}
