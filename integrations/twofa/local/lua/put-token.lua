-- Stores a seeded token whole (its hash replaced) and adds it to its user's tokens; a token already stored is kept
-- unless the seed replaces everything.
--
-- KEYS[1]    the token's hash
-- KEYS[2]    the user's tokens set
-- ARGV[1]    replace: '1' overwrites a token already stored, '0' keeps it
-- ARGV[2]    serial
-- ARGV[3..]  the token's fields and values
--
-- Returns 1 stored, 0 kept the one stored.
if ARGV[1] == '0' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
