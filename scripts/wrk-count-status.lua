-- wrk script: counts every answer that is not a 2xx (wrk itself lets 3xx pass) and prints
-- "non-2xx: N" at the end. Used by scripts/soak and scripts/bench-vs-php.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("non-2xx: %d\n", total))
end
