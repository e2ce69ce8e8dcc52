-- wrk script: POST /access/v1/evaluations with ITEMS evaluations per request
-- (default 100), the interop "Todo" users and actions as in
-- authzen_evaluation.lua, each item a decision recorded durably; the batch's
-- decisions share one commit. Items/s = requests/s × ITEMS.
local token = os.getenv("MANDATE_BENCH_TOKEN")
local items = tonumber(os.getenv("ITEMS") or "100")
local users = { "rick@the-citadel.com", "morty@the-citadel.com", "summer@the-smiths.com",
                "beth@the-smiths.com", "jerry@the-smiths.com" }
local actions = { "can_read_todos", "can_create_todo", "can_update_todo", "can_delete_todo" }
local counter = 0
request = function()
  local parts = {}
  for i = 1, items do
    counter = counter + 1
    parts[i] = string.format(
      '{"subject":{"type":"user","id":"%s"},"action":{"name":"%s"},' ..
      '"resource":{"type":"todo","id":"todo-%d","properties":{"ownerID":"morty@the-citadel.com"}}}',
      users[(counter % #users) + 1], actions[(counter % #actions) + 1], counter % 100)
  end
  return wrk.format("POST", "/access/v1/evaluations", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"evaluations":[' .. table.concat(parts, ",") .. ']}')
end
