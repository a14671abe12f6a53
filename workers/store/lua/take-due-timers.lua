-- Takes due timers: each due member (up to limit) is pushed leaseMs into the future, so that if the process that
-- took it dies before the timer's event is in the inbox, it is due again then; the taker removes it once the event
-- is appended (drop-taken-timer.lua).
--
-- KEYS[1]  timers sorted set (score: when the timer is due, ms)
-- ARGV[1]  now (ms)
-- ARGV[2]  limit: the most members taken
-- ARGV[3]  leaseMs
--
-- Returns the members taken, then the score of the next timer due ('' when none).
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), due[i]) end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
due[#due + 1] = first[2] or ''
return due
