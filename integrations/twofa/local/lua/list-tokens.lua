-- A user's tokens, read in one round trip; the token keys are derived from ARGV[1] as in find-users.lua. With
-- ARGV[2] = '1' the user's hash comes first, and an empty one (no such user) ends the script there.
--
-- KEYS[1]  the user's hash
-- KEYS[2]  the user's tokens set
-- ARGV[1]  the start of every token key, connection keyPrefix included
-- ARGV[2]  '1' to read the user too, '0' not
--
-- Returns {user hash as field, value, ... (empty when not read or no such user), {serial, token hash} per token}.
local user = {}
if ARGV[2] == '1' then
  user = redis.call('HGETALL', KEYS[1])
  if #user == 0 then return {user, {}} end
end
local tokens = {}
for _, serial in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local token = redis.call('HGETALL', ARGV[1] .. serial)
  if #token > 0 then tokens[#tokens + 1] = {serial, token} end
end
return {user, tokens}
