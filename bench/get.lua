-- bench/get.lua: wrk script for query-checkpoint over the same
-- APPS x PARTITIONS checkpoints bench/post.lua writes.
local apps = tonumber(os.getenv("BENCH_APPS") or "16")
local partitions = tonumber(os.getenv("BENCH_PARTITIONS") or "64")
local thread_id = 0

function setup(thread)
	thread:set("thread_id", thread_id)
	thread_id = thread_id + 1
end

function init(args)
	math.randomseed(os.time() + thread_id * 7919)
end

function request()
	return wrk.format("GET", string.format("/v2/bench/checkpoints?app_name="
	    .. "bench-app-%d&stream_name=bench-stream&partition_id=%d"
	    .. "&checkpoint_type=LAST_READ", math.random(0, apps - 1),
	    math.random(0, partitions - 1)))
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT %.1f %d %d %d\n",
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(99),
	    e.status + e.connect + e.read + e.write + e.timeout))
end
