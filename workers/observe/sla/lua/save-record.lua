-- Saves a record unless the one stored was made from a later workflow state (both carry asOf): the saves of one
-- round's changes (resolved, then unfinished when its update failed) may come from different processes, late.
-- A record with a tenant also goes into its tenant's index, and the tenant into the set of tenants with records.
--
-- KEYS[1]  the record
-- KEYS[2]  index sorted set
-- KEYS[3]  the tenant's index (the index again without a tenant: unused)
-- KEYS[4]  tenants set
-- ARGV[1]  the record (JSON)
-- ARGV[2]  closedAt: the index score
-- ARGV[3]  the index member
-- ARGV[4]  asOf ('' for none: always saved)
-- ARGV[5]  tenant ('' for none)
--
-- Returns 1 saved, 0 kept the newer record.
if ARGV[4] ~= '' then
  local cur = redis.call('GET', KEYS[1])
  if cur then
    local ok, old = pcall(cjson.decode, cur)
    if ok and type(old) == 'table' and type(old.asOf) == 'number' and old.asOf > tonumber(ARGV[4]) then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[5])
end
return 1
