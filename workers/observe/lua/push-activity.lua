-- Pushes each ticket's entries (oldest first), keeps its newest max and its list for ttl seconds.
--
-- KEYS[1..]  one activity list per ticket
-- ARGV[1]    max: entries kept per ticket
-- ARGV[2]    ttl (s)
-- ARGV[3..]  per key, in order: the count of its entries, then the entries (JSON)
--
-- Returns nothing.
local max, ttl, a = tonumber(ARGV[1]), tonumber(ARGV[2]), 3
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  redis.call('LPUSH', KEYS[k], unpack(ARGV, a + 1, a + n))
  redis.call('LTRIM', KEYS[k], 0, max - 1)
  redis.call('EXPIRE', KEYS[k], ttl)
  a = a + n + 1
end
