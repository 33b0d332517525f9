/**
 * The Lua scripts of the shared Claude limiter (adapters/anthropic/shared-rate-limiter.ts): the
 * same three token buckets as `TokenBucket` (capacity = per-minute limit, refilled at limit/60
 * per second), kept in one Redis hash so every instance takes from the same buckets.
 *
 * Each script reads the time from Redis `TIME`, never the caller's clock: Lambda instances'
 * clocks differ, and a bucket refilled with two clocks gains or loses tokens. Redis ≥ 5
 * replicates scripts by effects, so a script may call `TIME` and then write. Numbers are kept
 * as text (`tostring`, 14 significant digits) because a Lua number returned to Redis is
 * truncated to an integer.
 *
 * KEYS[1] = the bucket hash (`redisKeys.claudeLimiter`), KEYS[2] = the pause key
 * (`redisKeys.claudeLimiterPause`).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * ACQUIRE. ARGV: input tokens, output tokens (max_tokens), probe lease ms, idle TTL ms, skew ms.
 * Takes 1 request, the input estimate and max_tokens from the three buckets, all or none, once
 * each holds its share plus `skew` ms of refill: the provider refills its buckets on its own
 * clock, not Redis's, and a share taken the instant our mirror refilled it can reach a bucket
 * a few tokens short (load run: 296.8 output tokens left for a 300-token share, one 429).
 * Replies `{1, 0, 'ok', rl, il, ol}` (the levels before the take), `{1, 0, 'probe'}` (limits
 * unknown: this caller holds the one probe lease), `{0, waitMs, reason}` with reason
 * `paused` / `probe` / `bucket`, or `{-1, 0, 'too-big', rc, ic, oc}` when a share exceeds a
 * bucket's capacity (it could never pass).
 */
export const ACQUIRE_SCRIPT = `${NOW}
local pause = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if pause > now then return {0, pause - now, 'paused'} end
local s = redis.call('HMGET', KEYS[1], 'rc', 'rl', 'ic', 'il', 'oc', 'ol', 'at', 'probe')
local ttl = tonumber(ARGV[4])
if not s[1] then
  local probe = tonumber(s[8] or '0') or 0
  if probe > now then return {0, probe - now, 'probe'} end
  redis.call('HSET', KEYS[1], 'probe', tostring(now + tonumber(ARGV[3])))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, 0, 'probe'}
end
local need = {1, tonumber(ARGV[1]), tonumber(ARGV[2])}
local skew = tonumber(ARGV[5] or '0') or 0
local elapsed = math.max(0, now - tonumber(s[7]))
local caps = {}
local levels = {}
local wait = 0
for i = 1, 3 do
  local cap = tonumber(s[2 * i - 1])
  caps[i] = cap
  levels[i] = math.min(cap, tonumber(s[2 * i]) + elapsed * cap / 60000)
end
for i = 1, 3 do
  if need[i] > caps[i] then
    return {-1, 0, 'too-big', tostring(caps[1]), tostring(caps[2]), tostring(caps[3])}
  end
  local margin = math.min(caps[i] - need[i], skew * caps[i] / 60000)
  if levels[i] < need[i] + margin then
    wait = math.max(wait, math.ceil((need[i] + margin - levels[i]) * 60000 / caps[i]))
  end
end
if wait > 0 then return {0, wait, 'bucket'} end
redis.call('HSET', KEYS[1],
  'rl', tostring(levels[1] - need[1]),
  'il', tostring(levels[2] - need[2]),
  'ol', tostring(levels[3] - need[3]),
  'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, 0, 'ok', tostring(levels[1]), tostring(levels[2]), tostring(levels[3])}
`;

/**
 * SETTLE: everything that follows an answer (or a call that failed), in one round trip.
 * ARGV: Δrequests, Δinput, Δoutput (added, capped at capacity: refunds are positive,
 * an under-estimate negative), pause ms (0: none), clear the probe lease (1/0), idle TTL ms,
 * then the six headers `requests-limit`, `requests-remaining`, `input-tokens-limit`,
 * `input-tokens-remaining`, `output-tokens-limit`, `output-tokens-remaining` ('' when absent).
 * Without buckets yet, the three limits create them (full, then clamped to `remaining`) and
 * the deltas are ignored (the probe took nothing). With buckets, a reported limit replaces the
 * capacity, and a reported `remaining` wins when the mirror is above it by more than the
 * header's precision (requests are whole, token counts rounded to the thousand: docs/load/
 * provider-limits.md): then other traffic took from the org's buckets. Within that precision
 * the mirror is kept: it is exact for our own calls, while the header is rounded down and was
 * computed when the answer left (earlier than now), so clamping to it on every answer throws
 * away up to one request's refill per call (measured: ~3 s over 100 calls at 85 RPM). A
 * reported limit that differs from the capacity (a new tier) starts a new bucket: its
 * `remaining` wins exactly (the load run's switch to Tier 1 kept a full mirror one request
 * above the provider's bucket: 2 × 429).
 * A pause only ever extends the shared pause-until. Replies `{pause ms left, 1 if buckets}`.
 */
export const SETTLE_SCRIPT = `${NOW}
local ttl = tonumber(ARGV[6])
local pauseMs = tonumber(ARGV[4])
local pausedFor = 0
local current = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if pauseMs > 0 and now + pauseMs > current then
  redis.call('SET', KEYS[2], tostring(now + pauseMs), 'PX', pauseMs)
  current = now + pauseMs
end
if current > now then pausedFor = current - now end
if ARGV[5] == '1' then redis.call('HDEL', KEYS[1], 'probe') end
local s = redis.call('HMGET', KEYS[1], 'rc', 'rl', 'ic', 'il', 'oc', 'ol', 'at')
local caps = {}
local levels = {}
local header = function(i) return tonumber(ARGV[6 + i]) end
local tolerance = {1, 1000, 1000}
if s[1] then
  local elapsed = math.max(0, now - tonumber(s[7]))
  for i = 1, 3 do
    caps[i] = tonumber(s[2 * i - 1])
    local refilled = math.min(caps[i], tonumber(s[2 * i]) + elapsed * caps[i] / 60000)
    levels[i] = math.min(caps[i], refilled + tonumber(ARGV[i]))
  end
else
  for i = 1, 3 do
    local limit = header(2 * i - 1)
    if not (limit and limit > 0) then
      if ARGV[5] == '1' then redis.call('PEXPIRE', KEYS[1], ttl) end
      return {pausedFor, 0}
    end
    caps[i] = limit
    levels[i] = limit
    tolerance[i] = 0
  end
end
for i = 1, 3 do
  local limit = header(2 * i - 1)
  if limit and limit > 0 then
    -- A changed limit (a new tier) is a new bucket at the provider: the mirror was kept for the
    -- old one, so the reported remaining wins exactly, as when the buckets are created.
    if limit ~= caps[i] then tolerance[i] = 0 end
    caps[i] = limit
    levels[i] = math.min(levels[i], limit)
  end
  local remaining = header(2 * i)
  if remaining and levels[i] > remaining + tolerance[i] then levels[i] = remaining end
end
redis.call('HSET', KEYS[1],
  'rc', tostring(caps[1]), 'rl', tostring(levels[1]),
  'ic', tostring(caps[2]), 'il', tostring(levels[2]),
  'oc', tostring(caps[3]), 'ol', tostring(levels[3]),
  'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {pausedFor, 1}
`;
