-- One id per email: the email's id from the users hash, or else a new `user-<n>` from the user counter, recorded.
-- Atomic, so two first tickets of one person created at once agree on one id. With the id, what agents recorded
-- of the user: the external id, the organization and the locale.
--
-- KEYS[1]  users hash (email -> id)
-- KEYS[2]  user counter
-- KEYS[3]  external ids hash
-- KEYS[4]  organizations hash (JSON)
-- KEYS[5]  locales hash
-- ARGV[1]  email
--
-- Returns {id, external id or '', organization or '', locale or ''}.
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then
  id = string.format('user-%d', redis.call('INCR', KEYS[2]))
  redis.call('HSET', KEYS[1], ARGV[1], id)
end
return {id, redis.call('HGET', KEYS[3], id) or '', redis.call('HGET', KEYS[4], id) or '', redis.call('HGET', KEYS[5], id) or ''}
