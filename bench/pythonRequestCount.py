# A FastAPI request counted in instructions the same way run after run (README, Performance):
# bench/fastapiServer.py's app on uvicorn's HTTP protocol (h11), one end of a socket pair, the other
# end written and read by this same thread between turns of the loop that it runs itself
# (`_run_once`): no client thread, no uvicorn timer, no lag probe or watchdog waking (the options
# below), so the only thread counted does the same work each time. Under callgrind at two lengths,
# the difference of the two counts over the difference of requests is a request's:
#   for n in 100 700; do PYTHONPATH=dist/python:/usr/lib/python3/dist-packages PYTHONHASHSEED=0 \
#     LOOPLENS_OPTIONS='{"out":"/tmp/count.looplens","blockMs":1e9,"awaitTasksPerSecond":0.001,
#       "lagProbeMs":60000,"slowdown":1000}' setarch -R valgrind --tool=callgrind \
#     --callgrind-out-file=/tmp/count-$n python3 bench/pythonRequestCount.py / 300 $n; done
# (untraced: without the tracer on PYTHONPATH and LOOPLENS_OPTIONS). `setarch -R` (no address
# randomization) makes the ids the tracer keys its maps by the same in every run: one build counted
# twice agrees to 0.5 k instructions a request. Usage: ROUTE WARM N [--generic].
# --generic (traced, not under callgrind): after the requests, the tracer's instructions that ran on 50
# more and that CPython 3.11 left in their generic form (`dis`, adaptive, matched against what
# `sys.settrace` saw run), with how many times a request: what its specializing interpreter could not
# make cheaper (docs/performance.md, "What the interpreter left generic").
import asyncio
import gc
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uvicorn  # noqa: E402
import uvicorn.server  # noqa: E402
import fastapiServer  # noqa: E402

ROUTE, WARM, REQUESTS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
asyncio.events._set_running_loop(loop)  # (as run_forever has it, without run_forever's own turns)
config = uvicorn.Config(fastapiServer.app, log_level="warning", http="h11", lifespan="off")
state = uvicorn.server.ServerState()
server_end, client = socket.socketpair()
server_end.setblocking(False)
client.setblocking(False)


async def accept():
    # Loaded in a task, as uvicorn's server loads it in its own: a tracer that wraps the app where
    # uvicorn loads it (the Python tracer patches Config.load at the first task made) sees it loaded.
    config.load()
    protocol = config.http_protocol_class
    await loop.connect_accepted_socket(lambda: protocol(config=config, server_state=state, _loop=loop), sock=server_end)


loop.create_task(accept())
for _ in range(5):
    if loop._ready:
        loop._run_once()
REQUEST = ("GET %s HTTP/1.1\r\nhost: bench\r\n\r\n" % ROUTE).encode()


def turn():
    loop._run_once()
    try:
        return client.recv(65536)
    except BlockingIOError:
        return b""


def one():
    """One request over the keep-alive connection, its whole response read, then the turns that
    finish its task (uvicorn's done-callback)."""
    client.send(REQUEST)
    got = b""
    while b"\r\n\r\n" not in got:
        got += turn()
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += turn()
    for _ in range(3):
        if loop._ready:
            loop._run_once()


for _ in range(WARM):
    one()
gc.collect()
gc.disable()  # (what the collector does moves with every object allocated: not counted)
for _ in range(REQUESTS):
    one()
if "--generic" in sys.argv[4:]:
    import collections
    import dis
    import types

    import looplens_tracer

    TRACER_FILE = looplens_tracer.__file__
    # (The stint runners, named and placed as asyncio's Handle._run: looplens_tracer._as_handle_run.)
    RUNNERS = set(getattr(looplens_tracer, "_RUNNER_CODES", ()))
    # Every function of the tracer's, its instructions as the interpreter has them now.
    adaptive = {
        o.__code__: {i.offset: i for i in dis.get_instructions(o.__code__, adaptive=True)}
        for o in gc.get_objects()
        if isinstance(o, types.FunctionType) and (o.__code__.co_filename == TRACER_FILE or o.__code__ in RUNNERS)
    }
    ran = collections.Counter()

    def local(frame, event, arg):
        if event == "opcode":
            ran[(frame.f_code, frame.f_lasti)] += 1
        return local

    def outer(frame, event, arg):
        if frame.f_code.co_filename == TRACER_FILE or frame.f_code in RUNNERS:
            frame.f_trace_opcodes = True
            return local
        return None

    SEEN = 50
    sys.settrace(outer)
    for _ in range(SEEN):
        one()
    sys.settrace(None)
    # Generic: an adaptive form that gave up (or backs off), or an instruction 3.11 never specializes
    # (a CALL after a specialized PRECALL runs nothing of its own: left out).
    rows = []
    for (code, offset), times in ran.items():
        ins = adaptive.get(code, {}).get(offset)
        if ins is not None and ins.opname != "CALL_ADAPTIVE" and (
            ins.opname.endswith("_ADAPTIVE")
            or ins.opname in ("LOAD_ATTR", "STORE_ATTR", "LOAD_METHOD", "COMPARE_OP", "BINARY_OP", "PRECALL")
            or "WITH_HINT" in ins.opname
            or "WITH_DICT" in ins.opname
        ):
            rows.append((code.co_name, ins.positions.lineno, ins.opname, ins.argrepr, times / SEEN))
    for name, line, opname, arg, per in sorted(rows):
        print("%5.2f a request  %s:%s  %s %s" % (per, name, line, opname, arg))
os._exit(0)  # (no trace written at exit: nothing but the requests counted)
