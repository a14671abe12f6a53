-- Counts one request in the current window. The counter lives two windows, so a key never outlives its use.
--
-- KEYS[1]  the current window's counter
-- ARGV[1]  its life (ms): two windows
--
-- Returns the requests counted in the window, this one included.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
