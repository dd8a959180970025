"""The cluster's Lua scripts: each runs atomically in Redis (``EVALSHA``, loaded on first use).

Both start by listing the live workers (:data:`_LIVE_WORKERS`): a worker whose hash has
expired (no heartbeat for ``heartbeat_ttl_secs``: killed, cut off) is removed from the
set with its reservations, and every worker's expired reservations are dropped. Time is
Redis's own (``TIME``), so the processes' clocks never matter.

:data:`RESERVE` (``KEYS[1]``: the workers set; ``ARGV``: the key prefix, the bot ("":
the only one), the reservation id, its time to live in ms) picks the least-loaded live,
non-draining worker of the bot — load = (sessions + reservations) / max_sessions, ties
to the one with more free slots — and adds the reservation to it, in one step: two
gateways never both take a worker's last slot. It answers ``{"ok", id, url}``, or
``{"full", capacity, bot}``, ``{"unknown", bots}``, ``{"ambiguous", bots}``, ``{"empty"}``
(no worker at all).

:data:`OVERVIEW` (same ``KEYS[1]`` and prefix) answers each live worker as
``{id, url, bot, version, max_sessions, sessions, draining, reserved}``.
"""

from __future__ import annotations

#: Fields of a worker's hash, in the order the scripts read them.
WORKER_FIELDS = ("url", "bot", "version", "max_sessions", "sessions", "draining")

_LIVE_WORKERS = """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function live_workers(workers, prefix, now)
  local live = {}
  for _, id in ipairs(redis.call('SMEMBERS', workers)) do
    local reservations = prefix .. 'reservations:' .. id
    local w = redis.call('HMGET', prefix .. 'worker:' .. id,
      'url', 'bot', 'version', 'max_sessions', 'sessions', 'draining')
    if not w[1] then
      redis.call('SREM', workers, id)
      redis.call('DEL', reservations)
    else
      redis.call('ZREMRANGEBYSCORE', reservations, '-inf', now)
      live[#live + 1] = {
        id = id, url = w[1], bot = w[2] or '', version = w[3] or '',
        max = tonumber(w[4]) or 0, sessions = tonumber(w[5]) or 0, draining = w[6] == '1',
        reserved = redis.call('ZCARD', reservations),
      }
    end
  end
  return live
end
"""

RESERVE = (
    _LIVE_WORKERS
    + """
local prefix, bot, reservation, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local now = now_ms()
local live = live_workers(KEYS[1], prefix, now)
if #live == 0 then return {'empty'} end
local bots, names = {}, {}
for _, w in ipairs(live) do
  if not bots[w.bot] then bots[w.bot] = true; names[#names + 1] = w.bot end
end
table.sort(names)
if bot == '' then
  if #names > 1 then return {'ambiguous', table.concat(names, ', ')} end
  bot = names[1]
elseif not bots[bot] then
  return {'unknown', table.concat(names, ', ')}
end
local best, capacity = nil, 0
for _, w in ipairs(live) do
  if w.bot == bot and not w.draining then
    capacity = capacity + w.max
    local load = w.sessions + w.reserved
    if load < w.max then
      if best == nil or load * best.max < best.load * w.max
          or (load * best.max == best.load * w.max and w.max - load > best.max - best.load) then
        best = {id = w.id, url = w.url, load = load, max = w.max}
      end
    end
  end
end
if best == nil then return {'full', tostring(capacity), bot} end
local reservations = prefix .. 'reservations:' .. best.id
redis.call('ZADD', reservations, now + ttl, reservation)
if redis.call('PTTL', reservations) < ttl then redis.call('PEXPIRE', reservations, ttl) end
return {'ok', best.id, best.url}
"""
)

OVERVIEW = (
    _LIVE_WORKERS
    + """
local answer = {}
for _, w in ipairs(live_workers(KEYS[1], ARGV[1], now_ms())) do
  answer[#answer + 1] = {w.id, w.url, w.bot, w.version, w.max, w.sessions, w.draining and 1 or 0, w.reserved}
end
return answer
"""
)
