-- Compare-and-set on the counter in one script, so that two processes that found the same codes cannot both move
-- the counter: the second sees 'moved', searches again and finds the codes used. Resets the failed count; a
-- challenge given must still be the pending one, and is then marked used.
--
-- KEYS[1]  the token's hash
-- ARGV[1]  the counter the caller's search started from
-- ARGV[2]  the new counter
-- ARGV[3]  the challenge answered, or '' (none)
--
-- Returns 'ok', 'moved' (counter or challenge changed), 'not_active' or 'gone'.
local t = redis.call('HMGET', KEYS[1], 'counter', 'state', 'challenge')
if not t[1] then return 'gone' end
if t[1] ~= ARGV[1] then return 'moved' end
if ARGV[3] ~= '' and t[3] ~= ARGV[3] then return 'moved' end
if t[2] ~= 'active' then return 'not_active' end
redis.call('HSET', KEYS[1], 'counter', ARGV[2], 'failed', '0')
if ARGV[3] ~= '' then
  redis.call('HDEL', KEYS[1], 'challenge')
  redis.call('HSET', KEYS[1], 'usedChallenge', ARGV[3])
end
return 'ok'
