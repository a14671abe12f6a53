-- Lets a call through or not. Closed: everyone passes. Open: nobody until openUntil. Then half-open: exactly one
-- caller gets the probe; the others wait until it reports back or its probe lease (one cool-down) runs out.
--
-- KEYS[1]  the circuit's hash (failures, openUntil, probeUntil)
-- ARGV[1]  now (ms)
-- ARGV[2]  coolDown (ms): also the probe's lease
--
-- Returns {1, 0} go ahead, or {0, ms to wait}.
local now = tonumber(ARGV[1])
local coolDown = tonumber(ARGV[2])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return {1, 0} end
if now < openUntil then return {0, openUntil - now} end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if now < probeUntil then return {0, probeUntil - now} end
redis.call('HSET', KEYS[1], 'probeUntil', now + coolDown)
return {1, 0}
