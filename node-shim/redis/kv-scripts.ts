/**
 * Lua scripts of the Redis KV: the operations that read and then write must run as one step on
 * the server, or two processes interleave. Integer parsing mirrors `parseInteger` (an optional
 * minus and digits, within ±(2^53 − 1)) so Redis refuses exactly what the other backends refuse.
 * Numbers are formatted with `%d`: Lua 5.1's `tostring` would print 1e+15 for large counters.
 * Needs Redis ≥ 7.0 (`PEXPIRETIME`; `KEEPTTL` is 6.0).
 */

const parse = `
local function parse(v)
  if not string.find(v, '^%-?%d+$') then return nil end
  local n = tonumber(v)
  if n > 9007199254740991 or n < -9007199254740991 then return nil end
  return n
end
`;

/** KEYS[1]; ARGV: delta, ttlMs ('' = none), min ('' = none). Returns the new value as a string, or nil under the floor. */
export const INCREMENT_SCRIPT = `${parse}
local v = redis.call('GET', KEYS[1])
local cur = 0
if v then
  cur = parse(v)
  if cur == nil then return redis.error_reply('NOT_AN_INTEGER value is not an integer') end
end
local nxt = cur + tonumber(ARGV[1])
if nxt > 9007199254740991 or nxt < -9007199254740991 then return redis.error_reply('NOT_AN_INTEGER increment overflows') end
if ARGV[3] ~= '' and nxt < tonumber(ARGV[3]) then return false end
local s = string.format('%d', nxt)
if v then
  redis.call('SET', KEYS[1], s, 'KEEPTTL')
elseif ARGV[2] ~= '' then
  redis.call('SET', KEYS[1], s, 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], s)
end
return s
`;

/** KEYS[1]; ARGV: hasExpected ('1'/'0'), expected, hasNext ('1'/'0'), next, ttlMs ('' = none). Returns 1 or 0. */
export const COMPARE_AND_SET_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if v ~= ARGV[2] then return 0 end
elseif v then
  return 0
end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1
`;

/**
 * KEYS[1]; ARGV: windowMs. Fixed window: the first hit opens it (the key's expiry is the window's
 * end); a key that has no expiry gets one. Returns { count, resetAt (epoch ms, server clock) }.
 */
export const HIT_SCRIPT = `${parse}
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return { 1, redis.call('PEXPIRETIME', KEYS[1]) }
end
local n = parse(v)
if n == nil or n >= 9007199254740991 then return redis.error_reply('NOT_AN_INTEGER hit count is not an integer') end
n = n + 1
local s = string.format('%d', n)
if redis.call('PEXPIRETIME', KEYS[1]) < 0 then
  redis.call('SET', KEYS[1], s, 'PX', ARGV[1])
else
  redis.call('SET', KEYS[1], s, 'KEEPTTL')
end
return { n, redis.call('PEXPIRETIME', KEYS[1]) }
`;
