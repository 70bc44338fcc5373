-- wrk script: the default request (e.g. GET /verify with the -H cookie), each connection
-- waiting PACE_MS milliseconds (default 10) between its requests, for a low, steady rate:
-- about connections * 1000 / PACE_MS requests per second. wrk times each request from send
-- to response, so the pause is not part of the latency figures.

local pace = tonumber(os.getenv("PACE_MS") or "10")

function delay()
   return pace
end
