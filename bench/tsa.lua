-- wrk script for bench/run_http.sh: POST the same RFC 3161 query (file named by $TSA_QUERY) on
-- every request. wrk reports answers other than 2xx/3xx as "Non-2xx or 3xx responses".
local f = assert(io.open(assert(os.getenv("TSA_QUERY"), "TSA_QUERY not set"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/timestamp-query"
