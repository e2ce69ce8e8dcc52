-- wrk script: the reference: the same server, connections and headers,
-- answering /healthz (a fixed response, no authentication, no decision).
local token = os.getenv("MANDATE_BENCH_TOKEN")
request = function()
  return wrk.format("GET", "/healthz", { ["Authorization"] = "Bearer " .. token })
end
