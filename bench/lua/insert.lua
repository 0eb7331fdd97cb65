-- insert.lua - wrk script for the insert route: POST /api/data/documents with a JSON
-- body {"document": PATH, "metadata": {...}}; the metadata differs per request (a
-- sequence number per thread), the document is the one file passed after "--":
--   wrk -s insert.lua http://127.0.0.1:PORT/api/data/documents -- /abs/path/file
-- done() prints the same BENCH line as stats.lua.

local doc = nil
local seq = 0
local headers = { ["Content-Type"] = "application/json" }

-- setup() runs in its own Lua state: number the threads there, and hand each its
-- number as the global tid of its own state
nthreads = 0
tid = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
end

function init(args)
   doc = args[1]
   if doc == nil then
      error("insert.lua: pass the document path after --")
   end
end

function request()
   seq = seq + 1
   local body = string.format(
      '{"document": "%s", "metadata": {"source": "wrk", "thread": %d, "seq": %d, ' ..
      '"title": "Benchmark upload %d-%d", "tags": ["bench", "insert"], "pages": %d}}',
      doc, tid, seq, tid, seq, 1 + seq % 300)
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
