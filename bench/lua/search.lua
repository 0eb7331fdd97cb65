-- search.lua - wrk script for POST /api/search/chunks (bench/search.sh): each request
-- sends the next of the query texts in a file, one a line, in the given mode:
--   wrk -s search.lua http://127.0.0.1:PORT/api/search/chunks -- QUERIES MODE [LIMIT]
-- MODE is semantic, keyword or hybrid; LIMIT defaults to 10. Each thread starts at
-- another place in the list and goes round it. An answer other than 200 counts as an
-- error (wrk's status errors); a 200 whose "results" array is empty is counted too.
-- done() prints one machine-readable line:
--   BENCH requests=N duration_s=S rps=R p50_ms=A p90_ms=B p99_ms=C max_ms=D
--       mean_ms=E errors=F status_errors=G empty=H

local bodies = {}
local next_i = 1
empty = 0	-- global: done() reads it with thread:get
local headers = { ["Content-Type"] = "application/json" }

-- setup() runs in its own Lua state: number the threads and keep them for done()
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local function json_str(s)
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function init(args)
   local path, mode, limit = args[1], args[2] or "semantic", tonumber(args[3] or "10")
   if path == nil then
      error("search.lua: pass the query file (and the mode) after --")
   end
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(bodies, string.format('{"query": %s, "limit": %d, "mode": %s}',
            json_str(line), limit, json_str(mode)))
      end
   end
   if #bodies == 0 then
      error("search.lua: no queries in " .. path)
   end
   -- tid is set by setup() before init() runs
   next_i = ((tid or 1) - 1) * 7 % #bodies + 1
end

function request()
   local body = bodies[next_i]
   next_i = next_i % #bodies + 1
   return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
   if status == 200 and body:find('"results"%s*:%s*%[%s*%]') then
      empty = empty + 1
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout + e.status
   local secs = summary.duration / 1e6
   local n_empty = 0
   for _, t in ipairs(threads) do
      n_empty = n_empty + (t:get("empty") or 0)
   end
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f " ..
      "max_ms=%.3f mean_ms=%.3f errors=%d status_errors=%d empty=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
      errors, e.status, n_empty))
end
