-- rows.lua - wrk script for the bench/rows insert routes of service_vs_c.sh:
-- POST {"body": "...", "metadata": {...}, "n": N} to the URL given, the same bodies for
-- the C and the declared route (a sequence number per thread, about 230 bytes):
--   wrk -s rows.lua http://127.0.0.1:PORT/api/bench/c/rows
-- done() prints the same BENCH line as stats.lua.

local seq = 0
local headers = { ["Content-Type"] = "application/json" }
local words = { "the", "report", "describes", "a", "small", "change", "to", "storage",
   "layer", "and", "its", "cost", "for", "next", "quarter", "team", "reviewed" }

-- setup() runs in its own Lua state: number the threads there, and hand each its
-- number as the global tid of its own state
nthreads = 0
tid = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
end

function request()
   seq = seq + 1
   local w1 = words[1 + seq % #words]
   local w2 = words[1 + (seq * 7) % #words]
   local body = string.format(
      '{"body": "Row %d-%d: the %s of the %s was reviewed by the team after a long ' ..
      'discussion.", "metadata": {"source": "wrk", "thread": %d, "seq": %d, ' ..
      '"tags": ["bench", "%s"], "score": %d.%d}, "n": %d}',
      tid, seq, w1, w2, tid, seq, w2, seq % 100, seq % 10, seq)
   return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout + e.status
   local secs = summary.duration / 1e6
   io.write(string.format(
      "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d status_errors=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      errors, e.status))
end
