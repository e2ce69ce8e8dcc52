-- wrk script: POST one AuthZEN evaluation per request, as a resource server
-- (an API gateway) does, cycling over the interop "Todo" users and actions so
-- the decisions are both allow and deny. Every one is recorded durably.
local token = os.getenv("MANDATE_BENCH_TOKEN")
local users = { "rick@the-citadel.com", "morty@the-citadel.com", "summer@the-smiths.com",
                "beth@the-smiths.com", "jerry@the-smiths.com" }
local actions = { "can_read_todos", "can_create_todo", "can_update_todo", "can_delete_todo" }
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(
    '{"subject":{"type":"user","id":"%s"},"action":{"name":"%s"},' ..
    '"resource":{"type":"todo","id":"todo-%d","properties":{"ownerID":"morty@the-citadel.com"}}}',
    users[(counter % #users) + 1], actions[(counter % #actions) + 1], counter % 100)
  return wrk.format("POST", "/access/v1/evaluation", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
