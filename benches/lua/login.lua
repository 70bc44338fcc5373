-- wrk script: POST /login (weplanx dialect) with the right password, rotating over the
-- accounts bench1@example.com .. bench<SIGNIN_USERS>@example.com that benches/load.sh creates.
-- Several accounts, because the weplanx dialect keeps one session per account (a sign-in ends
-- the account's previous session) and so that no single account sees every request.
-- Environment: SIGNIN_USERS (default 16), BENCH_PASSWORD (required).

local threads = 0

function setup(thread)
   thread:set("id", threads)
   threads = threads + 1
end

function init(args)
   users = tonumber(os.getenv("SIGNIN_USERS") or "16")
   password = os.getenv("BENCH_PASSWORD")
   if password == nil or password == "" then
      error("BENCH_PASSWORD is not set")
   end
   -- Threads start at different accounts.
   i = (id or 0) * 5
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   i = i + 1
   local body = string.format('{"email":"bench%d@example.com","password":"%s"}',
      (i % users) + 1, password)
   return wrk.format(nil, "/login", nil, body)
end
