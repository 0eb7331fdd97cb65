-- stats.lua - wrk script for plain GET benchmarks: no per-request Lua (no request or
-- response function), only done() printing one machine-readable line for run.sh:
--   BENCH requests=N duration_s=S rps=R p50_ms=A p99_ms=B errors=E status_errors=S
-- errors counts socket errors (connect, read, write, timeout) and HTTP status >= 400.

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
