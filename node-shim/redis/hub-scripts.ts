/**
 * Lua scripts of the Redis hub. Numbering, storing, trimming and publishing an append must be one
 * step on the server: otherwise two processes interleave their INCRs and PUBLISHes and
 * subscribers see seqs out of order. Times come from the server's clock (`TIME`) so every
 * process stamps entries and leases with one clock. Needs Redis ≥ 6.2 (`XTRIM MINID`); scripts
 * that call `TIME` before writing rely on effect replication, the only mode since Redis 7.0.
 *
 * Per resource (keys share the `{resource}` hash tag, so one script's keys live in one slot):
 * `head` (INCR counter), `log` (a Stream whose ids are `<seq>-0`, fields `t` = timestamp and
 * `e` = the entry's JSON), `outbox` (sorted set: outbox id → seq of the entry it became).
 */

/** Shared helpers. Numbers go through `%d`: Lua 5.1's `tostring` switches to 1e+15 notation. */
const helpers = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function seq_of(id)
  return tonumber(string.match(id, '^(%d+)'))
end

local function int(n)
  return string.format('%d', n)
end

-- Drops the log's front up to (excluding) seq 'keep', and the outbox ids of what it dropped.
local function trim_before(log, outbox, keep)
  redis.call('XTRIM', log, 'MINID', int(keep) .. '-0')
  redis.call('ZREMRANGEBYSCORE', outbox, '-inf', '(' .. int(keep))
end

-- Age retention: timestamps grow with seq, so old entries are a prefix of the log.
local function prune_age(log, outbox, max_age)
  if max_age == '' then return end
  local cutoff = now_ms() - tonumber(max_age)
  while true do
    local batch = redis.call('XRANGE', log, '-', '+', 'COUNT', 64)
    if #batch == 0 then return end
    local keep = nil
    for i, item in ipairs(batch) do
      if tonumber(item[2][2]) >= cutoff then
        if i == 1 then return end
        keep = seq_of(item[1])
        break
      end
    end
    if keep then
      trim_before(log, outbox, keep)
      return
    end
    trim_before(log, outbox, seq_of(batch[#batch][1]) + 1)
  end
end
`;

/**
 * KEYS: head, log, outbox. ARGV: maxEntries, maxAgeMs ('' = none), the resource as a JSON string,
 * the channel, then one pair per change: outbox marker ('' = none, else '=' .. id) and the
 * change's JSON object (without seq/resource/timestamp). Returns the appended entries' JSON.
 */
export const APPEND_SCRIPT = `${helpers}
local stamp = int(now_ms())
local out = {}
for i = 5, #ARGV, 2 do
  local outbox_id = nil
  if ARGV[i] ~= '' then outbox_id = string.sub(ARGV[i], 2) end
  if outbox_id == nil or not redis.call('ZSCORE', KEYS[3], outbox_id) then
    local seq = int(redis.call('INCR', KEYS[1]))
    local body = ARGV[i + 1]
    local json = '{"seq":' .. seq .. ',"resource":' .. ARGV[3] .. ',"timestamp":' .. stamp
    if body == '{}' then json = json .. '}' else json = json .. ',' .. string.sub(body, 2) end
    redis.call('XADD', KEYS[2], seq .. '-0', 't', stamp, 'e', json)
    if outbox_id then redis.call('ZADD', KEYS[3], seq, outbox_id) end
    out[#out + 1] = json
  end
end
if #out == 0 then return out end
if redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[1]) > 0 then
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. int(seq_of(first[1][1])))
end
prune_age(KEYS[2], KEYS[3], ARGV[2])
-- Published here, not by the caller: messages then leave Redis in seq order across processes.
redis.call('PUBLISH', ARGV[4], '[' .. table.concat(out, ',') .. ']')
return out
`;

/** KEYS: head, log, outbox. ARGV: maxAgeMs ('' = none). Returns { head, oldest }. */
export const WINDOW_SCRIPT = `${helpers}
prune_age(KEYS[2], KEYS[3], ARGV[1])
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #first == 0 then return { head, head + 1 } end
return { head, seq_of(first[1][1]) }
`;

/** KEYS: log, outbox. ARGV: maxAgeMs ('' = none), first seq wanted, count. Returns entries' JSON. */
export const SINCE_SCRIPT = `${helpers}
prune_age(KEYS[1], KEYS[2], ARGV[1])
local items = redis.call('XRANGE', KEYS[1], ARGV[2] .. '-0', '+', 'COUNT', ARGV[3])
local out = {}
for i, item in ipairs(items) do out[i] = item[2][4] end
return out
`;

/**
 * KEYS: one sorted set per claim (member = connection id, score = lease expiry). ARGV: member,
 * leaseMs, then each claim's limit. Drops expired holders, then claims every set or none.
 * Returns 0, or the 1-based index of the first claim at its limit.
 */
export const ACQUIRE_SCRIPT = `${helpers}
local now = now_ms()
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 + i]) then return i end
end
local expiry = now + tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], expiry, ARGV[1])
  -- The set itself outlives its newest lease by nothing: a dead process leaves no key behind.
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 0
`;

/**
 * KEYS: a live connection's claim sets. ARGV: member, leaseMs. Extends its leases. A lease that
 * lapsed (the process stalled longer than leaseMs) is taken again without a limit check: the
 * connection is alive and serving, so it counts.
 */
export const RENEW_SCRIPT = `${helpers}
local expiry = now_ms() + tonumber(ARGV[2])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], expiry, ARGV[1])
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return #KEYS
`;
