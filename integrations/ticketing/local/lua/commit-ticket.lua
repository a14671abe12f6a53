-- Saves one change of a ticket if nobody changed the ticket since it was read (version check), together with
-- its new comments, indexes and, for bot updates, the idempotency record; a key already recorded wins instead.
-- The change itself is computed in TypeScript: Lua only makes the write conditional and all-or-nothing.
--
-- KEYS[1]    ticket hash
-- KEYS[2]    comments sorted set
-- KEYS[3]    bot-update records hash
-- KEYS[4]    all tickets sorted set
-- KEYS[5]    unsolved set
-- KEYS[6..]  tag sets: the first ARGV[8] gain the ticket, the rest lose it
-- ARGV[1]    expected version
-- ARGV[2]    ticket (JSON)
-- ARGV[3]    ticket id
-- ARGV[4]    updatedAt
-- ARGV[5]    unsolved: '1' or '0'
-- ARGV[6]    idempotency key, or ''
-- ARGV[7]    idempotency record (JSON), or ''
-- ARGV[8]    how many tag sets gain the ticket
-- ARGV[9]    comment count
-- ARGV[10..] (id, JSON) per comment
--
-- Returns {1, ''} saved, {0, ''} conflict, {2, record} key already applied.
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[6] ~= '' then
  local done = redis.call('HGET', KEYS[3], ARGV[6])
  if done then return {2, done} end
end
if v ~= tonumber(ARGV[1]) then return {0, ''} end
redis.call('HSET', KEYS[1], 'v', v + 1, 'data', ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
if ARGV[5] == '1' then redis.call('SADD', KEYS[5], ARGV[3]) else redis.call('SREM', KEYS[5], ARGV[3]) end
local gained = tonumber(ARGV[8])
for i = 6, #KEYS do
  if i - 5 <= gained then redis.call('SADD', KEYS[i], ARGV[3]) else redis.call('SREM', KEYS[i], ARGV[3]) end
end
local n = tonumber(ARGV[9])
for i = 0, n - 1 do
  redis.call('ZADD', KEYS[2], ARGV[10 + 2 * i], ARGV[11 + 2 * i])
end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[3], ARGV[6], ARGV[7]) end
return {1, ''}
