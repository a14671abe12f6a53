-- Deletes a ticket's index only while it still names the codes just taken (a newer hold keeps its own).
--
-- KEYS[1]  the ticket's index (its link id)
-- ARGV[1]  the link id taken
--
-- Returns 1 deleted, 0 kept.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
