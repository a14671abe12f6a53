-- Accepts the events of one delivery in one step: appends each ticket's events to its inbox in arrival order, each
-- at most once (by event id), marks the tickets that got new events dirty, asks the worker processes to drain them
-- (when given the drain-requests key: a process without workers) and records the delivery as taken (when given its
-- key), so a delivery is either taken whole or not at all; a delivery recorded before changes nothing.
-- With watchedOnly, a ticket with no workflow and an empty inbox whose events hold no ticketTagged (an adapter makes
-- one only for a ticket that carries the watch tag: opens = 1) is not the bot's: nothing of it is written, not even
-- the seen keys, and a delivery of such tickets only is not recorded (a replay of it would write nothing either).
-- A key not given is the dirty set again: '' would hash to another Redis Cluster slot than the prefix's hash tag, and
-- the call fail with CROSSSLOT.
--
-- KEYS[1]    dirty set
-- KEYS[2]    drain-requests sorted set, or the dirty set (no drains asked for)
-- KEYS[3]    the delivery's key, or the dirty set (no delivery to record)
-- KEYS[4..]  per ticket: its workflow hash, its inbox list, then the seen key of each of its events
-- ARGV[1]    how long a seen key is kept (s)
-- ARGV[2]    how long the delivery's key is kept (s)
-- ARGV[3]    now (ms): a drain request's score
-- ARGV[4]    the number of tickets
-- ARGV[5]    watchedOnly: '1' or '0'
-- ARGV[6..]  per ticket: tk, opens ('1' or '0'), n, then its n events (JSON)
--
-- Returns the number of new events per ticket, in order, or {'replayed'}.
if KEYS[3] ~= KEYS[1] and redis.call('EXISTS', KEYS[3]) == 1 then return {'replayed'} end
local ttl = tonumber(ARGV[1])
local watchedOnly = ARGV[5] == '1'
local k, a = 4, 6
local out = {}
local taken = 0
for b = 1, tonumber(ARGV[4]) do
  local wf, inbox = KEYS[k], KEYS[k + 1]
  local tk, opens, n = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  k, a = k + 2, a + 3
  local appended = 0
  if not watchedOnly or opens == '1' or redis.call('EXISTS', wf, inbox) > 0 then
    taken = taken + 1
    for i = 1, n do
      if redis.call('SET', KEYS[k + i - 1], '1', 'NX', 'EX', ttl) then
        redis.call('RPUSH', inbox, ARGV[a + i - 1])
        appended = appended + 1
      end
    end
    if appended > 0 then
      redis.call('SADD', KEYS[1], tk)
      if KEYS[2] ~= KEYS[1] then redis.call('ZADD', KEYS[2], 'NX', ARGV[3], tk) end
    end
  end
  k, a = k + n, a + n
  out[b] = appended
end
if KEYS[3] ~= KEYS[1] and (taken > 0 or not watchedOnly) then redis.call('SET', KEYS[3], '1', 'EX', tonumber(ARGV[2])) end
return out
