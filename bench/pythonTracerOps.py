# What the Python tracer runs a request (README, Performance): bench/fastapiServer.py's app served
# by uvicorn in this process (h11, the standard loop), a client thread sending requests one at a
# time over one keep-alive connection; after a warm-up, each of the tracer's functions (any code of
# looplens_tracer.py) on the loop's thread is counted: its calls and the bytecodes it runs
# (sys.settrace, opcode events: the same figure run after run), or with --time its share of the
# tracer's CPU time (cProfile: its own time and that of the C functions it calls). Run it traced:
#   PYTHONPATH=dist/python LOOPLENS_OPTIONS='{"out":"/tmp/ops.looplens","blockMs":1e9,
#     "awaitTasksPerSecond":0.001,"lagProbeMs":60000}' /usr/bin/python3 bench/pythonTracerOps.py [/async]
# (blockMs: no block sampling; awaitTasksPerSecond: a busy server's requests, past the awaits
# budget; lagProbeMs: the probe out of the count; a count whose calls a request differ, e.g. 15.0
# and 16.0 on hello world, had timers fire among the requests on a loaded machine: compare bytecodes
# a call.) Options: ROUTE (default /), --requests N (default 1000), --warm N (default 300), --time,
# --lines (each line's bytecodes a request, the most first), --plain (nothing counted, traced or
# not, the collector off: under callgrind (--separate-threads=yes) at two lengths, the difference of
# the loop's thread's instructions over the difference of requests is a request's; README),
# --every-file (every function's bytecodes on the loop's thread, asyncio's and the server's too, traced
# or not: what the tracer adds a request, its patches doing asyncio's work included), --uvloop
# (uvicorn served on uvloop's loop).
import asyncio
import collections
import http.client
import os
import socket
import sys
import threading
import time

os.environ.setdefault("BENCH_SLOWDOWN", "5")  # uvicorn's tick: every 0.5 s
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uvicorn  # noqa: E402
import fastapiServer  # noqa: E402

args = sys.argv[1:]
ROUTE = next((a for a in args if a.startswith("/")), "/")
REQUESTS = int(args[args.index("--requests") + 1]) if "--requests" in args else 1000
WARM = int(args[args.index("--warm") + 1]) if "--warm" in args else 300
TIME = "--time" in args
LINES = "--lines" in args
PLAIN = "--plain" in args
EVERY_FILE = "--every-file" in args
UVLOOP = "--uvloop" in args

try:
    import looplens_tracer

    TRACER_FILE = looplens_tracer.__file__
except ImportError:
    looplens_tracer = None
    TRACER_FILE = None
# The stint runners, whose code the tracer names and places as asyncio's Handle._run
# (looplens_tracer._as_handle_run): the tracer's functions all the same, and named as they are.
RUNNER_NAMES = {}


def tracers(code):
    return code.co_filename == TRACER_FILE or code in RUNNER_NAMES
    if not PLAIN and not EVERY_FILE:
        sys.exit("run it with the tracer (see the header)")

calls = collections.Counter()
ops = collections.Counter()
lines = collections.Counter()
counting = False


def local(frame, event, arg):
    if event == "opcode":
        ops[frame.f_code] += 1
        if LINES:
            lines[frame.f_code, frame.f_lineno] += 1
    return local


def global_trace(frame, event, arg):
    if EVERY_FILE or tracers(frame.f_code):
        calls[frame.f_code] += 1
        frame.f_trace_opcodes = True
        return local
    return None


profile = None


def start_counting():
    global counting
    if PLAIN:
        return
    counting = True
    for code, runner in zip(getattr(looplens_tracer, "_RUNNER_CODES", ()), ("_run_handle", "_run_io")):
        RUNNER_NAMES[code] = runner
    calls.clear()
    ops.clear()
    if TIME:
        global profile
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    else:
        sys.settrace(global_trace)


