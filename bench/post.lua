-- bench/post.lua: wrk script for add-checkpoint. Each request commits the
-- next sequence number of one of APPS x PARTITIONS checkpoints, chosen at
-- random, so writes spread over many keys as real consumers' do. The apps
-- (bench-app-0 .. bench-app-N-1 in project "bench") must exist first;
-- bench/run creates them.
local apps = tonumber(os.getenv("BENCH_APPS") or "16")
local partitions = tonumber(os.getenv("BENCH_PARTITIONS") or "64")
local counter = 0
local thread_id = 0

function setup(thread)
	thread:set("thread_id", thread_id)
	thread_id = thread_id + 1
end

function init(args)
	math.randomseed(os.time() + thread_id * 7919)
end

function request()
	counter = counter + 1
	local body = string.format('{"app_name":"bench-app-%d","checkpoint_type":'
	    .. '"LAST_READ","stream_name":"bench-stream","partition_id":"%d",'
	    .. '"sequence_number":"%d","metadata":"bench"}',
	    math.random(0, apps - 1), math.random(0, partitions - 1),
	    counter * 16 + thread_id)
	return wrk.format("POST", "/v2/bench/checkpoints",
	    { ["Content-Type"] = "application/json" }, body)
end

-- One machine-readable line for bench/run: requests/s, p50 and p99 in
-- microseconds, and the count of answers that were not 2xx or failed.
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %d %d %d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99),
	    e.status + e.connect + e.read + e.write + e.timeout))
end
