-- Counts a failed call. A failed probe (the circuit was open) re-opens at once; a closed circuit opens at the
-- threshold. The hash outlives ten cool-downs and a minute, then an idle account starts closed again.
--
-- KEYS[1]  the circuit's hash (failures, openUntil, probeUntil)
-- ARGV[1]  now (ms)
-- ARGV[2]  threshold: consecutive failures that open the circuit
-- ARGV[3]  coolDown (ms)
--
-- Returns the consecutive failures counted.
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local coolDown = tonumber(ARGV[3])
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil > 0 or failures >= threshold then
  redis.call('HSET', KEYS[1], 'openUntil', now + coolDown, 'probeUntil', 0)
end
redis.call('PEXPIRE', KEYS[1], coolDown * 10 + 60000)
return failures