def stop_counting():
    if PLAIN:
        return
    if TIME:
        profile.disable()
    else:
        sys.settrace(None)


def client(port, loop, server, done):
    while not server.started:
        time.sleep(0.05)
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def one():
        conn.request("GET", ROUTE)
        conn.getresponse().read()

    for _ in range(WARM):
        one()
    time.sleep(0.2)
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()
    # Counting starts in a callback of the loop's own thread (settrace is per thread).
    started = threading.Event()
    loop.call_soon_threadsafe(lambda: (start_counting(), started.set()))
    started.wait()
    began = time.perf_counter()
    for _ in range(REQUESTS):
        one()
    time.sleep(0.2)
    stopped = threading.Event()
    loop.call_soon_threadsafe(lambda: (stop_counting(), stopped.set()))
    stopped.wait()
    done.append(time.perf_counter() - began)
    server.should_exit = True


def name(code):
    if code in RUNNER_NAMES:
        return "%s (as Handle._run:%d)" % (RUNNER_NAMES[code], code.co_firstlineno)
    return "%s:%d" % (code.co_qualname, code.co_firstlineno)


def report():
    if PLAIN:
        return
    if TIME:
        import pstats

        stats = pstats.Stats(profile).stats
        own = collections.Counter()
        ncalls = collections.Counter()
        # (The stint runners by their file, line and name: see RUNNER_NAMES.)
        runners = {(c.co_filename, c.co_firstlineno, c.co_name) for c in RUNNER_NAMES}
        for func, (cc, nc, tt, ct, callers) in stats.items():
            if func[0] == TRACER_FILE or func in runners:
                own[func] += tt
                ncalls[func] += nc
            else:
                # A C function (or another module's) called by one of the tracer's: its time is
                # the caller's.
                for caller, (c_cc, c_nc, c_tt, c_ct) in callers.items():
                    if (caller[0] == TRACER_FILE or caller in runners) and func[0] == "~":
                        own[caller] += c_tt
        total = sum(own.values())
        print("route %s, %d requests; the tracer's functions (own time and their C calls'):" % (ROUTE, REQUESTS))
        print("%-44s %10s %10s %7s" % ("function", "calls/req", "µs/req", "share"))
        for func, tt in own.most_common():
            print(
                "%-44s %10.2f %10.2f %6.1f%%"
                % ("%s:%d" % (func[2], func[1]), ncalls[func] / REQUESTS, tt / REQUESTS * 1e6, 100 * tt / total)
            )
        print("%-44s %10s %10.2f" % ("all", "", total / REQUESTS * 1e6))
        return
    total = sum(ops.values())
    whose = "every function's" if EVERY_FILE else "the tracer's functions"
    print("route %s, %d requests; %s bytecodes on the loop's thread:" % (ROUTE, REQUESTS, whose))
    print("%-44s %10s %10s %7s" % ("function", "calls/req", "ops/req", "share"))
    for code, n in ops.most_common():
        print("%-44s %10.2f %10.1f %6.1f%%" % (name(code), calls[code] / REQUESTS, n / REQUESTS, 100 * n / total))
    print("%-44s %10.2f %10.1f" % ("all", sum(calls.values()) / REQUESTS, total / REQUESTS))
    if LINES:
        print("lines (bytecodes a request):")
        for (code, line), n in lines.most_common(200):
            print("%8.1f  %s:%s" % (n / REQUESTS, code.co_name, line))


async def main():
    if PLAIN:
        import gc

        gc.disable()  # (what the collector does moves with every object allocated: not counted)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(fastapiServer.app, log_level="warning", loop="asyncio", http="h11", lifespan="off")
    server = fastapiServer.Server(config)
    done = []
    thread = threading.Thread(target=client, args=(port, asyncio.get_running_loop(), server, done), daemon=True)
    thread.start()
    await server.serve(sockets=[sock])
    report()


if UVLOOP:
    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
asyncio.run(main())
