-- Moves "paused until" forward only: a shorter Retry-After seen later must not shorten a longer pause.
--
-- KEYS[1]  the account's paused-until key
-- ARGV[1]  resumeAt (ms)
-- ARGV[2]  the key's life (ms)
--
-- Returns the pause's end (ms) now in force.
local resumeAt = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if resumeAt > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return resumeAt
end
return current
