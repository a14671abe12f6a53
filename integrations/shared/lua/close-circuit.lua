-- A call succeeded: the circuit closes, its failures forgotten.
--
-- KEYS[1]  the circuit's hash
--
-- Returns 1.
redis.call('DEL', KEYS[1]) return 1
