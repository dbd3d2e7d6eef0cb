-- bench/querymix.lua - wrk script: the same kinds of query as bench_search
-- (text only; text + 1-3 filters; browse by facet), cycled in a fixed order.
local words = {"cv", "interview", "esol", "english", "digital", "skills", "apprenticeship",
  "careers", "job", "construction", "security", "care", "mental health", "housing", "debt",
  "childcare", "volunteering", "mentoring", "training", "course"}
local boroughs = {"hackney", "newham", "croydon", "barnet", "lambeth", "ealing", "camden",
  "tower-hamlets", "southwark", "brent"}
local groups = {"young-people", "aged-50-plus", "disabled", "bame", "criminal-justice",
  "low-pay-low-skills", "young-people-send"}
local cats = {"employment-support", "skills-training", "esol", "digital-skills", "careers-advice",
  "mental-health", "housing"}
local paths = {}
local i = 0
for k = 1, 600 do
  local w = words[(k * 7) % #words + 1]
  local b = boroughs[(k * 3) % #boroughs + 1]
  local g = groups[(k * 5) % #groups + 1]
  local c = cats[(k * 11) % #cats + 1]
  local kind = k % 3
  if kind == 0 then
    paths[#paths + 1] = "/api/v1/search?q=" .. w:gsub(" ", "+")
  elseif kind == 1 then
    local p = "/api/v1/search?q=" .. w:gsub(" ", "+") .. "&borough=" .. b
    if k % 2 == 0 then p = p .. "&group=" .. g end
    if k % 4 == 1 then p = p .. "&cost=free" end
    paths[#paths + 1] = p
  else
    paths[#paths + 1] = "/api/v1/search?category=" .. c .. "&borough=" .. b
  end
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
