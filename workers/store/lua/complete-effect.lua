-- Completes an effect once: removes it from the outbox and appends its result event to the ticket's inbox. Drops
-- the effect's start counter in the same step (one round trip less per effect).
--
-- KEYS[1]  the effect's record
-- KEYS[2]  outbox sorted set
-- KEYS[3]  the ticket's inbox list
-- KEYS[4]  dirty set
-- KEYS[5]  the seen key of the result event
-- KEYS[6]  the effect's start counter
-- ARGV[1]  effect key (its outbox member)
-- ARGV[2]  tk
-- ARGV[3]  the result event (JSON), or '' (none)
-- ARGV[4]  how long the seen key is kept (s)
--
-- Returns 1 completed, 0 completed before.
redis.call('DEL', KEYS[6])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then
  if redis.call('SET', KEYS[5], '1', 'NX', 'EX', tonumber(ARGV[4])) then
    redis.call('RPUSH', KEYS[3], ARGV[3])
    redis.call('SADD', KEYS[4], ARGV[2])
  end
end
return 1
