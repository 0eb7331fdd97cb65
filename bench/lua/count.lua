-- count.lua - a request-count-bounded wrk run: each thread stops after the number of
-- responses given after "--" (so -t2 ... -- 5000 sends about 10,000 requests). wrk
-- itself still ends only when -d is over, so run.sh sizes -d from the measured rate.
-- Used by run.sh to drive workers to a request-count mark.
-- done() prints the same BENCH line as stats.lua.

local limit = 1000
local n = 0

function init(args)
   limit = tonumber(args[1]) or limit
end

function response(status, headers, body)
   n = n + 1
   if n >= limit then
      wrk.thread:stop()
   end
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
