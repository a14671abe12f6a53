-- The users a search finds, read in one round trip: the index sets of the fields asked are KEYS (their intersection
-- when several are asked), and each id found is read from ARGV[1] .. id.
-- Those user keys are derived, not declared: like every key of the platform they are under its one prefix, so a
-- Redis Cluster hash tag in the prefix keeps them on the index sets' slot.
--
-- KEYS[1..]  the index set of each field asked
-- ARGV[1]    the start of every user key, connection keyPrefix included
--
-- Returns {id, user hash as field, value, ...} per user found, in set order.
local ids
if #KEYS == 1 then ids = redis.call('SMEMBERS', KEYS[1]) else ids = redis.call('SINTER', unpack(KEYS)) end
local found = {}
for _, id in ipairs(ids) do
  local user = redis.call('HGETALL', ARGV[1] .. id)
  if #user > 0 then found[#found + 1] = {id, user} end
end
return found
