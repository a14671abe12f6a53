-- Records (ARGV[2] non-empty) or clears a user's external id, keeping it unique: one external id names one person on
-- the 2FA platform, so two desk users with the same one would both pass for them.
--
-- KEYS[1]  external ids hash (user id -> external id)
-- KEYS[2]  owners hash (external id -> user id)
-- ARGV[1]  user id
-- ARGV[2]  external id, or '' to clear it
--
-- Returns '' when saved, or the id of the user who already has it.
if ARGV[2] ~= '' then
  local owner = redis.call('HGET', KEYS[2], ARGV[2])
  if owner and owner ~= ARGV[1] then return owner end
end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then redis.call('HDEL', KEYS[2], old) end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
end
return ''
