-- Reads what a drain needs in one round trip: the state with its version and the oldest `max` inbox events. When
-- given a wake key (the key that makes further drain requests wait for this drain), it is deleted first, in the
-- same step: any event appended after this read queues a drain of its own.
--
-- KEYS[1]  workflow hash
-- KEYS[2]  inbox list
-- KEYS[3]  wake key, or the workflow hash again (no wake key: '' would be another Cluster slot)
-- ARGV[1]  max: how many inbox events to read (0: none)
--
-- Returns {version ('0': none), state JSON ('': none), then up to max inbox events as stored}.
if KEYS[3] ~= KEYS[1] then redis.call('DEL', KEYS[3]) end
local vs = redis.call('HMGET', KEYS[1], 'v', 's')
local out = {vs[1] or '0', vs[2] or ''}
local max = tonumber(ARGV[1])
if max > 0 then
  local heads = redis.call('LRANGE', KEYS[2], 0, max - 1)
  for i = 1, #heads do out[#out + 1] = heads[i] end
end
return out
