-- wrk script: POST /v1/decisions, one mandate-bound decision per request,
-- as a resource server asks before acting: each body carries a mandate and
-- a fresh proof of possession (made beforehand by mint_proofs.mjs, one per
-- line of $MANDATE_BENCH_BODIES, never sent twice). Every decision is
-- recorded durably before its answer.
local token = os.getenv("MANDATE_BENCH_TOKEN")
local bodies = {}
for line in io.lines(os.getenv("MANDATE_BENCH_BODIES")) do bodies[#bodies + 1] = line end
local next_body = 0
request = function()
  next_body = next_body + 1
  if next_body > #bodies then
    -- Out of fresh proofs: the last is sent again and denied as a replay
    -- (decisions_wrk.sh reports it), never counted as an allow.
    next_body = #bodies
  end
  return wrk.format("POST", "/v1/decisions", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, bodies[next_body])
end
