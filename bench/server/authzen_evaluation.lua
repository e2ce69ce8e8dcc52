-- wrk script: POST one AuthZEN evaluation per request, as the resource
-- server does, cycling over users so decisions are both allow and deny.
local token = os.getenv("MANDATE_BENCH_TOKEN")
local users = { "rick", "morty", "summer", "beth", "jerry" }
local actions = { "can_read_todos", "can_update_todo", "can_delete_todo" }
local counter = 0
request = function()
  counter = counter + 1
  local user = users[(counter % #users) + 1]
  local action = actions[(counter % #actions) + 1]
  local body = string.format(
    '{"subject":{"type":"User","id":"%s"},"action":{"name":"%s"},"resource":{"type":"Todo","id":"todo-%d","properties":{"ownerID":"rick"}}}',
    user, action, counter % 100)
  return wrk.format("POST", "/access/v1/evaluation", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
