-- Moves each ticket to its new state's set, unless the index already holds a later transition (two processes'
-- updates of one ticket may land out of order). '' as the new state drops the ticket (it ended).
--
-- KEYS[1]    open-state hash (tk -> 'state|at')
-- KEYS[2..]  one set per open state, in the order of the names in ARGV
-- ARGV[1]    the count of open states
-- ARGV[2..]  the open states' names, then (tk, new state or '', at) per move, in the order they happened
--
-- Returns nothing.
local ns = tonumber(ARGV[1])
local slot = {}
for i = 1, ns do slot[ARGV[1 + i]] = KEYS[1 + i] end
for m = ns + 2, #ARGV, 3 do
  local tk, to, at = ARGV[m], ARGV[m + 1], tonumber(ARGV[m + 2])
  local cur = redis.call('HGET', KEYS[1], tk)
  local sep = cur and string.find(cur, '|', 1, true)
  if not cur or tonumber(string.sub(cur, sep + 1)) <= at then
    if cur and slot[string.sub(cur, 1, sep - 1)] then redis.call('SREM', slot[string.sub(cur, 1, sep - 1)], tk) end
    if to == '' then
      redis.call('HDEL', KEYS[1], tk)
    else
      if slot[to] then redis.call('SADD', slot[to], tk) end
      redis.call('HSET', KEYS[1], tk, to .. '|' .. at)
    end
  end
end
