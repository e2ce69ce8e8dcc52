-- wrk script: the reference, on the same server with the same connections
-- and headers: /healthz, a fixed response (no authentication, no decision).
local token = os.getenv("MANDATE_BENCH_TOKEN")
request = function()
  return wrk.format("GET", "/healthz", { ["Authorization"] = "Bearer " .. token })
end
