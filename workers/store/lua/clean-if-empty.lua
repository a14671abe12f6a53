-- Drops the ticket from the dirty set only if its inbox is really empty (an append may have raced).
--
-- KEYS[1]  the ticket's inbox list
-- KEYS[2]  dirty set
-- ARGV[1]  tk
--
-- Returns 1 dropped, 0 the inbox holds events.
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0
