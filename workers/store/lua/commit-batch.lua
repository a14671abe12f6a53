-- Saves the transitions of a batch of inbox events: compare-and-set on the version, checks that the oldest n inbox
-- entries are exactly the events the batch was computed from and consumes them, saves the resulting state and
-- records every effect the batch asks for in the outbox, all in one step, so a crash at any line loses nothing and
-- no event applies twice. Timers are not effects to run: the commit puts them in the timers set itself (scored by
-- their due time) and takes out the ones the batch made moot. Then returns the new version and the next events (up
-- to nextMax), so that a drain does not read the inbox again; an inbox left empty drops the ticket from the dirty
-- set in the same step.
-- It may also complete effects the committing worker ran itself and whose results the batch applied (see
-- EventProcessor: a result folded into the commit instead of going through the inbox): each must still be in the
-- outbox (else another worker completed it, and its result is in the inbox already), and is removed with its start
-- counter in the same step.
-- outboxAt is when the sweeper may take the new effects as left behind: now, or later while the committing worker
-- runs them itself (see EffectRunner.runInline). expireMs: an ended ticket's retention.
--
-- KEYS[1]     workflow hash
-- KEYS[2]     inbox list
-- KEYS[3]     dirty set
-- KEYS[4]     outbox sorted set
-- KEYS[5]     timers sorted set
-- KEYS[6..]   per completed effect: its record key and its start counter; then the record key of each new effect
-- ARGV[1]     the expected version
-- ARGV[2]     the new state (JSON), or '' (unchanged)
-- ARGV[3]     tk
-- ARGV[4]     n: how many inbox events the batch consumes
-- ARGV[5]     nextMax: how many next inbox events to return
-- ARGV[6]     outboxAt (ms): the new effects' outbox score
-- ARGV[7]     expireMs: with a new state, how long the workflow is kept from now ('0': for good)
-- ARGV[8]     c: how many effects the batch completes
-- ARGV[9]     ta: how many timers the batch sets
-- ARGV[10]    tr: how many timers the batch makes moot
-- ARGV[11..]  the n consumed events as stored, the c completed effect keys, (timer member, due at) per timer set,
--             the member of each moot timer, then (effect key, effect record JSON) per new effect
--
-- Returns {-1} (version moved), {-2} (inbox head moved), {-3} (a completed effect was completed elsewhere), or
-- {newVersion, next1, next2, ...}.
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return {-1} end
local n, c, ta, tr = tonumber(ARGV[4]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local a = 10
if n > 0 then
  local cur = redis.call('LRANGE', KEYS[2], 0, n - 1)
  if #cur ~= n then return {-2} end
  for i = 1, n do
    if cur[i] ~= ARGV[a + i] then return {-2} end
  end
end
a = a + n
for j = 1, c do
  if redis.call('EXISTS', KEYS[4 + 2 * j]) == 0 then return {-3} end
end
for j = 1, c do
  redis.call('DEL', KEYS[4 + 2 * j], KEYS[5 + 2 * j])
  redis.call('ZREM', KEYS[4], ARGV[a + j])
end
a = a + c
if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
local nv = v
if ARGV[2] ~= '' then
  nv = v + 1
  redis.call('HSET', KEYS[1], 'v', nv, 's', ARGV[2])
  if ARGV[7] == '0' then redis.call('PERSIST', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7])) end
end
local added = a
a = a + 2 * ta
for i = 1, tr do redis.call('ZREM', KEYS[5], ARGV[a + i]) end
for i = 1, ta do redis.call('ZADD', KEYS[5], tonumber(ARGV[added + 2 * i]), ARGV[added + 2 * i - 1]) end
a = a + tr
local k = 6 + 2 * c
for i = a + 1, #ARGV, 2 do
  redis.call('SET', KEYS[k], ARGV[i + 1])
  redis.call('ZADD', KEYS[4], tonumber(ARGV[6]), ARGV[i])
  k = k + 1
end
local out = {nv}
local nextMax = tonumber(ARGV[5])
if nextMax > 0 then
  local nexts = redis.call('LRANGE', KEYS[2], 0, nextMax - 1)
  for i = 1, #nexts do out[#out + 1] = nexts[i] end
  if #nexts == 0 then redis.call('SREM', KEYS[3], ARGV[3]) end
elseif redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[3])
end
return out
