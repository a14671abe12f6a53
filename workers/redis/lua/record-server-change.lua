-- Records when the bot's Redis became another server; the latest change wins: two processes noticing one failover
-- agree within their clocks.
--
-- KEYS[1]  the change time
-- ARGV[1]  when this process noticed the change (ms)
--
-- Returns 1.
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
