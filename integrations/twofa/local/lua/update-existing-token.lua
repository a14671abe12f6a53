-- Writes only to a token that exists, so a late write after a wipe cannot leave half a token behind.
--
-- KEYS[1]  the token's hash
-- ARGV[1]  'incr' (add 1 to the field) or 'set'
-- ARGV[2]  the field
-- ARGV[3]  its value (with 'set')
--
-- Returns 1 written, 0 no such token.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'incr' then redis.call('HINCRBY', KEYS[1], ARGV[2], 1) else redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return 1
