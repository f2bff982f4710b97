-- One 2026-07-28 `tools/call` per request, checked: a benchmark of errors is worthless.
--
-- Environment: MCP_TOOL (tool name, default "echo"), MCP_TEXT (argument, default "hello"),
-- MCP_MAX_CALLS (run with -t1: after that many responses the run ends, before -d),
-- MCP_AUTH (optional "Bearer ..." for gateways that need a token).
-- A response counts as ok when the status is 200 and the body is a JSON-RPC result with
-- "isError": false that contains the echoed text; everything else is counted by kind.
-- done() prints one line starting with "BENCH_RESULT " followed by JSON.

local tool = os.getenv("MCP_TOOL") or "echo"
local text = os.getenv("MCP_TEXT") or "hello"
local max_calls = tonumber(os.getenv("MCP_MAX_CALLS") or "0")
local auth = os.getenv("MCP_AUTH")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = tool
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool
  .. '","arguments":{"text":"' .. text .. '"},"_meta":{'
  .. '"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"heady-bench-wrk","version":"1"},'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  ok = 0
  non_2xx = 0
  rpc_errors = 0
  tool_errors = 0
  other = 0
  sample = ""
  stopping = false
end

local needle = '"' .. text .. '"'

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    if sample == "" then sample = status .. " " .. string.sub(body or "", 1, 200) end
  elseif string.find(body, '"error"%s*:%s*{') then
    rpc_errors = rpc_errors + 1
    if sample == "" then sample = string.sub(body, 1, 200) end
  elseif string.find(body, '"isError"%s*:%s*true') then
    tool_errors = tool_errors + 1
    if sample == "" then sample = string.sub(body, 1, 200) end
  elseif string.find(body, '"isError"%s*:%s*false') and string.find(body, needle, 1, true) then
    ok = ok + 1
  else
    other = other + 1
    if sample == "" then sample = string.sub(body, 1, 200) end
  end
  if max_calls > 0 and responses >= max_calls and not stopping then
    -- wrk only ends on -d or SIGINT; signal it (our parent) so the run ends at the count.
    stopping = true
    wrk.thread:stop()
    -- os.execute blocks SIGINT while it runs, hence the short detached delay.
    os.execute("(sleep 0.02; kill -INT $PPID) >/dev/null 2>&1 &")
  end
end

local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local totals = {ok = 0, non_2xx = 0, rpc_errors = 0, tool_errors = 0, other = 0}
  local first_sample = ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (thread:get(key) or 0)
    end
    local s = thread:get("sample") or ""
    if first_sample == "" then first_sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"ok":%d,"non_2xx":%d,"rpc_errors":%d,'
      .. '"tool_errors":%d,"other":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
      .. '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"sample":%s}\n',
    summary.requests, summary.duration, totals.ok, totals.non_2xx, totals.rpc_errors,
    totals.tool_errors, totals.other, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, quote(first_sample)))
end
