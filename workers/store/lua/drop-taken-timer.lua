-- Removes a taken timer, unless it was set again meanwhile (its score is no longer the lease).
--
-- KEYS[1]  timers sorted set
-- ARGV[1]  the timer's member
-- ARGV[2]  the lease score it was taken with
--
-- Returns 1 removed, 0 kept (set again, or gone).
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '-1') == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
