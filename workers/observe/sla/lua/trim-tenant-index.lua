-- Trims one tenant's index like the main one, and forgets the tenant once it has no records left (in the same
-- script as the check, so a save in between cannot leave an index no trim visits).
--
-- KEYS[1]  the tenant's index
-- KEYS[2]  tenants set
-- ARGV[1]  cutoff (ms): records closed before it go
-- ARGV[2]  tenant
--
-- Returns 0.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return 0
