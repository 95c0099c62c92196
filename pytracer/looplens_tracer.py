"""Loop Lens tracer for Python asyncio: the first slice (issue 13).

Loaded by the sitecustomize shim next to it when LOOPLENS_OPTIONS is set (`looplens record --
python3 app.py` sets both). Writes the same binary trace as the Node tracer (protocol/format.ts,
version 1; runtime "python ..."): the script as the main task; every asyncio Task as a task, named
as the program named it (name=, set_name) or else after its coroutine's function, its parent the
task that created it, members of asyncio.gather marked concurrent; each callback the loop runs as a
stint of the task it belongs to (a task's own step, or the task that scheduled the callback — but
what a server schedules for a connection once its request is answered is nobody's: see
Tracer.housekeeping), idle between them.

A watchdog thread wakes a few times per block threshold; when a stint has run past half the
threshold it samples the main thread's Python stack (sys._current_frames) and, on Linux, how much of
the time the thread was on the CPU: the block's line, and whether it computed or waited (time.sleep
in a coroutine waits). Under uvicorn (any ASGI app) each HTTP request is a task of kind request,
named by its route, ended when its response is sent (later work is its background), or aborted when
its client left first; a WebSocket session is one too, until it closes.

uvloop runs its callbacks in C, past Handle._run: when the program (or uvicorn) imports uvloop, its
Loop class gets the same create_task patch, and call_soon / call_later / call_at hand the loop a
wrapper that runs the callback as a stint (what a C Task schedules goes through them too). What
uvloop calls on its own (a protocol's data_received) runs as no stint.

Not yet: work sent to threads as lanes of their own. Standard library only. It must never change
what the program does: every hook falls back to the original on any error, bad options leave it
inert, and it writes nothing but its own trace file (or its reader's socket).
"""

import asyncio
import asyncio.events
import asyncio.base_events
import atexit
import collections
import functools
import heapq
import importlib.util
import itertools
import json
import os
import platform
import signal
import struct
import sys
import threading
import _thread
import time
import types
import weakref

FORMAT_VERSION = 1
MAGIC = b"LOOPLENS"
CHUNK_MAGIC = 0x4B434C4C
UNIT = 16
MAX_META_BYTES = 64 * 1024
MAX_CHUNK_BYTES = 4 * 1024 * 1024
MAX_STRING_BYTES = 254 * UNIT
# Strings kept interned, as the Node tracer keeps them: past this the table starts afresh (ids are
# never given twice, so what the reader has already read keeps its meaning; a string seen again is
# written again). A server naming each request by its path would grow it by one a distinct path.
MAX_STRINGS = 20000
DEFAULT_BLOCK_MS = 50

# Event types, reasons, kinds and flags: the numbers of protocol/format.ts.
RUN, IDLE, TASK, TASK_END, STRING, LAG, END, TASK_INFO, BLOCK_SAMPLE, READY, AWAIT, FOLD, STINT_CPU = (
    1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14,
)
MAX_AWAIT_FRAMES = 4
REASON_START, REASON_REQUEST, REASON_TIMER, REASON_IO, REASON_PROMISE, REASON_RESUME = 1, 2, 3, 5, 6, 10
KIND_REQUEST, KIND_MAIN, KIND_OTHER = 1, 5, 8
END_FINISHED, END_ABORTED = 0, 1
FLAG_INTERNAL, FLAG_CONCURRENT, FLAG_DETACHED = 1, 2, 4
END_EXIT, END_UNCAUGHT, END_SIGNAL = 1, 2, 4

# Flush the buffer to the file past this many bytes (and at exit); a live trace also this often.
FLUSH_BYTES = 256 * 1024
FLUSH_EVERY_MS = 50
# The lag probe: a timer of the tracer's own this often, its lateness summed up every LAG_EVERY_MS.
LAG_PROBE_S = 0.02
LAG_EVERY_MS = 1000
# While the loop is idle the probe rests: each probe that finds the loop idle since at least the
# CPU-check length doubles its period, up to this many LAG_PROBE_S, and stands for the probes it
# left out (Tracer.lag_probe); the first stint after the gap sets it back (Tracer.lag_wake).
LAG_REST = 8
_ZEROS = [0.0] * LAG_REST
# Where a task suspends is read from its coroutine chain (AWAIT records): a walk of every coroutine
# the task awaits through, ~20 deep under FastAPI. Tasks whose awaits are read: as many as come, up
# to AWAIT_TASKS_PER_S a second (a burst of AWAIT_TASKS_BURST); past that, a busy server's other
# tasks go without (all of a task's awaits or none: the lessons read them in a row).
AWAIT_TASKS_PER_S = 200
AWAIT_TASKS_BURST = 200
MAX_AWAIT_TASKS = 50000
# The watchdog's longest sleep (Watchdog.watch) is this many times its own (`slowdown` option).
WATCHDOG_SCALE = 1
# Looks at one long stint (Watchdog.watch): the first FIRST_LOOKS a few ms apart, then one every
# longest sleep, MAX_LOOKS in all (at a 50 ms threshold, about 15 s of a block looked at).
FIRST_LOOKS = 60
MAX_LOOKS = 600
# The longest the watchdog stays parked while the loop is idle (Watchdog.watch), in seconds (times
# its `slowdown`): the first stint after the gap wakes it sooner.
PARK_S = 1.0
# A stint whose wall time reaches this (ms; or the block threshold, if lower) is looked at, where it
# ends, for how long its thread waited for a CPU (Tracer.long_stint): protocol/format.ts CPU_CHECK_MS.
CPU_CHECK_MS = 10
# Callbacks scheduled and not yet run or cancelled, kept with the task that scheduled them (checked
# by the lag probe: past this many, all are dropped).
MAX_SCHEDULED = 100000
# Tasks kept with their ids (see Tracer.task_ids).
MAX_TASK_IDS = 100000
# (id(code), instruction offset) -> (line, code), of the places tasks are made at (see Tracer._line;
# the code kept alive: its id stays its own while the entry lasts).
_creator_lines = {}
# (id(code), instruction offset) -> (file, line, whether a library's, code) of the places tasks are
# made at whose own frame says who made them (see Tracer._creator; the code kept alive likewise).
_creator_places = {}
# (id(coroutine's code), its name, id(maker's code), instruction offset) -> what the TASK record of a
# task made there says past its parent, and its kind (see Tracer.task_kind).
_task_places = {}


_AIOHTTP_REQUEST_CODES = set()


def _is_aiohttp_request(code):
    """Whether `code` is aiohttp's RequestHandler._handle_request (one coroutine per request)."""
    if code in _AIOHTTP_REQUEST_CODES:
        return True
    if code.co_qualname == "RequestHandler._handle_request" and code.co_filename.endswith(
        os.path.join("aiohttp", "web_protocol.py")
    ):
        _AIOHTTP_REQUEST_CODES.add(code)
        return True
    return False


def _content_length(headers):
    """The Content-Length an ASGI response declares (None when it streams without one)."""
    try:
        for name, value in headers or ():
            if name.lower() == b"content-length":
                return int(value)
    except (TypeError, ValueError, AttributeError):
        pass
    return None


def _request_name(scope, path):
    """A request's name: its method and path (or route); a WebSocket session's, as the Node tracer
    names an upgraded connection, its handshake's (`GET /chat (websocket)`)."""
    if scope.get("type") == "websocket":
        return "GET %s (websocket)" % path
    return "%s %s" % (scope.get("method") or "HTTP", path)


def _client_gone(send):
    """Whether the server says the client of a request has gone: uvicorn's cycle for the request
    (what `send` is a method of) sets `disconnected` when the connection is lost, and from then on
    drops what the app sends."""
    return getattr(getattr(send, "__self__", None), "disconnected", False) is True


def _matched_route(scope):
    """The route a Starlette router matched, when the scope does not say (FastAPI's routes put
    themselves in it; Starlette's own put only their endpoint): the router's route, through its
    mounts, whose endpoint is the scope's and whose pattern matches the path (one endpoint may serve
    several routes). Read-only, and only once a request is done."""
    endpoint = scope.get("endpoint")
    router = scope.get("router")
    path = scope.get("path")
    if endpoint is None or router is None or not isinstance(path, str):
        return None
    todo = [getattr(router, "routes", None)]
    seen = 0
    while todo and seen < 2000:
        routes = todo.pop()
        if not isinstance(routes, list):
            continue
        for route in routes:
            seen += 1
            if getattr(route, "endpoint", None) is endpoint:
                regex = getattr(route, "path_regex", None)
                if regex is not None and regex.match(path):
                    return route
            inner = getattr(route, "routes", None)  # a Mount's (the path is relative to it, too)
            if inner is not None and inner is not routes:
                todo.append(inner)
    return None


# filename -> whether it is a library's (_library_file), read for every task made: looked up where
# it is read (a dict lookup, not a Python call), _library_file called for a file not seen yet.
_library_files = {}


def _library_file(filename):
    """Whether code of this file is an installed library's (or the runtime's), not the program's."""
    library = "-packages" in filename or filename.startswith(_ASYNCIO_DIR) or filename.startswith("<")
    if len(_library_files) >= 4096:
        _library_files.clear()
    _library_files[filename] = library
    return library

# filename -> whether frames of its code are the program's where a task awaits (_await_own), read
# for every frame of an await chain walked.
_await_files = {}


def _await_own(filename):
    """Whether frames of code of this file are the program's where a task awaits (an AWAIT
    record's): not asyncio's, an installed library's, compiled code's, nor the tracer's own (the
    ASGI wrapper)."""
    own = not (
        filename.startswith(_ASYNCIO_DIR)
        or "-packages" in filename
        or filename.startswith("<")
        or filename == __file__
    )
    if len(_await_files) >= 4096:
        _await_files.clear()
    _await_files[filename] = own
    return own


_UNIT0 = struct.Struct("<BBBBId")
_pack0 = _UNIT0.pack
# A one-unit record whose bytes 2-3 are known in advance (RUN with its reason, IDLE), packed as its
# first four bytes in one number, its id and its time: three fields where _pack0 converts six.
_pack_unit = struct.Struct("<IId").pack
_RUN_HEAD = RUN | 1 << 8  # (its reason in byte 2: | reason << 16)
_RUN_PROMISE = _RUN_HEAD | REASON_PROMISE << 16
_RUN_TIMER = _RUN_HEAD | REASON_TIMER << 16
_RUN_RESUME = _RUN_HEAD | REASON_RESUME << 16
_RUN_IO = _RUN_HEAD | REASON_IO << 16
_IDLE_HEAD = IDLE | 1 << 8
_TASK_END_HEAD = TASK_END | 1 << 8  # (how it ended in byte 2)
_perf_counter = time.perf_counter
# Read on every callback the loop runs: looked up once (see Tracer.task_ids).
_ref = weakref.ref
_Future = asyncio.Future
_TimerHandle = asyncio.TimerHandle
_Task = asyncio.Task
_get_ident = threading.get_ident
_CO_VARARGS, _CO_VARKEYWORDS, _CO_COROUTINE = 0x04, 0x08, 0x80  # (a code object's flags)
# The task a loop runs a step of now (asyncio.current_task(loop) without a Python frame, where asyncio
# keeps them in a dictionary by loop, as 3.11 to 3.13 do).
_running_task = getattr(getattr(asyncio.tasks, "_current_tasks", None), "get", None) or asyncio.current_task
_getframe = sys._getframe
# asyncio's own create_task functions, which hand the program's coroutine on to the loop's: a task
# made through them is known by where their caller is (see Tracer.task_created).
_ASYNCIO_CREATE_TASK = asyncio.tasks.create_task.__code__
_GROUP_CREATE_TASK = getattr(getattr(getattr(asyncio, "TaskGroup", None), "create_task", None), "__code__", None)


_MethodType = types.MethodType
_FunctionType = types.FunctionType
_BuiltinMethodType = types.BuiltinMethodType
# What a connection is made of (a server's or a client's): its protocol and its transport — asyncio's
# classes, and uvloop's transports (no subclasses of asyncio's: added by _patch_uvloop). A callback
# bound to one is the connection's work (see Tracer.housekeeping).
_connection_types = (asyncio.BaseProtocol, asyncio.BaseTransport)
# What Tracer.housekeeping says of a callback scheduled in an answered request's lane, past False
# (the request's work): nobody's (a stint of nobody's), or quiet (run as no stint).
NOBODY, QUIET = 1, 2
# The builtin containers whose methods, handed to the loop as a finished task's done callback (a
# server's set of its tasks: uvicorn's `set.discard`), run as no stint (Tracer.housekeeping).
_QUIET_OWNERS = (set, dict, list, collections.deque)


def _library_callback(callback):
    """Whether a scheduled callback is a library's code (or the runtime's), not the program's: a
    function or method of a library's file, or code compiled to C (a builtin method, uvloop's).
    Told by type, not getattr: an attribute a callable lacks costs an exception made and dropped."""
    kind = type(callback)
    if kind is functools.partial:
        callback = callback.func
        kind = type(callback)
    if kind is _MethodType:
        callback = callback.__func__
        kind = type(callback)
    if kind is not _FunctionType:
        callback = getattr(kind, "__call__", None)  # (an object called: its class's method)
        if type(callback) is not _FunctionType:
            return True
    filename = callback.__code__.co_filename
    library = _library_files.get(filename)
    return _library_file(filename) if library is None else library


class _NotYet:
    """Stands for the type of a C Task's step callbacks until one is seen (see _learn_step)."""


# The type of what a C Task schedules to run its next step (asyncio's TaskStepMethWrapper, not
# importable): the type of most callbacks the loop runs. Told apart by type before anything else,
# a step is looked up as its task's without a getattr and an isinstance call per callback.
_task_step = _NotYet


def _learn_step(callback):
    """`callback`, scheduled by call_soon, is a Task's: if it is a C Task's step, its type is
    _task_step from now on."""
    global _task_step
    kind = type(callback)
    if kind.__name__ == "TaskStepMethWrapper" and isinstance(getattr(callback, "__self__", None), _Task):
        _task_step = kind


async def _probe_coroutine():
    pass


_probe = _probe_coroutine()
_COROUTINE = type(_probe)  # the type of a coroutine object (its frame and what it awaits are slots)
_probe.close()
del _probe
# Whole records in one pack each: unit 0 (kind, units, arg, 0, id, time) and the units after it.
_TASK = struct.Struct("<BBBBIdIIIIIIII").pack
_UNIT0_IIII = struct.Struct("<BBBBIdIIII").pack
# A STINT_CPU record: unit 0, then the stint's end (f64) and two u32 counts.
_UNIT0_D_II = struct.Struct("<BBBBIddII").pack
# Records written for every task made and request served, packed whole with their constant fields
# folded in (the first four bytes one number, zeros as pad bytes): each field passed costs its
# conversion, each record packed apart a call and an extension of the buffer.
# A task's TASK record: head (kind, units, task kind), id, time, parent, and the rest as packed in
# advance (see Tracer.task_kind): name, flags, 0, file, line, column, 0.
_pack_task = struct.Struct("<IIdI28s").pack
_pack_task_fields = struct.Struct("<II4xIII4x").pack
_TASK_OTHER_HEAD = TASK | 3 << 8 | KIND_OTHER << 16
# A request's TASK record (no parent, flags nor place): head, id, time, name.
_pack_request = struct.Struct("<IId4xI24x").pack
_TASK_REQUEST_HEAD = TASK | 3 << 8 | KIND_REQUEST << 16
# The same and the FOLD of its server's task into it: ..., FOLD's head, the task, time, the request.
_pack_request_fold = struct.Struct("<IId4xI24xIIdI12x").pack
_FOLD_HEAD = FOLD | 2 << 8
# A request's TASK_INFO (head, id, time, its fields as packed in advance: name, file, line, column)
# and its TASK_END (head, id, time).
_pack_info_end = struct.Struct("<IId16sIId").pack
_TASK_INFO_HEAD = TASK_INFO | 2 << 8
_pack_info_fields = struct.Struct("<IIII").pack
# IDLE: its head (bytes 0-7, the id 0 included) and its time.
_pack_idle = struct.Struct("<Qd").pack
# The IDLE that ended the stint before and the RUN of the next, in one pack: a stint's runners write
# no IDLE where a stint ends, but with the next stint's RUN (see _stint_runner; ~0.7 k instructions a
# stint fewer than two records packed and appended apart).
_pack_idle_run = struct.Struct("<QdIId").pack
_CHUNK_HEAD = struct.Struct("<II").pack
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__)
# The standard library's own folder (its pure-Python modules: copy, json, multiprocessing).
_STDLIB_DIR = os.path.dirname(os.__file__) + os.sep


class Writer:
    """Records into 16-byte units, strings interned, sent in chunks to a file or a reader's socket.

    Each record is appended to the buffer in one step (one bytearray extension, atomic under the
    GIL), so the watchdog thread can flush whole records while the main thread writes more.
    """

    def __init__(self, meta, path=None, sock=None):
        self.buf = bytearray()
        self.strings = {}
        self.next_string = 1
        self.sock = sock
        self.broken = False
        # As JavaScript's JSON.stringify writes it (the golden traces compare bytes).
        header_json = json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        header_json += b" " * ((-(16 + len(header_json))) % UNIT)
        if len(header_json) > MAX_META_BYTES:
            raise ValueError("metadata too large")
        header = MAGIC + struct.pack("<II", FORMAT_VERSION, len(header_json)) + header_json
        self.lock = threading.Lock()
        self.file = None
        if sock is None:
            # Opened once; the program's own files are never touched.
            self.file = open(path, "wb")
        self._send(header)

    @staticmethod
    def _unit0(kind, units, arg, ident, t):
        return _UNIT0.pack(kind, units, arg, 0, ident & 0xFFFFFFFF, t)

    def string(self, text):
        sid = self.strings.get(text)
        if sid is not None:
            return sid
        if len(self.strings) >= MAX_STRINGS:
            self.strings.clear()
        sid = self.next_string
        self.next_string = sid + 1 if sid < 0xFFFFFFF0 else 1
        data = text.encode("utf-8", "replace")[:MAX_STRING_BYTES]
        # Cut at a character boundary.
        while data and (data[-1] & 0xC0) == 0x80:
            data = data[:-1]
        if data and data[-1] >= 0xC0:
            data = data[:-1]
        units = 1 + (len(data) + UNIT - 1) // UNIT
        # Unit 0: bytes 8-11 hold the byte length, 12-15 are 0; the text follows, zero-padded.
        self.buf += (
            struct.pack("<BBBBIII", STRING, units, 0, 0, sid, len(data), 0)
            + data
            + b"\0" * ((units - 1) * UNIT - len(data))
        )
        self.strings[text] = sid
        return sid

    def run(self, t, task, reason):
        self.buf += _pack_unit(_RUN_HEAD | reason << 16, task, t)
        if len(self.buf) >= FLUSH_BYTES:
            self.flush()

    def idle(self, t):
        self.buf += _pack_idle(_IDLE_HEAD, t)
        if len(self.buf) >= FLUSH_BYTES:
            self.flush()

    def task(self, t, ident, kind, parent, name, flags, file, line, column):
        strings = self.strings
        name_id = (strings.get(name) or self.string(name)) if name else 0
        file_id = (strings.get(file) or self.string(file)) if file else 0
        self.buf += _TASK(
            TASK, 3, kind, 0, ident & 0xFFFFFFFF, t, parent, name_id, flags, 0, file_id, line, column, 0
        )
        if len(self.buf) >= FLUSH_BYTES:
            self.flush()

    def block_sample(self, t, task, observed_ms, cpu_ms, frames, observations=1):
        """What was seen of a block: frames (name, file, line, column, weight µs), heaviest first."""
        cpu = 0 if cpu_ms < 0 else min(0xFFFFFFFE, int(round(cpu_ms * 1000))) + 1
        units = b"".join(
            struct.pack("<IIII", self.string(n) if n else 0, self.string(f) if f else 0, line, column)
            + struct.pack("<IIII", min(0xFFFFFFFF, int(weight)), 0, 0, 0)
            for n, f, line, column, weight in frames[:8]
        )
        self.buf += (
            self._unit0(BLOCK_SAMPLE, 2 + 2 * min(len(frames), 8), min(len(frames), 8), task, t)
            + struct.pack("<dII", observed_ms, observations, cpu)
            + units
        )

    def stint_cpu(self, t, task, until, wait_us, cpu_us):
        """The stint of `task` begun at `t` waited `wait_us` for a CPU (the machine busy with other
        work) and ran `cpu_us` on one, until `until` (ms): a reader judges it by the time it held the
        loop, not by the time the machine took from it."""
        self.buf += _UNIT0_D_II(
            STINT_CPU,
            2,
            0,
            0,
            task & 0xFFFFFFFF,
            t,
            until,
            max(0, min(0xFFFFFFFF, int(round(wait_us)))),
            max(0, min(0xFFFFFFFF, int(round(cpu_us)))),
        )

    def ready(self, t, task):
        self.buf += _pack0(READY, 1, 0, 0, task & 0xFFFFFFFF, t)

    def task_end(self, t, task, how):
        self.buf += _pack0(TASK_END, 1, how, 0, task & 0xFFFFFFFF, t)

    def task_info(self, t, task, name, file, line, column):
        strings = self.strings
        name_id = (strings.get(name) or self.string(name)) if name else 0
        file_id = (strings.get(file) or self.string(file)) if file else 0
        self.buf += _UNIT0_IIII(TASK_INFO, 2, 0, 0, task & 0xFFFFFFFF, t, name_id, file_id, line, column)

    def fold(self, t, task, into):
        self.buf += _UNIT0_IIII(FOLD, 2, 0, 0, task & 0xFFFFFFFF, t, into, 0, 0, 0)

    def await_at(self, t, task, frames):
        """Where task `task` awaits, innermost frame first: (name, file, line, column) each."""
        count, units = self.await_units(frames)
        self.await_encoded(t, task, count, units)

    def await_units(self, frames):
        """An AWAIT record's frames, encoded (their strings written now): (count, bytes)."""
        units = [
            struct.pack("<IIII", self.string(n) if n else 0, self.string(f), line, column)
            for n, f, line, column in frames
        ]
        return len(units), b"".join(units)

    def await_encoded(self, t, task, count, units):
        self.buf += _pack0(AWAIT, 1 + count, count, 0, task & 0xFFFFFFFF, t) + units

    def lag(self, t, p50_us, p99_us, max_us, samples):
        self.buf += self._unit0(LAG, 2, 0, 0, t) + struct.pack(
            "<IIII", min(p50_us, 0xFFFFFFFF), min(p99_us, 0xFFFFFFFF), min(max_us, 0xFFFFFFFF), samples
        )

    def end(self, t, cause, code):
        self.buf += self._unit0(END, 1, cause, code, t)

    def _send(self, data, more=None):
        """Writes `data`, then `more` (if given) right after it."""
        if self.broken:
            return
        try:
            if self.sock is not None:
                if more is None:
                    self.sock.sendall(data)
                else:
                    # Both in one system call, neither copied into the other (a live reader gets a
                    # chunk every FLUSH_EVERY_MS); what a short send left is sent after.
                    sent = self.sock.sendmsg((data, more))
                    if sent < len(data) + len(more):
                        self.sock.sendall((bytes(data) + more)[sent:])
            else:
                self.file.write(data)
                if more is not None:
                    self.file.write(more)
        except Exception:
            # The reader went away, or the disk is full: stop writing, never disturb the program.
            self.broken = True

    def flush(self):
        with self.lock:
            while self.buf:
                # Whole events only: a chunk is cut at an event boundary.
                take = len(self.buf)
                if take > MAX_CHUNK_BYTES:
                    take = self._cut(MAX_CHUNK_BYTES)
                # One copy of the records (a slice is a bytearray of its own; the loop's thread may
                # append to the buffer meanwhile), sent after its chunk header as it is.
                chunk = self.buf[:take]
                del self.buf[:take]
                self._send(_CHUNK_HEAD(CHUNK_MAGIC, take), chunk)
            if self.file is not None and not self.broken:
                try:
                    self.file.flush()
                except Exception:
                    self.broken = True

    def _cut(self, limit):
        at = 0
        while at < len(self.buf):
            size = self.buf[at + 1] * UNIT
            if at + size > limit:
                break
            at += size
        return at

    def close(self):
        try:
            self.flush()
        finally:
            try:
                if self.sock is not None:
                    self.sock.close()
                else:
                    self.file.close()
            except Exception:
                pass


def _connect(socket_path, token):
    """A live connection to the reader: hello with the token, then its one-byte answer."""
    import socket

    token_bytes = token.encode("utf-8")[:256]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(5.0)
        sock.connect(socket_path)
        sock.sendall(b"LLHELLO1" + struct.pack("<II", len(token_bytes), os.getpid()) + token_bytes)
        reply = sock.recv(1)
        if reply != b"\x01":
            raise ConnectionError("declined")
        sock.settimeout(None)
        return sock
    except Exception:
        sock.close()
        raise


# schedstat paths -> a descriptor of the file kept open (see _sched_counters).
_sched_fds = {}


def _sched_counters(path):
    """A thread's scheduler counters from its `schedstat` file (Linux): (ns on a CPU, ns ready to run
    and waiting for one); None where the system has none.

    Read by `pread` from a descriptor kept open: 1.9 µs, where an `open`, a `read` and a `close` took
    17-26 µs (load 20, 2026-12-06) — read at a stint's start after a gap and at a long stint's end,
    which on a loaded machine is a stint stretched past 10 ms by a wait for a CPU: 190 reads in 3,000
    FastAPI requests. (Opened without inheritance, as Python opens any file; the file's position is
    never moved.) What it reads must look like schedstat's three numbers, or the descriptor is
    forgotten (never closed: a program that closed it may have been given its number since) and the
    file opened again."""
    fd = _sched_fds.get(path)
    try:
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            _sched_fds[path] = fd
        fields = os.pread(fd, 128, 0).split(b" ")
        if len(fields) != 3 or not fields[2].endswith(b"\n"):
            raise ValueError(path)
        return int(fields[0]), int(fields[1])
    except Exception:
        if fd is not None:
            _sched_fds.pop(path, None)
        try:
            with open(path, "rb") as f:
                on_cpu, waiting = f.read().split(b" ")[:2]
            return int(on_cpu), int(waiting)
        except Exception:
            return None


class Tracer:
    # Its attributes in slots, not a dictionary: they are more than the 30 an instance's shared keys
    # hold in CPython 3.11, so each read and store in the hot paths (a stint's, a request's) was a
    # dictionary's (LOAD_ATTR_WITH_HINT), where a slot's is an offset (LOAD_ATTR_SLOT).
    __slots__ = (
        "answered", "await_anchors", "await_cache", "await_due", "await_refilled", "await_tasks",
        "await_tokens", "cpu_check_ms", "current", "deferred", "due", "ended", "lag_cb", "lag_due",
        "lag_handle", "lag_last", "lag_loop", "lag_period", "lag_rested", "lag_resting", "lag_samples",
        "lag_since", "last_end", "live_requests", "loop_thread", "ids", "own_lanes", "park_lock",
        "parked", "request_names", "route_infos", "samples", "schedstat", "scheduled", "slept", "stint_start",
        "stint_wait", "task_ids", "task_names", "unanswered", "w", "wait_ref", "wait_written"
    )

    def __init__(self, writer, script, name, block_ms=DEFAULT_BLOCK_MS):
        self.w = writer
        # The next task id, 2 to 2**32 - 1 and again (the format's ids are 32-bit): counted in C, one
        # call where a Python increment and its wrap-around check were a line — `next(self.ids)`, a
        # builtin's call CPython 3.11 specializes (the iterator's bound `__next__`, a method-wrapper,
        # was looked up and called the generic way).
        self.ids = itertools.chain.from_iterable(itertools.repeat(range(2, 0x100000000)))
        self.current = 1  # the task whose code runs now (1: the script)
        # weakref.ref(task) -> task id. The key is the task's plain weak reference, which Python
        # shares: while it is a key here, weakref.ref(task) hands back that very object, so a lookup
        # allocates nothing (a WeakKeyDictionary made a new reference per lookup, and a callback per
        # task). An entry goes when its task's last step has run; a dead reference equals no other.
        self.task_ids = {}
        # id(Handle) -> the task that scheduled it, until the handle runs or is cancelled (a weak
        # dictionary made a weak reference with a callback per callback scheduled), for a handle
        # asyncio's own code made: on the standard loop the patched call_soon and call_at make the
        # handles themselves, and one scheduled in a task's stint carries its scheduler
        # (_OwnedHandle, _OwnedTimerHandle), so this stays empty (and Handle.cancel unpatched:
        # note_scheduled, in _install) but where asyncio's code schedules (a loop in debug mode, a
        # loop class of the program's).
        self.scheduled = {}
        # Await chains seen, as (id(code), instruction offset, ...) from the task's coroutine inward
        # -> the AWAIT record's frames, encoded, and the codes (kept alive: their ids stay theirs
        # while the entry lasts). A server suspends at the same few places over and over.
        self.await_cache = {}
        # The tasks whose awaits are read (ids; see AWAIT_TASKS_PER_S), and the budget for more.
        self.await_tasks = set()
        # Those tasks (ids) -> where their last await chain passed into the program's code: a weak
        # reference to the last coroutine of a library's it passed before the program's first frame,
        # and how many levels of the walk were left there (see note_await).
        self.await_anchors = {}
        # Requests (ids) whose response has not been sent yet (see _wrap_asgi), and those whose server
        # task has not finished yet.
        # id -> [scope, whether its response has begun, bytes to go (or its headers, unread), send, id];
        # its scope set to None once it is answered (what _wrap_asgi's send wrapper reads).
        self.unanswered = {}
        # Requests (ids) answered whose server task still runs (see housekeeping): what a server or
        # a library schedules in their lanes from then on for their connection is nobody's work.
        self.answered = set()
        # What requests on a route are named and where their endpoint is (see request_responded).
        self.route_infos = {}
        # A request's name (see _request_name) as a string id, by its type, method and path.
        self.request_names = {}
        # Tasks (ids) whose work is a live request's -> that request: the request's own server task
        # until it finishes, and a library's tasks inside it (see task_created).
        self.live_requests = {}
        # Tasks (ids) of the program's own coroutines (a gather member, an anyio group's member, a
        # consumer started at start-up) -> the task whose lane they are: itself, and a library's tasks
        # made in its lane (see task_created).
        self.own_lanes = {}
        # Tasks (ids) the program named -> the name their lane was given (see name_task).
        self.task_names = {}
        # uvicorn's tasks for a request (ids) not yet begun -> (their weak reference, the start of the
        # stint that made them, that stint's task, their coroutine's code): a request is its server
        # task, known to be one only in that task's first step (request_started), so its TASK
        # record is written there, and none before it. What no request claims in its first step
        # (the app it ran was not the wrapped one: uvicorn's 503 past limit_concurrency) is
        # announced as it would have been at its making, after its first step (announce_late).
        self.deferred = {}
        self.await_tokens = float(AWAIT_TASKS_BURST)
        self.await_refilled = self.now()
        self.await_due = 0.0  # when the budget next holds a whole task's (see refill_awaits)
        self.ended = False
        self.loop_thread = None
        # What the watchdog reads (plain attributes: a stale read costs one wake-up at most): when
        # the stint that runs now began (None between stints) and whose it is (`current`: 0 between
        # stints, as in a stint of nobody's, the I/O's). A stint is the same one while it runs and
        # its start is the very object the watchdog read (each stint's start is a float of its own).
        # Two attributes a stint sets and resets, where four were (whether a stint runs, and the
        # asyncio task whose step it is: request_started asks asyncio, once a request).
        self.stint_start = 0.0
        self.samples = collections.deque()
        # The last sleep a stint's time.sleep timed (_timed_sleep): (that stint's start, when it ended).
        self.slept = None
        # The watchdog's latest reading of how long the stint it samples waited for a CPU, for a
        # STINT_CPU record written at that stint's end (settle): (start, task, until, wait µs, cpu µs).
        self.stint_wait = None
        # Where a long stint ends, its wait for a CPU is read (long_stint): stints of at least this
        # many ms; the loop's thread's counters (its schedstat file); the latest reading of them
        # known, (ns waiting, the clock read before them, ms) or None, the loop's thread's own (at the
        # start, at a stint's start after a gap, at each long stint's end): another thread's reading
        # leaves out a wait still going on (the kernel adds it when the thread gets a CPU), so one made
        # while the loop's thread stood in the run queue, woken for the stint, counted that wait as
        # the stint's (15 ms more than the stint's wall time less its CPU, at load 50); and what the last
        # STINT_CPU record written said, (the stint's start, µs waiting).
        # A float: each stint's start and end compare a float with it, which CPython 3.11 specializes
        # only where both sides are floats (an int here sent every comparison the generic way).
        self.cpu_check_ms = float(min(CPU_CHECK_MS, block_ms))
        self.schedstat = "/proc/self/task/%d/schedstat" % threading.get_native_id()
        self.wait_ref = None
        self.wait_written = None
        # When the last stint ended (ms): a stint that begins a long gap after it reads the counters
        # as it begins (cpu_baseline), as the Node tracer does.
        self.last_end = 0.0
        # Whether a stint's end has something to do past its record (Tracer.settle): set by the
        # watchdog when it has block samples to write or the buffer has passed FLUSH_BYTES (it looks
        # every poll, as the lag probe does), so that a stint's end checks one attribute, not the
        # buffer's length and the samples both.
        self.due = False
        # Whether the watchdog is parked (the loop idle since at least cpu_check_ms: Watchdog.watch),
        # and the lock it waits on, held but while the loop's thread lets it go (unpark): by the
        # first stint after such a gap, which reads the counters anyway (cpu_baseline), by a stint
        # of the script's own once a loop stopped, and, live, by a lag record to send.
        self.parked = False
        self.park_lock = _thread.allocate_lock()
        self.park_lock.acquire()
        # The lag probe (see LAG_PROBE_S): the loop it runs on, its lateness samples since the last record.
        self.lag_loop = None
        self.lag_due = 0.0
        self.lag_samples = []
        self.lag_since = 0.0
        # The probe's timer (its handle), its period now (ms: LAG_PROBE_S's, or longer while the
        # loop is idle), when it last ran, and whether it rests (a longer period).
        self.lag_handle = None
        self.lag_period = LAG_PROBE_S * 1000.0
        self.lag_last = 0.0
        self.lag_resting = False
        self.lag_rested = 0.0  # (the period it rested at before a stint set it back: lag_probe)
        # The probe's callback, one bound method (the patched loops know it by identity).
        self.lag_cb = self.lag_probe
        t = self.now()
        self.stint_start = t
        self.cpu_baseline(t)
        writer.task(t, 1, KIND_MAIN, 0, name, 0, script, 1 if script else 0, 1 if script else 0)
        writer.run(t, 1, REASON_START)

    @staticmethod
    def now():
        return time.perf_counter() * 1000.0

    def unpark(self):
        """Wakes the watchdog parked while the loop was idle (a stint begins after the gap: it may
        block). Called where `parked` is seen set; a second release, before the watchdog took the
        first, is dropped."""
        self.parked = False
        try:
            self.park_lock.release()
        except Exception:
            pass

    # ---------------------------------------------------------------- the machine's share of a stint

    def cpu_baseline(self, t):
        """Reads the loop's thread's counters, the clock having read `t` just before: the reference a
        long stint's wait is counted from (long_stint)."""
        counters = _sched_counters(self.schedstat)
        if counters is not None:
            self.wait_ref = (counters[1], t)

    def long_stint(self, end):
        """The stint that runs now (its start and task are the tracer's `stint_start` and `current`)
        ends at `end` (ms, just read), having run at least cpu_check_ms: how long of it the loop's
        thread waited for a CPU (the OS ran other work: a loaded machine) goes in a STINT_CPU record,
        so that a reader judges it by the time it held the loop, as it does a Node program's
        (protocol/format.ts). Without this, only the watchdog told that wait, from its first look on;
        on a machine busy enough its thread gets no CPU before a stint ends: at load 20-35 on 2 cores
        a gather member's first step (0.5 ms of CPU) stood 40-470 ms in the run queue, a block with no
        wait known (test/pythonTracer.test.ts, "puts a library's own task ...").

        Every bound is a lower one (as the Node tracer's, tracer/engine.ts stintCpu): from the latest
        reading before the stint, the wait since then less all the time from that reading to the
        stint's start (which may have been waiting too) and from `end` to this reading; from the
        watchdog's first look within the stint, what it found. Nothing written if neither says
        anything."""
        start = self.stint_start
        task = self.current
        ref = self.wait_ref
        counters = _sched_counters(self.schedstat)
        if start is None or counters is None:
            return
        after = _perf_counter() * 1000.0
        wait_us = -1.0
        if ref is not None:
            wait_us = (counters[1] - ref[0]) / 1000.0 - (max(0.0, start - ref[1]) + (after - end)) * 1000.0
        self.wait_ref = (counters[1], end)
        cpu_us = 0.0
        seen = self.stint_wait
        if seen is not None and seen[0] is start:
            self.stint_wait = None
            cpu_us = seen[4]
            if seen[3] > wait_us:
                wait_us = seen[3]
        if wait_us <= 0.0:
            return
        self.wait_written = (start, wait_us)
        self.w.stint_cpu(start, task, end, wait_us, cpu_us)

    # ---------------------------------------------------------------- tasks

    def task_created(self, task, coro):
        key = _ref(task)
        if key in self.task_ids:
            return
        ident = next(self.ids)
        self.task_ids[key] = ident  # (bounded by the lag probe: Tracer.bound_maps)
        coroutine = type(coro) is _COROUTINE
        # (A coroutine's cr_code read once: each read is an "object.__getattr__" audit event.)
        coro_code = coro.cr_code if coroutine else None
        if coro_code is _uvicorn_cycle and coroutine:
            # uvicorn's task for one HTTP request (a task a request, on a keep-alive connection
            # too), whose first step calls the app: that task is the request, from the start of that
            # step (request_started), under its own id. Nothing is written now: no clock reading
            # (the awaits budget is asked at the request's start), and where it is made is not read
            # (see `deferred`; the stint that makes it dates it, should no request claim it).
            # (Bounded by the lag probe: Tracer.announce_begun.)
            self.deferred[ident] = (key, self.stint_start, self.current, coro_code)
            return
        # One clock reading: the TASK record's time and the awaits budget's refill.
        t = _perf_counter() * 1000.0
        # The awaits budget, refilled for each task it pays for (see refill_awaits), and past it only
        # once a whole task's worth is due: a busy server's tasks past the budget cost two
        # comparisons each.
        if (self.await_tokens >= 1.0 or t >= self.await_due) and self.refill_awaits(t):
            self.await_tokens -= 1.0
            if len(self.await_tasks) >= MAX_AWAIT_TASKS:
                self.await_tasks.clear()  # bounded: long-lived tasks among them lose their later awaits
            self.await_tasks.add(ident)
        frame = _getframe(2)  # (past task_created and patched_create_task: its caller)
        code = frame.f_code
        if code is _ASYNCIO_CREATE_TASK or code is _GROUP_CREATE_TASK:
            # asyncio.create_task or a TaskGroup's: the place is their caller's (its own frame
            # decides who made the task, so the task is known by it as a loop's create_task is).
            frame = frame.f_back or frame
        if coroutine:
            code = coro_code
            name = coro.__qualname__ or code.co_name
            # A task of this coroutine's code made at a place seen before whose own frame decided
            # who made it (most: a server's task per request, a program's create_task line): its
            # record's fields and kind as worked out then (see task_kind).
            place = (id(code), name, id(frame.f_code), frame.f_lasti)
            made = _task_places.get(place)
            if made is None:
                made = self.task_kind(ident, coro, code, name, frame, place)
                if made is None:
                    return  # (aiohttp's request: Tracer.aiohttp_request)
        else:
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
            name = getattr(coro, "__qualname__", None) or (code.co_name if code else "task")
            made = self.task_kind(ident, coro, code, name, frame, None)
            if made is None:
                return
        internal = made[1]
        # Made outside any stint (uvloop's own protocol callbacks): nobody's (`current` is 0 then).
        parent = self.current
        # Writer.task, inline.
        self.w.buf += _pack_task(_TASK_OTHER_HEAD, ident, t, parent, made[0])
        if internal and parent:  # (made in no task's stint, or the I/O's: nobody's work)
            request = self.live_requests.get(parent)
            if request is not None:
                # A library's task inside a request (Starlette's middleware running the route, a
                # streaming response's body, one inside the other) is that request's work: its
                # lane is the request's.
                self.w.fold(t, ident, request)
                if len(self.live_requests) < MAX_TASK_IDS:
                    self.live_requests[ident] = request
                return
            lane = self.own_lanes.get(parent)
            if lane is not None:
                # Likewise inside a task of the program's own (a driver's connection attempts, made
                # by httpx in a gather member): the library works for that task, in its lane.
                self.w.fold(t, ident, lane)
                if len(self.own_lanes) < MAX_TASK_IDS:
                    self.own_lanes[ident] = lane
        elif made[2]:
            if len(self.own_lanes) >= MAX_TASK_IDS:
                self.own_lanes.clear()  # bounded: tasks destroyed while pending leave their entries
            self.own_lanes[ident] = ident

    def task_kind(self, ident, coro, code, name, frame, place):
        """What a task's TASK record says past its parent (its name, flags and where it was made,
        packed) and whether it is the runtime's or a library's (internal) or the program's own
        coroutine: (fields, internal, own, ...), kept in _task_places by `place` when its maker's
        frame decided it; None for aiohttp's request (see aiohttp_request)."""
        if code is not None and code.co_name == "_handle_request" and _is_aiohttp_request(code):
            self.aiohttp_request(ident, coro)
            return None
        own = False
        if code is not None:
            library = _library_files.get(code.co_filename)
            own = not (_library_file(code.co_filename) if library is None else library)
        # Where the program made it (Tracer._creator): a place seen before whose own frame decides,
        # known by its code's id and instruction offset, without the walk.
        known = _creator_places.get((id(frame.f_code), frame.f_lasti))
        if known is not None and not (own and known[2]):
            file, line, concurrent, internal = known[0], known[1], False, known[2]
        else:
            file, line, concurrent, internal = self._creator(frame, own)
            known = _creator_places.get((id(frame.f_code), frame.f_lasti))
            if known is not None and own and known[2]:
                known = None
        if own:
            # The program's coroutine is the program's task, whoever started it (anyio's task group).
            internal = False
            if file is None:
                file, line = code.co_filename, code.co_firstlineno
        elif code is None or code.co_filename.startswith(_ASYNCIO_DIR) or file is None:
            # asyncio's own coroutines (asyncio.run's shutdown steps) are the runtime's, not the
            # program's; so are compiled ones (no code object: uvloop's shutdown steps, a Cython
            # driver's), and a library's that no code of the program's started.
            internal = True
        # (A library's coroutine the program started — `gather(client.get(a), client.get(b))` — is
        # the program's task; one a library started is the library's: `internal` from its maker.)
        flags = (FLAG_CONCURRENT if concurrent else 0) | (FLAG_INTERNAL if internal else 0)
        w = self.w
        made = (
            _pack_task_fields(w.string(name) if name else 0, flags, w.string(file) if file else 0, line or 0, 1),
            internal,
            own,
            code,  # (the codes kept alive: their ids stay theirs while the entry lasts)
            frame.f_code,
        )
        if place is not None and known is not None and not concurrent:
            if len(_task_places) >= 4096:
                _task_places.clear()
            _task_places[place] = made
        return made

    def announce_late(self, ident):
        """uvicorn's task for a request that began no request in its first step (see `deferred`),
        announced as task_created would have at its making: its TASK record, after the records of
        its steps (a reader completes the task they named), and its place in a lane. A library's
        task, dated by the start of the stint that made it (no clock is read as uvicorn makes one)
        and placed where its coroutine is defined, not at the line that made it (that frame is not
        read for uvicorn's tasks); its awaits are not read."""
        key, t, parent, code = self.deferred.pop(ident)
        if t is None:
            t = _perf_counter() * 1000.0  # (made in no stint: dated now)
        w = self.w
        fields = _pack_task_fields(
            w.string(code.co_qualname), FLAG_INTERNAL, w.string(code.co_filename), code.co_firstlineno, 1
        )
        w.buf += _pack_task(_TASK_OTHER_HEAD, ident, t, parent, fields)
        if parent:
            # (As task_created, for a library's task made in a stint.)
            request = self.live_requests.get(parent)
            if request is not None:
                w.fold(t, ident, request)
                if len(self.live_requests) < MAX_TASK_IDS:
                    self.live_requests[ident] = request
                return
            lane = self.own_lanes.get(parent)
            if lane is not None:
                w.fold(t, ident, lane)
                if len(self.own_lanes) < MAX_TASK_IDS:
                    self.own_lanes[ident] = lane

    def announce_begun(self):
        """uvicorn's tasks for a request whose first step has run without beginning one (or that are
        gone), announced (announce_late): looked at by the lag probe, and most often there are none
        (a request claims its task in that step)."""
        for ident, (key, t, parent, code) in list(self.deferred.items()):
            task = key()
            coro = task.get_coro() if task is not None else None
            if coro is None or coro.cr_frame is None or coro.cr_suspended or coro.cr_running:
                self.announce_late(ident)

    def name_task(self, task, ident=None):
        """A task the program named (create_task's or a TaskGroup's `name=`, set_name) is named so
        on the timeline (a TASK_INFO record), once its lane is its own: not a request's, nor one
        folded into another task's lane. asyncio's default name (Task-N) and a name that only says
        its coroutine's function (anyio's default, module and qualname) leave the function's."""
        if ident is None:
            ident = self.task_ids.get(_ref(task))
            if ident is None:
                return
        if ident in self.live_requests or self.own_lanes.get(ident, ident) != ident:
            return
        name = task.get_name()
        if self.task_names.get(ident) == name or not isinstance(name, str) or not name:
            return
        if name.startswith("Task-") and name[5:].isdigit():
            return
        qualname = getattr(task.get_coro(), "__qualname__", None)
        if qualname and (name == qualname or name.endswith("." + qualname)):
            return
        if len(self.task_names) >= MAX_TASK_IDS:
            self.task_names.clear()  # bounded: tasks destroyed while pending leave their entries
        self.task_names[ident] = name
        self.w.task_info(self.now(), ident, name, None, 0, 0)

    def aiohttp_request(self, ident, coro):
        """aiohttp's server runs each request in a task of its own (RequestHandler._handle_request):
        that task is the request, named by its path now and by its route when it is done (its
        response written out, Tracer.end_stint)."""
        request = coro.cr_frame.f_locals.get("request") if coro.cr_frame is not None else None
        method = getattr(request, "method", None) or "HTTP"
        path = getattr(request, "path", None) or "/"
        self.w.task(self.now(), ident, KIND_REQUEST, 0, "%s %s" % (method, path), 0, "", 0, 0)
        if request is not None:
            if len(self.unanswered) >= MAX_TASK_IDS:
                self.unanswered.clear()
            self.unanswered[ident] = [request, True, None, None, ident]
        if len(self.live_requests) < MAX_TASK_IDS:
            self.live_requests[ident] = ident

    def bound_maps(self):
        """The maps a task made or a request served adds to, bounded (by the lag probe, every
        LAG_PROBE_S: not on every task and request, where each check is a few hundred instructions
        of a request's; between two probes a busy server adds a few hundred entries at most)."""
        task_ids = self.task_ids
        if len(task_ids) >= MAX_TASK_IDS:
            # Tasks that never finished (destroyed while pending) leave their entries: drop the dead
            # (in place: the patched Handle._run holds the map).
            live = {k: v for k, v in task_ids.items() if k() is not None}
            task_ids.clear()
            if len(live) < MAX_TASK_IDS:
                task_ids.update(live)
        if len(self.unanswered) >= MAX_TASK_IDS:
            self.unanswered.clear()  # requests whose server task was destroyed while pending
        if len(self.live_requests) >= MAX_TASK_IDS:
            self.live_requests.clear()
        if len(self.answered) >= MAX_TASK_IDS:
            self.answered.clear()  # (requests whose server task was destroyed while pending)
        if len(self.await_anchors) >= MAX_AWAIT_TASKS:
            self.await_anchors.clear()  # (tasks destroyed while pending)

    def _creator(self, frame, own=False):
        """Where the program made the task, from `frame` (create_task's caller) out: the first frame
        outside asyncio and this file (for the program's own coroutine, the first of the program's
        frames: a library may have started it); whether asyncio.gather made it (its members run
        concurrently); whether library code made it. A task made by a loop's callback (a server's
        connection handler) has no maker of the program's: the frames below the loop are whoever
        started the loop."""
        # (A place seen before whose own frame decides is known by its code's id and instruction
        # offset, without the walk: task_created reads _creator_places before it calls this.)
        place = (id(frame.f_code), frame.f_lasti)
        first = frame
        concurrent = False
        library = None
        for _ in range(64):
            if frame is None:
                break
            code = frame.f_code
            filename = code.co_filename
            if filename.startswith(_ASYNCIO_DIR) or filename == __file__:
                name = code.co_name
                if name == "gather":
                    concurrent = True
                elif name == "_run_once" or name == "_run_handle":
                    break
                frame = frame.f_back
                continue
            library_file = _library_files.get(filename)
            if library_file is None:
                library_file = _library_file(filename)
            if own and library_file:
                if library is None:
                    library = frame
                frame = frame.f_back
                continue
            line = self._line(frame)
            if frame is first:
                if len(_creator_places) >= 4096:
                    _creator_places.clear()
                _creator_places[place] = (filename, line, library_file, code)
            return filename, line, concurrent, library_file
        if library is not None:
            return library.f_code.co_filename, self._line(library), concurrent, True
        return None, None, concurrent, False

    @staticmethod
    def _line(frame):
        # Reading a frame's line walks its code's line table: a task is made at the same few places
        # over and over (a server's task per request), so each place is read once. Known by its
        # code's id: hashing a code object hashes its constants, nested functions' codes too.
        code = frame.f_code
        place = (id(code), frame.f_lasti)
        known = _creator_lines.get(place)
        if known is None:
            if len(_creator_lines) >= 4096:
                _creator_lines.clear()
            known = _creator_lines[place] = (frame.f_lineno, code)
        return known[0]

    # ---------------------------------------------------------------- requests (ASGI)

    def request_started(self, scope, send, kind):
        """An HTTP request (or a WebSocket session: `kind`, the scope's type) reached the app, in the
        server's task for it: that task is the request. `send` is the server's, for what it says of
        the client (_client_gone). Returns the request's entry in `unanswered` (its id last), or
        None."""
        path = scope.get("path") or "/"
        # The request's name as a string id, kept by type, method and path (not made and looked up
        # again for every request).
        w = self.w
        names = self.request_names
        try:
            name_key = (kind, scope.get("method"), path)
            name_id = names.get(name_key)
        except TypeError:
            name_key = name_id = None  # a server's scope with values of other kinds than the ASGI spec's
        if name_id is None:
            name_id = w.string(_request_name(scope, path))
            if name_key is not None:
                if len(names) >= 4096:
                    names.clear()
                names[name_key] = name_id
        ident = self.current
        if self.deferred.pop(ident, None) is not None:
            # The stint that runs is the first step of uvicorn's task for this request (task_created;
            # its RUN named it): the request is that task, under its id, from that stint's start —
            # no clock reading of its own, no task of its own, no fold. Its TASK record (no parent,
            # no place yet: Writer.task, inline) follows the RUN: a reader completes the task the
            # RUN named.
            t = self.stint_start
            w.buf += _pack_request(_TASK_REQUEST_HEAD, ident, t, name_id)
            # The awaits budget (as task_created asks it for other tasks), at the request's start.
            if (self.await_tokens >= 1.0 or t >= self.await_due) and self.refill_awaits(t):
                self.await_tokens -= 1.0
                if len(self.await_tasks) >= MAX_AWAIT_TASKS:
                    self.await_tasks.clear()
                self.await_tasks.add(ident)
            pending = self.unanswered[ident] = [scope, kind == "websocket", None, send, ident]
            self.live_requests[ident] = ident
            return pending
        # Another server's task (or one the tracer did not see made): the request is a task of its
        # own, the server task folded into it. The task whose step runs on the watched loop, asked
        # of asyncio by the loop (without it, asyncio.current_task() asks the OS for the process id:
        # a system call).
        loop = self.lag_loop
        task = _running_task(loop) if loop is not None else None
        if task is None:
            task = asyncio.current_task()
            if task is None:
                return None
        key = _ref(task)
        server_task = self.task_ids.get(key)
        # The request begins with the step it is made in (the server task's: its work all along), at
        # that stint's start: no clock reading of its own (its TASK and FOLD records are written
        # first thing in the step, a few µs in).
        t = self.stint_start
        if t is None:
            t = _perf_counter() * 1000.0  # (no stint runs: a loop the tracer does not see)
        live = self.live_requests
        ident = next(self.ids)
        # The server's task for this request was the request's work all along (its parsing too)...
        # (No task's id is None: an unknown server task is in neither map.)
        elsewhere = live.pop(server_task, None)
        if elsewhere is None and server_task in self.own_lanes and self.own_lanes[server_task] != server_task:
            elsewhere = self.own_lanes.pop(server_task)
        if elsewhere is None and server_task is not None:
            # The request's TASK record (Writer.task) and the server task's FOLD into it (Writer.fold).
            w.buf += _pack_request_fold(_TASK_REQUEST_HEAD, ident, t, name_id, _FOLD_HEAD, server_task, t, ident)
            if server_task in self.await_tasks:
                # (The server task's steps are the request's since: its own id is no longer read.)
                self.await_tasks.discard(server_task)
                self.await_tasks.add(ident)
        else:
            w.buf += _pack_request(_TASK_REQUEST_HEAD, ident, t, name_id)
        if elsewhere is not None:
            # ...unless it was made inside another request, and folded into it already: uvicorn
            # starts the next request of a keep-alive connection from the last `send` of the one
            # before. Folding it again would merge the two requests; the request begins here, a
            # stint of its own (a start of its own: the watchdog tells stints apart by it).
            t = _perf_counter() * 1000.0
            self.w.run(t, ident, REASON_REQUEST)
            self.stint_start = t
            if server_task in self.await_tasks:
                self.await_tasks.add(ident)
        # (The maps bounded by the lag probe: Tracer.bound_maps.)
        self.task_ids[key] = ident
        self.current = ident
        # A WebSocket session has no response: it lasts as long as its server task, and ends when
        # that does (end_stint), as a request whose response began.
        pending = self.unanswered[ident] = [scope, kind == "websocket", None, send, ident]
        live[ident] = ident
        return pending

    def request_responded(self, ident, scope, how=END_FINISHED):
        """The response is sent (END_ABORTED: the client left first): later work of the request is its
        background work. Either way the request is named by its route, now that it is known. `scope`:
        the ASGI scope (aiohttp's request: aiohttp_responded). The caller has marked the request's
        entry in `unanswered` answered (its scope set to None); the entry itself goes at its server
        task's last step (end_stint), which pops it anyway."""
        if ident in self.live_requests:
            self.answered.add(ident)  # (until its server task's last step: end_stint)
        t = _perf_counter() * 1000.0
        route = scope.get("route")
        if route is not None:
            # FastAPI's routes put themselves in the scope: what a request is named and where its
            # endpoint is are read once per route, method and mount (see route_info). A route
            # answers one type of scope and puts its own endpoint in it: neither is read again.
            key = (id(route), scope.get("method"), scope.get("root_path"), scope.get("app_root_path", ""))
            try:
                known = self.route_infos.get(key)
            except TypeError:
                key = known = None  # a server's scope with values of other kinds than the ASGI spec's
            if known is None:
                # (The route kept alive: its id stays its own while the entry lasts.)
                known = (self.route_info(scope, route, scope.get("endpoint")), route)
                if key is not None:
                    if len(self.route_infos) >= 4096:
                        self.route_infos.clear()
                    self.route_infos[key] = known
            info = known[0]
        else:
            info = self.route_info(scope, _matched_route(scope), scope.get("endpoint"))
        if info is not None:
            # Writer.task_info and Writer.task_end, in one.
            self.w.buf += _pack_info_end(_TASK_INFO_HEAD, ident, t, info, _TASK_END_HEAD | how << 16, ident, t)
        else:
            self.w.buf += _pack_unit(_TASK_END_HEAD | how << 16, ident, t)  # Writer.task_end

    def aiohttp_responded(self, ident, request, how):
        """aiohttp's request (see aiohttp_request) is answered: named by its route and handler, now
        that it has run (its server task's last step: end_stint)."""
        if ident in self.live_requests:
            self.answered.add(ident)  # (until its server task's last step: end_stint)
        t = _perf_counter() * 1000.0
        info = getattr(request, "match_info", None)
        resource = getattr(getattr(info, "route", None), "resource", None)
        pattern = getattr(resource, "canonical", None)
        code = getattr(getattr(info, "handler", None), "__code__", None)
        name = "%s %s" % (getattr(request, "method", "HTTP"), pattern) if isinstance(pattern, str) else ""
        if name or code is not None:
            self.w.task_info(t, ident, name, code.co_filename if code else "", code.co_firstlineno if code else 0, 1)
        self.w.task_end(t, ident, how)

    def housekeeping(self, callback, args):
        """Whether `callback`, scheduled (with `args`) in the lane of a request already answered (see
        `answered`), is the server's or a library's housekeeping, not the request's work: nobody's.
        A connection outlives the requests it serves; once a request is answered, what the code of
        a server or a library schedules for the connection (a callback bound to its protocol or
        transport: uvicorn's keep-alive timer, set as the response goes out, which closes an idle
        connection seconds later; a transport's close) or for the request's task as that finishes
        (its done callbacks: uvicorn dropping the task from its set) is no work of the request's,
        and drawn in its lane it would be work after the response the program never did (issue 9's
        rule, as the Node tracer follows it). What the program's own code schedules (a callback of
        its own, a function it hands a timer) stays the request's background work, and so does
        what a library does for the request's code still running after the response (the timers
        and futures a BackgroundTasks job awaits: no connection's, no finished task's).
        Returns NOBODY (a stint of nobody's), QUIET (no stint at all: see below) or False.

        A finished task's done callback that is a builtin container's method (uvicorn's
        `set.discard` of its task, once a request) is QUIET: C code that returns at once, run as no
        stint — its sub-microsecond stint of nobody's was two records and a callback looked at for
        each request, and the loop is idle but for it."""
        try:
            kind = type(callback)
            if kind is _BuiltinMethodType:
                # C code: the runtime's or a library's, whoever hands it to the loop.
                owner = callback.__self__
                if isinstance(owner, _connection_types):
                    return NOBODY
                if args and isinstance(args[0], _Task):
                    # A task's done callback, as the task finishes (asyncio hands it the task): the
                    # request's own server task's.
                    task = args[0]
                    if task.done() and self.task_ids.get(_ref(task)) == self.current:
                        return QUIET if type(owner) in _QUIET_OWNERS else NOBODY
                return False
            if kind is _MethodType:
                owner = callback.__self__
                if isinstance(owner, _connection_types):
                    # (_library_callback's common case, inline: a method of the connection's class.)
                    function = callback.__func__
                    if type(function) is _FunctionType:
                        filename = function.__code__.co_filename
                        library = _library_files.get(filename)
                        return NOBODY if (_library_file(filename) if library is None else library) else False
                    return NOBODY if _library_callback(callback) else False
            if args and isinstance(args[0], _Task):
                task = args[0]
                if task.done() and self.task_ids.get(_ref(task)) == self.current:
                    return NOBODY if _library_callback(callback) else False
        except Exception:
            pass
        return False

    def deferred_housekeeping(self, scheduler, callback):
        """A timer set with no arguments in the lane of a request already answered runs (the patched
        call_at left its verdict until now, as `-scheduler`): the id of the task it runs as, that
        request's (`scheduler`), or 0 (nobody's) if it is a server's or a library's housekeeping.
        Housekeeping's verdict on a callback without arguments is its callable's alone (its type,
        its owner's type and its code's file): the same when it runs as when it was set."""
        return 0 if self.housekeeping(callback, ()) else -scheduler

    def route_info(self, scope, route, endpoint):
        """A request's name (its method and route's pattern) and its endpoint's file and line: their
        TASK_INFO fields (name string id, file string id, line, column), packed, 0 for what is not
        known; None when neither is known."""
        pattern = getattr(route, "path_format", None) or getattr(route, "path", None)
        if isinstance(pattern, str):
            # A route of a mounted app (Starlette's Mount, `app.mount("/v2", sub)`) is relative to
            # where it is mounted: the router adds that to root_path, past the app's own.
            mounted = scope.get("root_path")
            base = scope.get("app_root_path", "")
            if isinstance(mounted, str) and isinstance(base, str) and len(mounted) > len(base):
                if mounted.startswith(base):
                    pattern = mounted[len(base) :] + pattern
        code = getattr(endpoint, "__code__", None)
        name = _request_name(scope, pattern) if isinstance(pattern, str) else ""
        if not name and code is None:
            return None
        w = self.w
        return _pack_info_fields(
            w.string(name) if name else 0,
            w.string(code.co_filename) if code is not None and code.co_filename else 0,
            code.co_firstlineno if code is not None else 0,
            1,
        )

    def response_sent(self, ident, scope, send):
        """The app has sent its response's last bytes: the request is answered, unless the client
        had gone by then (the server dropped them): then it was aborted."""
        self.request_responded(ident, scope, END_ABORTED if _client_gone(send) else END_FINISHED)

    @staticmethod
    def client_left(owner, pending):
        """Whether the client of a request whose server task `owner` has just finished left before
        its response was out: the server cancelled the task (aiohttp 3.9 on, when the connection is
        lost), aiohttp's task failed or says the client disconnected while the response was written
        (its `_handle_request` returns (response, reset)), or uvicorn says the connection was lost."""
        if owner.cancelled():
            return True
        if not isinstance(pending[0], dict):
            # Read as they are kept: result() and exception() would mark a failure as retrieved, and
            # asyncio would no longer log one nobody awaited. A task that failed wrote no response
            # (a write to the closed connection: aiohttp's start() takes its ConnectionError as the
            # client gone).
            if getattr(owner, "_exception", None) is not None:
                return True
            result = getattr(owner, "_result", None)
            return type(result) is tuple and len(result) == 2 and result[1] is True
        # A WebSocket session ends when either side closes it: the client leaving is its end.
        return pending[0].get("type") != "websocket" and _client_gone(pending[3])

    def refill_awaits(self, t):
        """The awaits budget (see AWAIT_TASKS_PER_S), refilled for the time since the last refill:
        whether it holds a task's now (read by task_created, which takes it). Refilled before each
        task it pays for, not only once it ran out: a budget full since the last refill earned
        nothing meanwhile (refilled only when empty, a burst spent 35 ms after the recording began
        was paid 7 tasks more for that time, and at load 55 a test's bound was passed by 14)."""
        self.await_tokens = min(
            float(AWAIT_TASKS_BURST), self.await_tokens + (t - self.await_refilled) * AWAIT_TASKS_PER_S / 1000.0
        )
        self.await_refilled = t
        if self.await_tokens >= 1.0:
            return True
        # Not before this is it worth refilling again (the budget grows with time only).
        self.await_due = t + (1.0 - self.await_tokens) * 1000.0 / AWAIT_TASKS_PER_S
        return False

    def note_await(self, ident, task, start):
        """A step of `task` has ended suspended: where (the chain of coroutines it awaits through).
        The record holds the program's frames only, so the chain is known by those: each by its code
        and instruction offset (a library's or asyncio's frame is passed through by what it awaits,
        its frame and offset unread: ~20 of them under FastAPI, 2 of the program's). A line is read
        only for a chain not seen before (reading a frame's line walks its code's line table: for a
        chain ~20 deep under FastAPI, more than the rest of the tracer's work for a request)."""
        coro = task.get_coro()
        key = []
        files = _await_files
        levels = 32
        # While a coroutine the chain passed is suspended, every frame outside it is where it was
        # (each waits for the one inside it to return): the walk goes on from the library's last
        # coroutine before the program's first frame last time (under FastAPI, ~20 levels in), if
        # it is still suspended — as many levels deep in all as a walk from the task's coroutine.
        known = self.await_anchors.get(ident)
        if known is not None:
            anchor = known[0]()
            if anchor is not None and anchor.cr_frame is not None:
                coro = anchor
                levels = known[1]
            else:
                known = None
        last = None  # (the last library coroutine passed)
        for level in range(levels):
            if type(coro) is _COROUTINE:
                # (A library's frame, most of them, in the fewest steps. Its cr_code read once: each
                # read is an "object.__getattr__" audit event.)
                code = coro.cr_code
                own = files.get(code.co_filename)
                if own is False:
                    last = coro
                elif own or _await_own(code.co_filename):
                    frame = coro.cr_frame
                    if frame is None:
                        break
                    if last is not None and not key and known is None and last.cr_await is coro:
                        # (The program's first frame, right inside a library's coroutine.)
                        self.await_anchors[ident] = (_ref(last), levels - level + 1)
                    key.append(id(code))
                    key.append(frame.f_lasti)
                else:
                    last = coro
                coro = coro.cr_await
            else:
                frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
                if frame is None:
                    break
                code = frame.f_code
                own = files.get(code.co_filename)
                if own or own is None and _await_own(code.co_filename):
                    key.append(id(code))
                    key.append(frame.f_lasti)
                coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
            if coro is None:
                break
        key = tuple(key)
        encoded = self.await_cache.get(key)
        if encoded is None:
            chain = self.await_chain(task.get_coro())
            encoded = self.w.await_units(self.await_frames(chain)) + (chain,)
            if len(self.await_cache) >= 4096:
                self.await_cache.clear()
            self.await_cache[key] = encoded
        if encoded[0]:
            self.w.await_encoded(start, ident, encoded[0], encoded[1])

    @staticmethod
    def await_chain(coro):
        """The (code, line) of each frame of an await chain, from `coro` inward (as note_await
        walks it)."""
        chain = []
        for _ in range(32):
            frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
            if frame is None:
                break
            chain.append((frame.f_code, frame.f_lineno))
            coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
            if coro is None:
                break
        return chain

    @staticmethod
    def await_frames(chain):
        """The program's frames of an await chain ((code, line) from the task's coroutine inward),
        innermost first."""
        frames = []
        for code, line in chain:
            if _await_own(code.co_filename):
                frames.append((code.co_qualname, code.co_filename, line, 1))
        frames.reverse()
        return frames[:MAX_AWAIT_FRAMES]

    # ---------------------------------------------------------------- stints

    def start_lag_probe(self, loop):
        self.lag_loop = loop
        # The thread that runs the watched loop (most often the main one): the one the watchdog
        # samples. (Called from a callback of that loop, in its thread.)
        self.loop_thread = (threading.get_ident(), threading.get_native_id())
        schedstat = "/proc/self/task/%d/schedstat" % self.loop_thread[1]
        if schedstat != self.schedstat:
            self.schedstat = schedstat
            self.wait_ref = None
            self.cpu_baseline(self.now())
        self.lag_since = self.now()
        self.lag_last = self.now()
        self.lag_period = LAG_PROBE_S * 1000.0
        self.lag_resting = False
        self.lag_due = self.lag_last + self.lag_period
        self.lag_handle = loop.call_later(LAG_PROBE_S, self.lag_cb)

    def loop_starts(self):
        """A loop starts running (asyncio.run): the script's own stint ends; the loop's callbacks follow."""
        if self.stint_start is not None and self.current == 1:
            t = self.now()
            if t - self.stint_start >= self.cpu_check_ms:
                self.long_stint(t)
            self.last_end = t
            self.w.idle(t)
            self.current = 0
            self.stint_start = None

    def loop_stopped(self):
        """A loop stopped running: the script's own code goes on (and may block, or run another loop)."""
        if self.stint_start is None and not self.ended:
            t = self.now()
            # (After the IDLE that ended the loop's last stint: see _stint_runner.)
            self.w.idle(self.last_end)
            self.w.run(t, 1, REASON_RESUME)
            self.current = 1
            self.stint_start = t
            if self.parked:
                self.unpark()  # (the script's code may block: the watchdog looks at it)

    def watch_loop(self, loop):
        """The lag probe runs on the first loop seen, or on a new one after the last closed
        (asyncio.run twice)."""
        try:
            if self.lag_loop is None or self.lag_loop.is_closed():
                # What a closed loop left scheduled never runs (and its ids may be reused).
                self.scheduled.clear()
                self.start_lag_probe(loop)
        except Exception:
            pass

    def traces(self, loop):
        """Whether `loop`'s work is traced: the loop the tracer watches (the first to run, or a new one
        once it closed), not another thread's loop running beside it — the tracer's state is the
        watched loop's thread's; a second loop's callbacks would be read as that thread's stints."""
        watched = self.lag_loop
        return watched is None or watched is loop or watched.is_closed()

    def lag_probe(self):
        """How late the tracer's own timer ran: the loop's delay, as Node's event-loop delay is."""
        if self.ended:
            return
        t = _perf_counter() * 1000.0
        late = t - self.lag_due
        if late < 0.0:
            late = 0.0
        nominal = LAG_PROBE_S * 1000.0
        if self.lag_resting:
            # A resting probe stands for the probes its longer period left out, each due while the
            # loop was idle (a stint after the gap would have set it back, lag_wake, were one of them
            # due after that stint's start): counted as on time, nothing of the program's holding
            # the loop; this one as late as it is. (Not as late as a probe measured: each would
            # have been late by the OS's wake-up alone, and on a loaded machine one that slept 160 ms
            # waited 0.4-7 ms for a CPU where one that slept 20 ms waited 0.2-0.4, 2026-12-06 — one
            # draw counted eight times moved the second's median by milliseconds.)
            left_out = int(self.lag_period / nominal + 0.5) - 1
            if left_out > 0:
                self.lag_samples.extend(_ZEROS[:left_out])
        self.lag_samples.append(late)
        # Idle since at least the CPU-check length (so that the next stint, whenever it begins, is
        # one after a gap and sets the probe back: lag_wake), the probe rests: its period doubled.
        # A probe set back by a short stint after a gap (uvicorn's tick, every 0.1 s) that finds the
        # loop idle again rests as long as it rested before, not doubling from the usual period.
        if self.stint_start is None and t - self.last_end >= self.cpu_check_ms:
            period = self.lag_period * 2.0
            if period < self.lag_rested:
                period = self.lag_rested
            self.lag_period = min(period, nominal * LAG_REST)
        else:
            self.lag_period = nominal
        self.lag_rested = self.lag_period
        self.lag_resting = self.lag_period > nominal
        if t - self.lag_since >= LAG_EVERY_MS:
            self.write_lag(t)
            t = _perf_counter() * 1000.0
        if len(self.w.buf) >= FLUSH_BYTES:
            self.due = True  # (as the watchdog sees it: this, should the watchdog have stopped)
        if len(self.scheduled) >= MAX_SCHEDULED:
            # Bounded here, not per callback scheduled: callbacks left by a loop that stopped, or
            # far more scheduled at once than the loop runs.
            self.scheduled.clear()
        self.bound_maps()
        if self.deferred:
            self.announce_begun()
        try:
            loop = self.lag_loop
            if not loop.is_closed():
                self.lag_last = t
                self.lag_due = t + self.lag_period
                self.lag_handle = loop.call_later(self.lag_period / 1000.0, self.lag_cb)
        except Exception:
            pass

    def lag_wake(self, t):
        """A stint begins (at `t`) after a gap while the probe rests: the probe runs every LAG_PROBE_S
        again, on the schedule it would have kept (the next probe due after `t`), so that a block
        beginning here is probed as a busy loop's is; the probes due meanwhile, the loop idle, are
        counted as on time (see lag_probe). Called from the stint runners, where a stint begins
        after a gap (rare on a busy loop, whose probe never rests)."""
        nominal = LAG_PROBE_S * 1000.0
        try:
            missed = int((t - self.lag_last) / nominal)
            due = self.lag_last + (missed + 1) * nominal
            handle = self.lag_handle
            loop = self.lag_loop
            # (Due by then anyway: it runs as it is, standing for the probes it left out.)
            if due < self.lag_due and handle is not None and loop is not None and not loop.is_closed():
                handle.cancel()
                if missed > 0:
                    self.lag_samples.extend(_ZEROS[:missed])
                self.lag_resting = False
                self.lag_period = nominal
                self.lag_last = due - nominal
                self.lag_due = due
                self.lag_handle = loop.call_at(loop.time() + (due - t) / 1000.0, self.lag_cb)
        except Exception:
            pass

    def write_lag(self, t):
        samples = sorted(self.lag_samples)
        self.lag_samples = []
        self.lag_since = t
        if self.parked and self.w.sock is not None:
            self.unpark()  # live: the record reaches the reader now, as one a busy loop writes
        if not samples:
            self.w.lag(t, 0, 0, 0, 0)
            return
        at = lambda q: samples[min(len(samples) - 1, max(0, int(q * len(samples) + 0.999999) - 1))]
        self.w.lag(t, int(at(0.5) * 1000), int(at(0.99) * 1000), int(samples[-1] * 1000), len(samples))

    def end_stint(self, task, owner, t, w, key):
        """A stint of `task` (begun at `t`; `owner`: the asyncio task whose own step it was, else
        None) has ended: its task's last step (`key`: the task's weak reference, the key of its
        entry in `task_ids`; the caller has asked whether the task is done), or a step of a task
        whose awaits are read (`key` None). The common cases are inline in _run_handle and
        _Scheduled.__call__."""
        try:
            if owner is not None:
                if key is not None:
                    # Its last step. A request that began in this very step (an app that answers a
                    # WebSocket with a refusal, without a pause) is the task's id since.
                    task = self.task_ids.pop(key, None) or task
                    # (Its id is no task's once it ends: the set stays as large as the tasks alive.)
                    if task in self.await_tasks:
                        self.await_tasks.discard(task)
                        self.await_anchors.pop(task, None)
                    # (A request's id, or a task's folded into one, has no lane of its own.)
                    if self.live_requests.pop(task, None) is not None:
                        self.answered.discard(task)  # (see housekeeping)
                    else:
                        # A name set in any of its steps (set_name), whatever the awaits budget:
                        # the lane is named as it ends (a task whose awaits are read, after each
                        # step too). A C Task's set_name cannot be patched. asyncio's own name
                        # (Task-N, most tasks') is passed over here, without name_task's call.
                        if task in self.deferred:
                            self.announce_late(task)  # (its first step was its last)
                        name = owner.get_name()
                        if name[:5] != "Task-" or not name[5:].isdigit():
                            self.name_task(owner, task)
                        self.own_lanes.pop(task, None)
                    if self.task_names:
                        self.task_names.pop(task, None)
                    pending = self.unanswered.pop(task, None)
                    if pending is not None and pending[0] is not None:
                        # A request's server task finished before its response's last message: a
                        # response begun was sent as far as the app got (Starlette's middleware can
                        # be cancelled before its final empty message); none begun, or the client
                        # gone before it had it all, it was aborted.
                        answered = pending[1] and not self.client_left(owner, pending)
                        scope = pending[0]
                        pending[0] = None  # answered
                        how = END_FINISHED if answered else END_ABORTED
                        if isinstance(scope, dict):
                            self.request_responded(task, scope, how)
                        else:
                            self.aiohttp_responded(task, scope, how)
                elif self.current in self.await_tasks:
                    # (The stint's task since request_started, which may have begun a new stint.)
                    self.note_await(self.current, owner, self.stint_start)
                    # A name set in this step (set_name): read after the steps of the tasks whose
                    # awaits are read (a developer's program's, within their budget), not past it.
                    # (A request's lane keeps its route's name: name_task's first check, inline.)
                    if task not in self.live_requests:
                        self.name_task(owner, task)
            end = _perf_counter() * 1000.0
            if end - t >= self.cpu_check_ms:
                self.long_stint(end)
            # Its IDLE comes with the next stint's RUN (see _stint_runner).
            self.current = 0
            self.last_end = end
            self.stint_start = None
            if self.due:
                self.settle()
        except Exception:
            pass

    def idle_out(self):
        """The IDLE that ended the last stint, written now if no stint runs: a stint's runner writes it
        with the next stint's RUN (see _stint_runner), and a live reader is shown the stint's end
        before that (the watchdog's flush). The next RUN writes it again: a reader is idle already.
        Called from the watchdog's thread too: the stint's end is read before whether a stint runs
        (the runners store them in that order), and nothing is called between that check and the
        append, so the loop's thread cannot begin a stint in between (the interpreter switches
        threads at calls and backward jumps only)."""
        end = self.last_end
        idle = _pack_idle(_IDLE_HEAD, end)
        if self.stint_start is None and self.last_end is end and not self.ended:
            self.w.buf += idle

    def settle(self):
        """What a stint's end has to do now and then (see `due`): the buffer flushed once past
        FLUSH_BYTES, the watchdog's block samples written."""
        self.due = False
        if len(self.w.buf) >= FLUSH_BYTES:
            self.idle_out()
            self.w.flush()
        if self.samples:
            self.write_samples()
        wait = self.stint_wait
        if wait is not None:
            # Right after the stint it is about (or a later one: a reader then drops it). Not one
            # that says less than long_stint wrote for that stint (the last record counts).
            self.stint_wait = None
            written = self.wait_written
            if written is None or written[0] is not wait[0] or written[1] < wait[3]:
                self.w.stint_cpu(*wait)

    def write_samples(self):
        while self.samples:
            since, task, observed_ms, cpu_ms, name, file, line = self.samples.popleft()
            self.w.block_sample(since, task, observed_ms, cpu_ms, [(name, file, line, 1, observed_ms * 1000)])

    def finish(self, cause=END_EXIT, code=0):
        """The trace's end: its last records, the END record, and everything buffered written out.
        Each part that fails is left out, never what comes after it: whatever else happens, what
        the buffer holds is written and the file closed (in the `finally`)."""
        if self.ended:
            return
        self.ended = True
        w = self.w
        try:
            try:
                # Tasks that never ended (a loop left running them): named as the program last
                # named them, as a task is when it ends (end_stint).
                for key, ident in list(self.task_ids.items()):
                    task = key()
                    if task is not None and ident not in self.live_requests:
                        self.name_task(task, ident)
                for ident in list(self.deferred):
                    self.announce_late(ident)
            except Exception:
                pass
            t = self.now()
            try:
                # The stint that runs ends now; else the last one ended when it did (its IDLE not
                # written yet: see _stint_runner).
                w.idle(t if self.stint_start is not None else self.last_end)
                self.write_samples()
                if self.lag_samples:
                    self.write_lag(t)
            except Exception:
                pass
            w.end(t, cause, code)
        finally:
            w.close()


def _blamed(frame):
    """Where a block at `frame` (the loop's thread's innermost, or a call's caller) is put: (name,
    file, line), or None."""
    while frame is not None and (
        frame.f_code.co_filename == __file__ or frame.f_code is _RUNNER_CODES[0] or frame.f_code is _RUNNER_CODES[1]
    ):
        frame = frame.f_back
    # The innermost frame of the program's own code, else the innermost of any code. Not past the
    # tracer's frame that runs the loop's callback (_run_handle, _run_io, _Scheduled.__call__): below it
    # are the loop and whoever started it (the script's `asyncio.run` line), not what blocks.
    first = frame
    while frame is not None:
        code = frame.f_code
        if code is _RUNNER_CODES[0] or code is _RUNNER_CODES[1] or code is _SCHEDULED_CALL_CODE:
            break
        filename = code.co_filename
        if (
            not filename.startswith(_STDLIB_DIR)  # asyncio's, copy.deepcopy's: the caller's line
            and "-packages" not in filename
            and not filename.startswith("<")
            and filename != __file__  # the tracer's own hooks, around the program's code
        ):
            return frame.f_code.co_qualname, filename, frame.f_lineno
        frame = frame.f_back
    if first is None:
        return None
    return first.f_code.co_qualname, first.f_code.co_filename, first.f_lineno


# Looks waiting for their stint's end (Tracer.samples) past which a timed sleep adds none: a script
# that sleeps on in its first stint, with no loop yet, writes them only at its end.
MAX_TIMED_SLEEPS = 600


def _timed_sleep(tracer, sleep, block_ms):
    """time.sleep, timed where the loop's thread sleeps in a stint: a sleep of half the block
    threshold or more is a look at its block, at the caller's line (the program's, as the watchdog's
    looks are), asleep all along — unless the watchdog looked during it. The watchdog's thread needs
    a CPU to look, and on a busy machine it got none before a 100-150 ms `time.sleep` ended (1 in 12
    runs of test/pythonKitchen.test.ts's middleware at load 20-33; 2026-12-07): the block had no line,
    and the lesson for `time.sleep` none to name. A sleep in another thread (run_in_executor's) or
    between stints, or a short one, costs a few attribute reads."""
    clock = time.perf_counter
    get_ident = _get_ident
    main = threading.main_thread().ident
    least = block_ms / 2.0

    def looplens_sleep(*args):
        start = tracer.stint_start
        if start is None or tracer.ended:
            return sleep(*args)
        thread = tracer.loop_thread
        if get_ident() != (main if thread is None else thread[0]):
            return sleep(*args)
        begun = clock() * 1000.0
        try:
            return sleep(*args)
        finally:
            try:
                ended = clock() * 1000.0
                task = tracer.current
                if ended - begun >= least and tracer.stint_start is start and not tracer.ended:
                    # The watchdog's looks of this stint wait in `samples` till its end (settle):
                    # one that ended after the sleep began saw it, the time before counted.
                    samples = tracer.samples
                    if len(samples) < MAX_TIMED_SLEEPS and not any(
                        s[1] == task and s[0] + s[2] > begun for s in samples
                    ):
                        where = _blamed(_getframe(1))
                        if where is not None:
                            samples.append((begun, task, ended - begun, 0.0) + tuple(where))
                            tracer.slept = (start, ended)
                            tracer.due = True
            except Exception:
                pass  # the sleep's own outcome stands

    return _named(looplens_sleep, sleep)


class Watchdog:
    """Samples the main thread's stack while a stint runs past half the block threshold. A thread of
    the interpreter's, not a `threading.Thread`: the program's `threading.enumerate()` does not list
    it (and nothing of the program's waits for it at exit)."""

    def __init__(self, tracer, block_ms):
        self.tracer = tracer
        self.block_ms = block_ms
        self.main = threading.main_thread()
        self.thread = None  # (ident, native id) of the thread sampled
        self.schedstat = "/proc/self/task/%d/schedstat" % (self.main.native_id or os.getpid())

    def follow(self):
        """Samples the thread of the loop the tracer watches, once one runs (the main thread's, or the
        one thread a program runs its loop in)."""
        thread = self.tracer.loop_thread
        if thread is not None and thread != self.thread:
            self.thread = thread
            self.schedstat = "/proc/self/task/%d/schedstat" % thread[1]

    def counters(self):
        """The loop's thread's (ns on a CPU, ns ready to run and waiting for one); None if not known."""
        return _sched_counters(self.schedstat)

    def blamed(self):
        return _blamed(sys._current_frames().get(self.thread[0] if self.thread is not None else self.main.ident))

    def run(self):
        try:
            self.watch()
        except BaseException:
            pass  # never print from the tracer's thread, whatever happens at the interpreter's exit

    def watch(self):
        tracer = self.tracer
        # Each wake-up takes the interpreter's lock from the loop's thread, and on a server's one
        # core the CPU too (a few context switches each): it wakes when there is something to do,
        # not on a fixed poll. A stint is sampled once it has run half the block threshold: the
        # watchdog sleeps until the stint it saw would be that old (no stint running: half the
        # threshold, as one may begin at once), and, live, until the next flush if that comes first.
        # A busy server's stints are short, so it wakes about every half threshold (40 a second at
        # 50 ms, where a poll every eighth of it and a flush every FLUSH_EVERY_MS made 100). It
        # never sleeps less than the poll did while the stint it saw is younger than a poll (a
        # threshold of a few ms, stints of a few hundred µs: as often as before, not on every
        # stint), so it looks at a block when it is half a threshold old (from 40 ms on; below, by a
        # poll after that), plus how late the OS wakes it. No schedule makes that sure: on a machine
        # busy enough, the watchdog's thread may get no CPU before a block just over the threshold
        # ends (the block is then told without its line: model/lessons.ts says so; a time.sleep
        # times itself, _timed_sleep).
        half = self.block_ms / 2
        longest = min(0.1, max(0.01, half / 1000.0)) * WATCHDOG_SCALE
        shortest = min(0.1, max(0.01, self.block_ms / 4000.0)) * WATCHDOG_SCALE
        interval = min(0.05, max(0.005, self.block_ms / 5000.0))
        live = tracer.w.sock is not None
        flushed = Tracer.now()
        wake = longest
        # Parked while the loop is idle (below): a stint that begins after a gap this long wakes it.
        gap = tracer.cpu_check_ms
        park = tracer.park_lock.acquire
        park_s = PARK_S * WATCHDOG_SCALE
        while not tracer.ended:
            if wake:
                time.sleep(wake)
            if tracer.w.broken:
                tracer.ended = True  # the reader went away: the program goes on untraced
                return
            if len(tracer.w.buf) >= FLUSH_BYTES:
                tracer.due = True  # flushed by the loop's thread, at a stint's end (Tracer.settle)
            now = Tracer.now()
            if live and now - flushed >= FLUSH_EVERY_MS * 0.75:
                # What the loop did reaches the reader within a fraction of a second. (Flushed at a
                # wake-up for a stint's sake too once the flush is nearly due: no wake-up of its own
                # a few milliseconds later.)
                flushed = now
                try:
                    tracer.idle_out()
                    tracer.w.flush()
                except Exception:
                    return
            try:
                self.follow()
                start = tracer.stint_start
                now = Tracer.now()
                if start is None and now - tracer.last_end >= gap and not tracer.ended:
                    # The loop idle since at least `gap`: parked until a stint begins (the first after
                    # such a gap wakes it: Tracer.unpark), not woken every half threshold to find it
                    # idle (each wake-up of a thread cost 40-50 µs of CPU on a loaded VM, 2026-12-06:
                    # an idle server's watchdog woke 37-39 times a second). Parked first, then
                    # checked again: a stint that begins after the check sees `parked` (its start is
                    # at least `gap` after the last end); one that began before it, the check sees.
                    tracer.parked = True
                    if tracer.stint_start is None and Tracer.now() - tracer.last_end >= gap:
                        park(True, park_s)
                    tracer.parked = False
                    wake = 0.0
                    continue
                if start is None or now - start < half:
                    # Until this stint is half a block old (it may end sooner, and another begin).
                    wake = longest
                    if start is not None:
                        wake = min(wake, (start + half - now) / 1000.0)
                    if live:
                        wake = min(wake, max(0.0, (flushed + FLUSH_EVERY_MS - now) / 1000.0))
                    # Never less than the poll did while the stint is shorter than it (a busy server's
                    # stints, a threshold of a few ms: not a wake-up on every stint); a stint already
                    # that long is looked at when it is half a block old, not up to a poll later (a
                    # block just over the threshold, on a loaded machine whose every wake-up comes
                    # late, kept that much more time to be seen in). At most one such wake-up for
                    # each stint that long.
                    floor = shortest if start is None or now - start < shortest * 1000.0 else 0.001
                    wake = max(wake, floor)
                    continue
                wake = longest
                task = tracer.current

                def same():
                    # Still the stint read above (another one begins with a start of its own).
                    return tracer.stint_start is start and not tracer.ended

                last = start
                # The first sample at once (the block's line, however short it turns out); the CPU
                # share is known from the second on.
                cpu_at, first = Tracer.now(), self.counters()
                cpu = None if first is None else first[0] + first[1]
                for look in range(MAX_LOOKS):
                    if not same():
                        break
                    where = self.blamed()
                    t = Tracer.now()
                    counters = self.counters()
                    now_cpu = None if counters is None else counters[0] + counters[1]
                    # Not clipped to the span: the counters move at the kernel's ticks, so one span
                    # may get the next one's time; the block's share adds them all up (the reader
                    # clips the sum), and that is right to a tick over the whole block.
                    cpu_ms = -1.0
                    if cpu is not None and now_cpu is not None and t - cpu_at > 0.5:
                        cpu_ms = max(0.0, (now_cpu - cpu) / 1e6)
                    cpu, cpu_at = now_cpu, t
                    if not same():
                        break
                    if first is not None and counters is not None and counters[1] > first[1]:
                        # Read within the stint (it still runs): the wait for a CPU since the first
                        # look is the stint's, a lower bound of it (the rule of model/lessons.ts: a
                        # block that held the loop less than the threshold but for that wait is the
                        # machine's load, not the program's; the Node tracer's STINT_CPU too).
                        tracer.stint_wait = (
                            start,
                            task,
                            t,
                            (counters[1] - first[1]) / 1000.0,
                            (counters[0] - first[0]) / 1000.0,
                        )
                        tracer.due = True
                    slept = tracer.slept
                    if slept is not None and slept[0] is start and last < slept[1] <= t:
                        # A sleep timed itself in this span (_timed_sleep): its time is its own look's.
                        last = slept[1]
                    if where is not None:
                        # Dated when this look's span began (the stint's start for the first), not
                        # the stint's start for every look: a reader places each look where it
                        # watched, so the work a request's stint ran on with after its response (its
                        # background, FastAPI's BackgroundTasks) keeps the lines seen in it, however
                        # long the response took to go out.
                        tracer.samples.append((last, task, t - last, cpu_ms) + tuple(where))
                        tracer.due = True
                    last = t
                    # The first looks close together (the block's line, however short it turns out);
                    # past them, a long block is looked at every `longest` till its end, not left
                    # unlooked: one step that answers a request and then works on after the response
                    # (FastAPI's BackgroundTasks) needs looks in both parts, and on a loaded machine
                    # (load 30) the first 60 looks were all over before the response went out, its
                    # after-response part a block with no line (test/pythonKitchen.test.ts).
                    time.sleep(interval if look < FIRST_LOOKS else longest)
                    if live and Tracer.now() - flushed >= FLUSH_EVERY_MS * 0.75:
                        # Live, what the loop wrote (the block's RUN) reaches the reader while it
                        # blocks, not once it ends; its samples come with its end (Tracer.settle).
                        flushed = Tracer.now()
                        tracer.w.flush()
                while same():
                    if live:
                        time.sleep(max(0.001, min(longest, (flushed + FLUSH_EVERY_MS - Tracer.now()) / 1000.0)))
                        if same() and Tracer.now() - flushed >= FLUSH_EVERY_MS * 0.75:
                            flushed = Tracer.now()
                            tracer.w.flush()
                    else:
                        time.sleep(longest)
            except Exception:
                return  # never disturb the program: no more samples


def _wrap_asgi(app):
    """The ASGI app, wrapped: each HTTP request (and WebSocket session) a task of kind request, ended
    when its response is sent (or its session is over)."""
    if getattr(app, "_looplens_wrapped", False):
        return app

    # A plain function that hands back the app's own coroutine, not a coroutine of its own: no frame
    # of the tracer's is on the stack while the app runs (the traceback a server logs for a 500 is
    # the untraced one), and no step of the request passes through one. A request whose server task
    # finishes without a response is closed when that task's last step ends (Tracer.end_stint).
    def looplens_asgi(scope, receive, send):
        tracer = _tracer
        pending = None
        try:
            if tracer is not None and not tracer.ended and isinstance(scope, dict):
                kind = scope.get("type")
                if kind == "http" or kind == "websocket":
                    pending = tracer.request_started(scope, send, kind)
        except Exception:
            pending = None
        if pending is None:
            return app(scope, receive, send)

        # Likewise a plain function that hands back what `send` returns. It holds only the request's
        # entry in tracer.unanswered (each variable it held more was a cell made per request): its
        # scope, None once it is answered; the server's `send`; the request's id.
        def traced_send(message):
            try:
                # (A message that is no mapping fails at its `get`: passed on untouched.)
                scope = pending[0]
                if scope is not None:
                    kind = message.get("type")
                    if kind == "http.response.body":
                        if not message.get("more_body", False):
                            # Its last bytes: answered, unless the client had gone by then (the
                            # server dropped them; Tracer.response_sent, inline).
                            pending[0] = None
                            _tracer.request_responded(
                                pending[4],
                                scope,
                                END_ABORTED
                                if getattr(getattr(pending[3], "__self__", None), "disconnected", False) is True
                                else END_FINISHED,
                            )
                        elif pending[2] is not None:
                            # The client has the whole response once its declared length is sent,
                            # however long the app takes to say so (Starlette's middleware streams
                            # the route's response, and says it is done after its background tasks).
                            to_go = pending[2]
                            if type(to_go) is not int:
                                to_go = _content_length(to_go)  # (its start's headers, unread so far)
                            if to_go is None:
                                pending[2] = None
                            else:
                                to_go -= len(message.get("body", b"") or b"")
                                pending[2] = to_go
                                if to_go <= 0:
                                    pending[0] = None
                                    _tracer.response_sent(pending[4], scope, pending[3])
                    elif kind == "http.response.start":
                        pending[1] = True
                        # Its declared length, read only if the body comes in parts (most responses
                        # come in one message): its headers until then.
                        pending[2] = message.get("headers")
            except Exception:
                pass
            return pending[3](message)

        return app(scope, receive, traced_send)

    looplens_asgi._looplens_wrapped = True
    return looplens_asgi


def _cycle_code(protocol):
    """The code of the coroutine uvicorn's HTTP protocol class `protocol` runs a request in (its
    module's RequestResponseCycle.run_asgi: h11's, httptools'), or None for a protocol of another's."""
    module = sys.modules.get(getattr(protocol, "__module__", None) or "")
    run = getattr(getattr(module, "RequestResponseCycle", None), "run_asgi", None)
    code = getattr(run, "__code__", None)
    if code is None or not code.co_flags & _CO_COROUTINE:
        return None
    if os.path.join("uvicorn", "protocols", "http", "") not in code.co_filename:
        return None
    return code


def _patch_uvicorn():
    """uvicorn loads its app in Config.load: the app it serves is wrapped there (any ASGI framework)."""
    config_module = sys.modules.get("uvicorn.config")
    config_cls = getattr(config_module, "Config", None)
    if config_cls is None or getattr(config_cls, "_looplens_patched", False):
        return config_cls is not None
    load = config_cls.load

    def patched_load(self, *args, **kwargs):
        global _uvicorn_cycle
        result = load(self, *args, **kwargs)
        try:
            self.loaded_app = _wrap_asgi(self.loaded_app)
            _uvicorn_cycle = _cycle_code(self.http_protocol_class) or _uvicorn_cycle
        except Exception:
            pass
        return result

    config_cls.load = patched_load
    config_cls._looplens_patched = True
    return True


_tracer = None
_uvicorn_done = False
# The code of uvicorn's HTTP request cycle's coroutine (RequestResponseCycle.run_asgi, one task a
# request, that calls the app in its first step) for the protocol of the app it loaded: a task of it
# is a request (Tracer.task_created, Tracer.request_started).
_uvicorn_cycle = None


def _let_go(signum, frame):
    """A signal handler that does nothing: the program's, held while the tracer ends its trace."""


def _hold_signals(held):
    """Replaces the program's Python signal handlers with _let_go, each put in `held` first (to be
    given back)."""
    for signum in signal.valid_signals():
        try:
            handler = signal.getsignal(signum)
            if callable(handler) and handler is not _let_go:
                held[signum] = handler
                signal.signal(signum, _let_go)
        except (OSError, ValueError, TypeError):
            pass


def _named(patched, original):
    """`patched` under `original`'s names, so that what the program reads of the method is unchanged."""
    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        try:
            setattr(patched, attr, getattr(original, attr))
        except (AttributeError, TypeError):
            pass
    return patched


def _try_patch_uvicorn():
    """_patch_uvicorn, true (nothing more to try) when it fails: never disturb the program."""
    try:
        return _patch_uvicorn()
    except Exception:
        return True


def _patched_create_task(create_task, standard=False):
    """A loop's create_task that reports each task made (and wraps uvicorn's app, at the first).
    `standard`: asyncio's own loop, whose `_debug` says whether its tasks keep where they were made."""

    def patched_create_task(self, coro, *args, **kwargs):
        global _uvicorn_done
        if not _uvicorn_done and "uvicorn.config" in sys.modules:
            # uvicorn, if it runs this program, is imported by the time its server task is made
            # (looked for in sys.modules first: a program without it makes tasks all its life).
            _uvicorn_done = _try_patch_uvicorn()
        # (Without `*args, **kwargs` when there are none: a call with `*args` is not inlined.)
        task = create_task(self, coro, *args, **kwargs) if args or kwargs else create_task(self, coro)
        try:
            tracer = _tracer
            # (Tracer.traces, its common case inline. Tracer.task_created reads its caller's frame:
            # called from here, no deeper.)
            if tracer is not None and not tracer.ended and (self is tracer.lag_loop or tracer.traces(self)):
                tracer.task_created(task, coro)
                if kwargs and kwargs.get("name") is not None:
                    tracer.name_task(task)  # (the loop's create_task(..., name=))
            # (A task keeps where it was made only in debug mode: asyncio's loop says so in an
            # attribute, read before the task's.)
            if (not standard or self._debug) and getattr(task, "_source_traceback", None):
                _scrub_source(task)
        except Exception:
            pass  # never disturb the program
        return task

    code = getattr(create_task, "__code__", None)
    if (
        code is not None
        and code.co_varnames[:4] == ("self", "coro", "name", "context")
        and code.co_argcount == 2
        and code.co_kwonlyargcount == 2
        and not code.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS)
    ):
        # asyncio's own (3.11, 3.12: `create_task(self, coro, *, name=None, context=None)`): the same
        # signature, where `**kwargs` made a dictionary for every task made. The same work.
        def patched_create_task(self, coro, *, name=None, context=None):  # noqa: F811
            global _uvicorn_done
            if not _uvicorn_done and "uvicorn.config" in sys.modules:
                _uvicorn_done = _try_patch_uvicorn()
            if name is None and context is None:
                task = create_task(self, coro)
            else:
                task = create_task(self, coro, name=name, context=context)
            try:
                tracer = _tracer
                if tracer is not None and not tracer.ended and (self is tracer.lag_loop or tracer.traces(self)):
                    if type(coro) is _COROUTINE and coro.cr_code is _uvicorn_cycle:
                        # Tracer.task_created's first case, inline (one call fewer a request):
                        # uvicorn's task for a request, known by its id and otherwise left until
                        # its first step (see Tracer.deferred).
                        key = _ref(task)
                        if key not in tracer.task_ids:
                            ident = next(tracer.ids)
                            tracer.task_ids[key] = ident
                            tracer.deferred[ident] = (key, tracer.stint_start, tracer.current, _uvicorn_cycle)
                    else:
                        tracer.task_created(task, coro)
                    if name is not None:
                        tracer.name_task(task)
                if (not standard or self._debug) and getattr(task, "_source_traceback", None):
                    _scrub_source(task)
            except Exception:
                pass  # never disturb the program
            return task

    return _named(patched_create_task, create_task)


def _scrub_source(future):
    """In asyncio's debug mode, where a C task or future was made ("created at", a traceback) as
    untraced: without the tracer's frames. C futures take the whole stack (the standard library's
    `traceback.extract_stack`), so leaving the tracer's frames out gives what an untraced run has."""
    stack = future._source_traceback
    if any(f.filename == __file__ for f in stack):
        stack[:] = [f for f in stack if f.filename != __file__]


def _scrub_futures(loop_cls):
    """A loop in debug mode: the futures it makes (C futures, which take the whole stack) say where
    they were made as untraced (see _scrub_source). Patched only then: create_future is hot."""
    create_future = loop_cls.create_future
    if getattr(create_future, "_looplens", False):
        return

    def patched_create_future(self):
        future = create_future(self)
        try:
            if getattr(future, "_source_traceback", None):
                _scrub_source(future)
        except Exception:
            pass  # never disturb the program
        return future

    _named(patched_create_future, create_future)
    patched_create_future._looplens = True
    loop_cls.create_future = patched_create_future


def _patched_extract_stack(extract_stack):
    """asyncio's debug-mode stack of where a handle (or a Python future) was made, skipping the
    tracer's frames: it keeps only the innermost few frames (DEBUG_STACK_DEPTH) and then drops as
    many innermost as asyncio's own calls put there, so the tracer's frames must not count."""
    import traceback

    def patched_extract_stack(f=None, limit=None):
        if f is None:
            f = sys._getframe().f_back
        if limit is None:
            limit = asyncio.constants.DEBUG_STACK_DEPTH
        frames = ((frame, line) for frame, line in traceback.walk_stack(f) if frame.f_code.co_filename != __file__)
        stack = traceback.StackSummary.extract(frames, limit=limit, lookup_lines=False)
        stack.reverse()
        return stack

    return _named(patched_extract_stack, extract_stack)


def _stint_runner(tracer, handle_run):
    """asyncio's Handle._run, patched (`handle_run` the original): the standard loop runs each handle
    as a stint of the task whose step it is (and where that task then suspends), else of the task
    that scheduled it. Runs for every callback of the loop, so a stint's beginning and end_stint's
    common cases are inline, one frame, and what it reads of the tracer's is bound once, in its
    cells (the maps and the buffer are never replaced; after a fork the tracer has ended). (Records
    added by `+=` or by a bound `extend` cost the same: callgrind, 2026-12-05.)"""
    find_task = tracer.task_ids.get
    scheduled = tracer.scheduled
    scheduled_pop = scheduled.pop
    await_tasks = tracer.await_tasks
    buf = tracer.w.buf
    clock = time.perf_counter
    pack_idle_run = _pack_idle_run
    idle_head = _IDLE_HEAD
    ref = weakref.ref
    future_type = _Future
    timer_type = _TimerHandle
    lag_cb = tracer.lag_cb
    plain_handle = asyncio.events.Handle
    owned_handle = _OwnedHandle
    owned_timer = _OwnedTimerHandle
    check_ms = tracer.cpu_check_ms  # (set once, before the tracer is installed)
    # How a runner calls a callback where it does Handle._run's work (`inline`): asyncio's
    # `self._context.run(self._callback, *self._args)` reads `run` as an attribute and calls it with
    # its arguments unpacked — a bound method made, and a list made and turned into a tuple, for
    # every callback, where a call with its arguments written out reads `run` as a method, bound to
    # nothing, and passes them as they are (CPython 3.11 specializes both). So a callback with no
    # arguments (a task's step, a reader's read: `args` is the empty tuple, one object in CPython)
    # and ones with a tuple of one (a future's done callback, a task's wakeup) or two (a timer's
    # `futures._set_result_unless_cancelled(fut, result)`, as `asyncio.sleep` past 0 sets) are
    # called so; the call is the same call, with the same arguments, for any context and any
    # callback. Counted in a loop (callgrind, CPython 3.11.7): 1,799 instructions a callback with
    # none, 778 so; with one, 2,195 and 1,452; with two, 1,815 and 1,348 in another loop's count
    # (the tuple's type checked: `len` and `[0]` of another iterable need not be what unpacking it
    # gives).
    no_args = ()
    # Whether the runners do Handle._run's work themselves (asyncio's Handle._run the code the tracer
    # knows), else call it.
    inline = _HANDLE_RUN_DEBUG is not None

    def _run_handle(handle):
        nonlocal buf
        if tracer.ended:
            return handle_run(handle)
        try:
            loop = handle._loop
            if loop is not tracer.lag_loop and loop is not None:
                tracer.watch_loop(loop)
                if loop is not tracer.lag_loop:
                    return handle_run(handle)  # another thread's loop (see Tracer.traces)
            callback = handle._callback
            # A task's own step (or wakeup): a method of the task. A C Task's step first: the most
            # common callback, and its __self__ a task.
            # (Its weak reference kept for the task's last step: end_stint pops its entry by it.)
            if type(callback) is _task_step:
                owner = callback.__self__
                key = ref(owner)
                task = find_task(key)
            else:
                owner = getattr(callback, "__self__", None)
                if isinstance(owner, future_type):
                    key = ref(owner)
                    task = find_task(key)
                else:
                    task = None
            if task is not None:
                head = _RUN_PROMISE
            else:
                owner = None
                kind = type(handle)
                if kind is owned_timer:
                    task, head = handle._looplens_by, _RUN_TIMER
                elif kind is owned_handle:
                    task, head = handle._looplens_by, _RUN_RESUME
                elif scheduled:
                    task = scheduled_pop(id(handle), None)
                    head = _RUN_TIMER if isinstance(handle, timer_type) else _RUN_RESUME
                else:
                    task = None
                if task is not None:
                    if task < 0:
                        # Scheduled in an answered request's lane, its verdict left until now
                        # (Tracer.deferred_housekeeping): the request's work, or nobody's.
                        task = tracer.deferred_housekeeping(task, callback)
                        if task == 0:
                            head = _RUN_IO
                elif callback is lag_cb:
                    return handle_run(handle)  # the tracer's own timer (never scheduled) is no stint
                else:
                    task, head = 0, _RUN_IO
                    if kind is plain_handle and not isinstance(
                        getattr(callback, "__self__", None), future_type
                    ):
                        # Nobody's, and so whenever it runs again: a reader's or writer's handle
                        # (add_reader makes one for every readiness of its file) runs through
                        # _run_io from now on, without these lookups (see _IOHandle).
                        handle.__class__ = _IOHandle
            # The stint begins: its RUN, after the IDLE that ended the stint before it (written here,
            # not where that stint ended; again if the watchdog wrote it meanwhile: see
            # Tracer.idle_out).
            t = clock() * 1000.0
            last = tracer.last_end
            buf += pack_idle_run(idle_head, last, head, task, t)
            tracer.current = task
            tracer.stint_start = t
            if t - last >= check_ms:
                # After a gap: the watchdog, parked if it saw the gap (Watchdog.watch), woken for this
                # stint; the counters a long stint's wait is counted from.
                if tracer.parked:
                    tracer.unpark()
                if tracer.lag_resting:
                    tracer.lag_wake(t)
                tracer.cpu_baseline(t)
        except Exception:
            return handle_run(handle)  # the callback runs whatever the tracer's trouble
        try:
            if inline:
                # Handle._run's work, in this frame (see _as_handle_run): one frame a callback. Its
                # `context.run(callback, *args)` written out where the callback has no argument or
                # one (see no_args).
                context, args = handle._context, handle._args
                if args is no_args:
                    context.run(callback)
                elif type(args) is not tuple:
                    context.run(callback, *args)
                elif (n := len(args)) == 1:
                    context.run(callback, args[0])
                elif n == 2:
                    context.run(callback, args[0], args[1])
                else:
                    context.run(callback, *args)
            else:
                handle_run(handle)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            if not inline:
                raise
            callback = loop = context = args = None
            _callback_failed(handle, exc)
            handle = None  # (as Handle._run: a traceback kept holds this frame)
        finally:
            if owner is not None and ((done := owner.done()) or tracer.current in await_tasks):
                # A task's last step (its weak reference handed on), or one whose awaits are read
                # (its task since request_started).
                tracer.end_stint(task, owner, t, tracer.w, key if done else None)
            else:
                # Tracer.end_stint's common case: a callback that is no task's step, or a task's step
                # that suspended. Its IDLE is written with the next stint's RUN; its end first, then
                # no stint (the watchdog's Tracer.idle_out reads them in that order).
                try:
                    end = clock() * 1000.0
                    if end - t >= check_ms:
                        tracer.long_stint(end)
                    tracer.current = 0
                    tracer.last_end = end
                    tracer.stint_start = None
                    if tracer.due:
                        tracer.settle()
                except Exception:
                    pass

    def _run_io(handle):
        """_IOHandle's _run: a stint of nobody's (the I/O's), _run_handle's without its lookups. Its
        machine's share read as any stint's (a protocol's data_received may compute for long: a
        block, or a stint a busy machine stretched): the counters at its start after a gap, its
        wait for a CPU at its end if it was long, and its end kept (test/pythonTracer.test.ts,
        "tells how long a reader's callback waited ...")."""
        nonlocal buf
        if tracer.ended or handle._loop is not tracer.lag_loop:
            return _run_handle(handle)
        t = clock() * 1000.0
        last = tracer.last_end
        buf += pack_idle_run(idle_head, last, io_head, 0, t)
        tracer.current = 0
        tracer.stint_start = t
        if t - last >= check_ms:
            if tracer.parked:
                tracer.unpark()  # (as in _run_handle)
            if tracer.lag_resting:
                tracer.lag_wake(t)
            tracer.cpu_baseline(t)
        try:
            if inline:
                # (As in _run_handle: a reader's callback most often has no arguments.)
                context, args = handle._context, handle._args
                if args is no_args:
                    context.run(handle._callback)
                else:
                    context.run(handle._callback, *args)
            else:
                io_run(handle)
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as exc:
            if not inline:
                raise
            context = args = None
            _callback_failed(handle, exc)
            handle = None
        finally:
            try:
                end = clock() * 1000.0
                if end - t >= check_ms:
                    tracer.long_stint(end)
                tracer.current = 0
                tracer.last_end = end
                tracer.stint_start = None
                if tracer.due:
                    tracer.settle()
            except Exception:
                pass

    io_head = _RUN_IO
    io_run = _own_code(handle_run)  # (asyncio's, in a copy of its own: see _own_code)
    if inline:
        _run_handle, _run_io = _as_handle_run(_run_handle, handle_run), _as_handle_run(_run_io, handle_run)
        _RUNNER_CODES[0], _RUNNER_CODES[1] = _run_handle.__code__, _run_io.__code__
    _IOHandle._run = _named(_run_io, handle_run)
    return _run_handle


class _Scheduled:
    """What a patched uvloop call_soon / call_later / call_at hands the loop instead of `callback`:
    runs it as a stint — as in _run_handle, a task's own step is that task's, anything else the
    scheduler's. It passes for the callback where uvloop names it (a handle's repr, "Exception in
    callback ..."), and adds one frame, this __call__, to the traceback of the callback's error:
    uvloop runs callbacks in C, so nothing else is called around them. Made without an __init__
    (_uvloop_call sets its slots: one Python frame fewer for every callback scheduled)."""

    __slots__ = ("callback", "scheduler", "head")

    def __getattr__(self, name):
        # Only for what instances lack: the callback's names (none where the callback has none).
        if name == "__qualname__" or name == "__name__":
            return getattr(self.callback, name)
        raise AttributeError(name)

    def __repr__(self):
        return repr(self.callback)

    def __call__(self, *args):
        """Runs the callback as a stint: its beginning and end_stint's common cases, inline (as in
        _run_handle)."""
        callback = self.callback
        tracer = _tracer
        if tracer is None or tracer.ended:
            return callback(*args)
        try:
            # A task's own step (or wakeup): a method of the task. A C Task's step first: the most
            # common callback, and its __self__ a task.
            if type(callback) is _task_step:
                owner = callback.__self__
                key = _ref(owner)
                task = tracer.task_ids.get(key)
            else:
                owner = getattr(callback, "__self__", None)
                if isinstance(owner, _Future):
                    key = _ref(owner)
                    task = tracer.task_ids.get(key)
                else:
                    task = None
                if _task_step is _NotYet and task is not None:
                    _learn_step(callback)
            if task is not None:
                head = _RUN_PROMISE
            else:
                owner = None
                task = self.scheduler
                if task > 0:
                    head = self.head
                else:
                    head = _RUN_IO
                    if task < 0:
                        # A timer's verdict left until it runs (Tracer.deferred_housekeeping).
                        task = tracer.deferred_housekeeping(task, callback)
                        if task:
                            head = self.head
            t = _perf_counter() * 1000.0
            w = tracer.w
            last = tracer.last_end
            w.buf += _pack_idle_run(_IDLE_HEAD, last, head, task, t)  # (as in _run_handle)
            tracer.current = task
            tracer.stint_start = t
            if t - last >= tracer.cpu_check_ms:
                if tracer.parked:
                    tracer.unpark()  # (as in _run_handle)
                if tracer.lag_resting:
                    tracer.lag_wake(t)
                tracer.cpu_baseline(t)
        except Exception:
            return callback(*args)  # the callback runs whatever the tracer's trouble
        # Outside the try: an exception of the callback's own is the loop's to report, once. Its
        # arguments written out where there are none, one or two (uvloop hands them over as a tuple
        # already): `callback(*args)` is a call through PyObject_Call with that tuple
        # (CALL_FUNCTION_EX, which CPython 3.11 does not specialize), where a call with its
        # arguments written out is specialized for the callable's type (see _stint_runner's
        # no_args). The same call with the same arguments.
        try:
            if not args:
                return callback()
            if (n := len(args)) == 1:
                return callback(args[0])
            if n == 2:
                return callback(args[0], args[1])
            return callback(*args)
        finally:
            if owner is not None and ((done := owner.done()) or tracer.current in tracer.await_tasks):
                # A task's last step (its weak reference handed on), or one whose awaits are read.
                tracer.end_stint(task, owner, t, w, key if done else None)
            else:
                try:
                    end = _perf_counter() * 1000.0
                    if end - t >= tracer.cpu_check_ms:
                        tracer.long_stint(end)
                    tracer.current = 0
                    tracer.last_end = end
                    tracer.stint_start = None
                    if tracer.due:
                        tracer.settle()
                except Exception:
                    pass


# The tracer's frames that run a loop callback as a stint (see _blamed): _run_handle's and _run_io's
# code, or what _as_handle_run made of them once installed.
_RUNNER_CODES = [
    next(c for c in _stint_runner.__code__.co_consts if getattr(c, "co_name", "") == "_run_handle"),
    next(c for c in _stint_runner.__code__.co_consts if getattr(c, "co_name", "") == "_run_io"),
]
_SCHEDULED_CALL_CODE = _Scheduled.__call__.__code__
_new_scheduled = object.__new__


def _uvloop_call(original, reason, timed):
    """uvloop's call_soon (timed=False) or call_later / call_at (timed: a delay or time first).
    Called for every callback scheduled (a C Task's every step): the watched loop's case inline,
    and no `*args` or keyword dictionary passed on when there are none."""
    head = _RUN_HEAD | reason << 16

    def hand(tracer, loop):
        tracer.watch_loop(loop)
        if loop is not tracer.lag_loop:
            return None  # another thread's loop (see Tracer.traces)
        return tracer.current  # (0 outside a stint)

    if timed:

        def call(self, when, callback, *args, context=None):
            tracer = _tracer
            if tracer is None or tracer.ended or callback is tracer.lag_cb:
                return original(self, when, callback, *args, context=context)
            if self is tracer.lag_loop:
                scheduler = tracer.current  # (0 outside a stint)
                if scheduler in tracer.answered:
                    if not args:
                        # Whether it is housekeeping is asked if it runs, not now (as the standard
                        # loop's patched call_at: Tracer.deferred_housekeeping).
                        scheduler = -scheduler
                    elif tracer.housekeeping(callback, args):
                        scheduler = 0  # a server's or a library's housekeeping (Tracer.housekeeping)
            else:
                try:
                    scheduler = hand(tracer, self)
                except Exception:
                    scheduler = None
                if scheduler is None:
                    return original(self, when, callback, *args, context=context)
            scheduled = _new_scheduled(_Scheduled)
            scheduled.callback = callback
            scheduled.scheduler = scheduler
            scheduled.head = head
            if args:
                return original(self, when, scheduled, *args, context=context)
            return original(self, when, scheduled, context=context)

    else:

        def call(self, callback, *args, context=None):
            tracer = _tracer
            if tracer is None or tracer.ended or callback is tracer.lag_cb:
                return original(self, callback, *args, context=context)
            if self is tracer.lag_loop:
                scheduler = tracer.current  # (0 outside a stint)
                if scheduler in tracer.answered:
                    kept = tracer.housekeeping(callback, args)
                    if kept == QUIET:
                        return original(self, callback, *args, context=context)  # (run as no stint)
                    if kept:
                        scheduler = 0  # a server's or a library's housekeeping (Tracer.housekeeping)
            else:
                try:
                    scheduler = hand(tracer, self)
                except Exception:
                    scheduler = None
                if scheduler is None:
                    return original(self, callback, *args, context=context)
            scheduled = _new_scheduled(_Scheduled)
            scheduled.callback = callback
            scheduled.scheduler = scheduler
            scheduled.head = head
            if args:
                return original(self, scheduled, *args, context=context)
            return original(self, scheduled, context=context)

    return call


def _patched_run_forever(run_forever):
    """A loop's run_forever that tells the tracer when the script's own code stops and goes on."""

    def patched_run_forever(self, *args, **kwargs):
        tracer = _tracer
        if tracer is None or tracer.ended or not tracer.traces(self):
            return run_forever(self, *args, **kwargs)
        try:
            tracer.loop_starts()
            if self.get_debug():
                _scrub_futures(type(self))
        except Exception:
            pass
        try:
            return run_forever(self, *args, **kwargs)
        finally:
            try:
                if _tracer is not None:
                    _tracer.loop_stopped()
            except Exception:
                pass

    return _named(patched_run_forever, run_forever)


def _patch_uvloop(module):
    """uvloop.Loop (a Python subclass of its C loop): the same tasks and stints as the standard loop."""
    loop_cls = getattr(module, "Loop", None)
    if not isinstance(loop_cls, type) or loop_cls.__dict__.get("_looplens_patched", False):
        return
    # uvloop's transports are no subclasses of asyncio's: a connection's all the same.
    global _connection_types
    transport = getattr(getattr(module, "loop", None), "UVBaseTransport", None)
    if isinstance(transport, type) and transport not in _connection_types:
        _connection_types = _connection_types + (transport,)
    loop_cls.create_task = _patched_create_task(loop_cls.create_task)
    loop_cls.run_forever = _patched_run_forever(loop_cls.run_forever)
    loop_cls.call_soon = _uvloop_call(loop_cls.call_soon, REASON_RESUME, False)
    loop_cls.call_later = _uvloop_call(loop_cls.call_later, REASON_TIMER, True)
    loop_cls.call_at = _uvloop_call(loop_cls.call_at, REASON_TIMER, True)
    loop_cls._looplens_patched = True


class _UvloopFinder:
    """Patches uvloop as it is imported (by the program or by uvicorn's loop set-up)."""

    def find_spec(self, name, path=None, target=None):
        if name != "uvloop":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        try:
            spec = importlib.util.find_spec(name)
            loader = spec.loader if spec is not None else None
            if loader is None or not hasattr(loader, "exec_module"):
                return spec
            exec_module = loader.exec_module

            def exec_and_patch(module):
                exec_module(module)
                try:
                    _patch_uvloop(module)
                except Exception:
                    pass

            loader.exec_module = exec_and_patch
            return spec
        except Exception:
            return None


_events = asyncio.events


# asyncio's BaseEventLoop._call_soon as Python 3.11 has it (the patched one does its work itself when
# the running Python's is this very code: see _install).
def _asyncio_call_soon(self, callback, args, context):
    handle = events.Handle(callback, args, self, context)  # noqa: F821 (asyncio's module, never run here)
    if handle._source_traceback:
        del handle._source_traceback[-1]
    self._ready.append(handle)
    return handle


# asyncio's BaseEventLoop.call_soon, call_at and _check_closed as Python 3.11 to 3.13 have them (the
# patched call_soon and call_at do their work themselves when the running Python's are this very
# code: see _install). (Their docstrings are not compared.)
def _asyncio_call_soon_public(self, callback, *args, context=None):
    """asyncio's call_soon."""
    self._check_closed()
    if self._debug:
        self._check_thread()
        self._check_callback(callback, "call_soon")
    handle = self._call_soon(callback, args, context)
    if handle._source_traceback:
        del handle._source_traceback[-1]
    return handle


def _asyncio_call_at(self, when, callback, *args, context=None):
    """asyncio's call_at."""
    if when is None:
        raise TypeError("when cannot be None")
    self._check_closed()
    if self._debug:
        self._check_thread()
        self._check_callback(callback, "call_at")
    timer = events.TimerHandle(when, callback, args, self, context)  # noqa: F821 (asyncio's module)
    if timer._source_traceback:
        del timer._source_traceback[-1]
    heapq.heappush(self._scheduled, timer)  # noqa: F821 (asyncio's module)
    timer._scheduled = True
    return timer


def _asyncio_check_closed(self):
    if self._closed:
        raise RuntimeError("Event loop is closed")


# asyncio's Handle._run as Python 3.11 and 3.12 have it, and as 3.13 has it (its source told with the
# loop's debug mode): where the running Python's is either, the stint runners do its work themselves
# (see _as_handle_run).
def _asyncio_handle_run(self):
    try:
        self._context.run(self._callback, *self._args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        cb = format_helpers._format_callback_source(self._callback, self._args)  # noqa: F821 (asyncio's)
        msg = f"Exception in callback {cb}"
        context = {
            "message": msg,
            "exception": exc,
            "handle": self,
        }
        if self._source_traceback:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)
    self = None  # Needed to break cycles when an exception occurs.


def _asyncio_handle_run_debug(self):
    try:
        self._context.run(self._callback, *self._args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        cb = format_helpers._format_callback_source(  # noqa: F821 (asyncio's; its lines as asyncio's)
            self._callback, self._args,
            debug=self._loop.get_debug())
        msg = f"Exception in callback {cb}"
        context = {
            "message": msg,
            "exception": exc,
            "handle": self,
        }
        if self._source_traceback:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)
    self = None  # Needed to break cycles when an exception occurs.


def _callback_failed(handle, exc):
    """What asyncio's Handle._run does when a callback raises (`exc`, not SystemExit or
    KeyboardInterrupt), for the stint runners that do Handle._run's work themselves: the loop's
    exception handler told, as 3.11 to 3.13 tell it (_HANDLE_RUN_DEBUG: 3.13's source told with the
    loop's debug mode)."""
    helpers = _events.format_helpers
    if _HANDLE_RUN_DEBUG:
        source = helpers._format_callback_source(handle._callback, handle._args, debug=handle._loop.get_debug())
    else:
        source = helpers._format_callback_source(handle._callback, handle._args)
    context = {"message": f"Exception in callback {source}", "exception": exc, "handle": handle}
    if handle._source_traceback:
        context["source_traceback"] = handle._source_traceback
    handle._loop.call_exception_handler(context)


def _as_handle_run(function, reference):
    """A stint runner that does Handle._run's work itself (`function`, its closure as it is), its code
    named and placed as asyncio's Handle._run (`reference`): its file, its name, and every
    instruction at the line that calls the callback. A traceback through it (a callback's error the
    loop logs, a SystemExit) and a stack read from the callback (`inspect.stack()`, logging's caller,
    a warning's `stacklevel`) read as untraced: one frame of asyncio's between the callback and the
    loop, where the runner around asyncio's own Handle._run was a frame more, and the tracer's. (One
    frame fewer for every callback: a Python call's frame, some 0.4 k instructions a stint.) The
    runner is told from asyncio's frame by its code (_RUNNER_CODES). `function` as it is if any of
    this fails."""
    try:
        import opcode

        code, ref = function.__code__, reference.__code__
        call = opcode.opmap["CALL_FUNCTION_EX"]  # (the callback's call: `run(callback, *args)`)
        raw = ref.co_code
        unit = next(i // 2 for i in range(0, len(raw), 2) if raw[i] == call)
        line, end_line, column, end_column = list(ref.co_positions())[unit]

        def varint(value):
            out = bytearray()
            while value >= 64:
                out.append(0x40 | value & 63)
                value >>= 6
            out.append(value)
            return out

        # The location table (CPython 3.11 to 3.13, Objects/locations.md): entries of up to 8 code
        # units each, at a line delta of 0 from co_firstlineno, and the call's columns (3.13 marks a
        # traceback's line by them): the long form (code 14), else "a line, no columns" (code 13).
        if column is None or end_column is None or end_line is None:
            entry, form = b"\0", 13
        else:
            entry, form = b"\0" + varint(end_line - line) + varint(column + 1) + varint(end_column + 1), 14
        units = len(code.co_code) // 2
        table = bytearray()
        while units > 0:
            n = min(units, 8)
            table += bytes((0x80 | form << 3 | n - 1,)) + entry
            units -= n
        code = code.replace(
            co_filename=ref.co_filename,
            co_name=ref.co_name,
            co_qualname=ref.co_qualname,
            co_firstlineno=line,
            co_linetable=bytes(table),
        )
        return types.FunctionType(code, function.__globals__, ref.co_name, function.__defaults__, function.__closure__)
    except Exception:
        return function


def _same_code(function, reference):
    """Whether `function` is `reference`'s code: the same operations (a method call's attribute
    read as LOAD_ATTR or LOAD_METHOD alike: the standard library's compiled files say LOAD_ATTR where
    compiling the same source now says LOAD_METHOD; likewise 3.13's read an attribute and push a
    NULL, PUSH_NULL, where its method form reads the method), names, constants and arguments."""
    try:
        import opcode

        def operations(code):
            load_method = opcode.opmap.get("LOAD_METHOD", -1)
            load_attr = opcode.opmap["LOAD_ATTR"]
            cache = opcode.opmap.get("CACHE", 0)
            push_null = opcode.opmap.get("PUSH_NULL", -1)
            raw = code.co_code
            return [load_attr if op == load_method else op for op in raw[::2] if op != cache and op != push_null]

        a, b = function.__code__, reference.__code__
        consts, reference_consts = a.co_consts, b.co_consts
        doc, reference_doc = function.__doc__, reference.__doc__
        if doc is not None and reference_doc is not None:
            if consts[:1] == (doc,) and reference_consts[:1] == (reference_doc,):
                consts, reference_consts = consts[1:], reference_consts[1:]  # (their docstrings)
        return (
            a.co_names == b.co_names
            and consts == reference_consts
            and a.co_kwonlyargcount == b.co_kwonlyargcount
            and a.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS) == b.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS)
            and a.co_varnames == b.co_varnames
            and a.co_argcount == b.co_argcount
            and operations(a) == operations(b)
        )
    except Exception:
        return False


# Whether asyncio's Handle._run is the code the tracer knows: False (3.11's and 3.12's), True
# (3.13's), or None (another: the stint runners call it).
_HANDLE_RUN_DEBUG = (
    False
    if _same_code(asyncio.events.Handle._run, _asyncio_handle_run)
    else True
    if _same_code(asyncio.events.Handle._run, _asyncio_handle_run_debug)
    else None
)


class _QuietHandle(asyncio.events.Handle):
    """A handle the standard loop runs as no stint (see Tracer.housekeeping's QUIET): asyncio's own
    Handle._run, not the patched one. What the loop reads of it is a Handle's (its name too)."""

    __slots__ = ()


_QuietHandle.__name__ = _QuietHandle.__qualname__ = "Handle"
_QuietHandle.__module__ = asyncio.events.Handle.__module__


class _IOHandle(asyncio.events.Handle):
    """A handle the standard loop runs as a stint of nobody's whenever it runs (its _run set by
    _stint_runner): one _run_handle found nobody's and whose callback no task owns, most often a
    reader's — asyncio makes one handle per add_reader, queued at every readiness of its file (a
    connection's every read) — where _run_handle looked up its callback's owner, and the scheduler
    of a handle that call_soon and call_at never queued, each time (~1 k instructions a read). What
    the loop and the program read of it is a Handle's."""

    __slots__ = ()


_IOHandle.__name__ = _IOHandle.__qualname__ = "Handle"
_IOHandle.__module__ = asyncio.events.Handle.__module__


class _OwnedHandle(asyncio.events.Handle):
    """A handle the patched call_soon made in a task's stint, carrying the task that scheduled it
    (`_looplens_by`: its id; see Tracer.scheduled): _run_handle reads it there, where a handle
    asyncio's code made is looked up by its id in the tracer's map — an id made, an entry made and
    popped, and a patched Handle.cancel dropping it (uvicorn's keep-alive timer, set and cancelled
    once a request). What the loop and the program read of it is a Handle's."""

    __slots__ = ("_looplens_by",)


class _TimerBase(asyncio.events.Handle):
    """Between TimerHandle and Handle in _OwnedTimerHandle's order of classes: what its copy of
    TimerHandle.__init__ reaches by `super().__init__` is a copy of Handle.__init__ of its own (see
    _own_code), not asyncio's. Adds nothing to a Handle."""

    __slots__ = ()


class _OwnedTimerHandle(asyncio.events.TimerHandle, _TimerBase):
    """_OwnedHandle's timer: a TimerHandle the patched call_at made in a task's stint (a negative
    `_looplens_by`: its verdict left until it runs, Tracer.deferred_housekeeping)."""

    __slots__ = ("_looplens_by",)


_OwnedHandle.__name__ = _OwnedHandle.__qualname__ = "Handle"
_OwnedHandle.__module__ = asyncio.events.Handle.__module__
_OwnedTimerHandle.__name__ = _OwnedTimerHandle.__qualname__ = "TimerHandle"
_OwnedTimerHandle.__module__ = asyncio.events.TimerHandle.__module__
_TimerBase.__name__ = _TimerBase.__qualname__ = "Handle"
_TimerBase.__module__ = asyncio.events.Handle.__module__


def _own_code(function):
    """`function` again, its very code in a code object of its own: the same names, file and lines
    (a traceback through it reads as through the original), its own inline caches. CPython 3.11
    keeps what an instruction learnt of the types it meets (an attribute at a slot of a known
    type) in its code object, and an instruction that meets one type after another runs the
    generic way: asyncio's Handle.__init__ and Handle._run, run for the tracer's Handle subclasses
    as well as for asyncio's own handles (three types a FastAPI request, where untraced one),
    stored and read each handle's attributes by the type's attribute lookup. Each subclass runs a
    copy of its own, and asyncio's code meets asyncio's types. (Made when the tracer is installed:
    a program that replaces Handle.__init__ later replaces it for asyncio's handles, not for
    these.)"""
    if type(function) is not types.FunctionType:
        return function
    copy = types.FunctionType(
        function.__code__.replace(),
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__dict__.update(function.__dict__)
    return _named(copy, function)


def _install(tracer, block_ms=DEFAULT_BLOCK_MS):
    """Class-level patches of asyncio's pure-Python parts; each falls back to the original."""
    handle_run = asyncio.events.Handle._run
    # The tracer's Handle subclasses make and run their handles by copies of asyncio's code (see
    # _own_code); _IOHandle's copy of Handle._run is _run_io's.
    _QuietHandle._run = _own_code(handle_run)
    handle_init = asyncio.events.Handle.__init__
    for cls in (_QuietHandle, _OwnedHandle, _TimerBase):
        cls.__init__ = _own_code(handle_init)
    _OwnedTimerHandle.__init__ = _own_code(asyncio.events.TimerHandle.__init__)
    asyncio.events.Handle._run = _named(_stint_runner(tracer, handle_run), handle_run)

    loop_cls = asyncio.base_events.BaseEventLoop
    loop_cls.create_task = _patched_create_task(loop_cls.create_task, standard=True)
    helpers = asyncio.format_helpers
    helpers.extract_stack = _patched_extract_stack(helpers.extract_stack)
    loop_cls.run_forever = _patched_run_forever(loop_cls.run_forever)

    # What each callback the program schedules runs as: the task that scheduled it. call_soon and
    # call_soon_threadsafe go through _call_soon, call_later through call_at. The signatures are the
    # originals' (no **kwargs dict per call).
    call_soon = loop_cls._call_soon
    call_at = loop_cls.call_at
    owned_handle = _OwnedHandle
    owned_timer = _OwnedTimerHandle

    # A handle asyncio's code made (a fallback of the patches below) is noted in the tracer's map by
    # its id until it runs or is cancelled; Handle.cancel is patched to drop its entry once the first
    # is noted — on the standard loop, in debug mode or a loop class of the program's only.
    handle_cancel = asyncio.events.Handle.cancel
    # (The tracer's map, never replaced: after a fork the child's copy, which nothing reads.)
    scheduled = tracer.scheduled
    scheduled_pop = scheduled.pop

    def cancel(self):
        scheduled_pop(id(self), None)
        return handle_cancel(self)

    _named(cancel, handle_cancel)

    def note_scheduled(handle, scheduler):
        if asyncio.events.Handle.cancel is handle_cancel:
            asyncio.events.Handle.cancel = cancel
        scheduled[id(handle)] = scheduler  # (bounded by the lag probe)

    # Called for every callback scheduled: a handle runs as the task running now (_run_handle), unless
    # it is a task's own step, or another thread scheduled it (call_soon_threadsafe: the task running
    # now is the loop thread's, not the scheduler's). asyncio's internal _call_soon, not call_soon:
    # called from call_soon with its arguments as they are (no `*args`, no keyword: a C Task's step
    # scheduled by call_soon(step, context=...) came through a keyword call, not inlined as well).
    def patched_call_soon(self, callback, args, context):
        handle = call_soon(self, callback, args, context)
        if type(callback) is _task_step:
            return handle  # a C Task's step: its task's (_run_handle)
        tracer = _tracer
        if tracer is not None and tracer.current != 0 and (self is tracer.lag_loop or tracer.traces(self)):
            try:
                if not isinstance(getattr(callback, "__self__", None), _Task):
                    thread = self._thread_id  # (None until the loop runs: the loop's thread then)
                    if thread is None or thread == _get_ident():
                        if tracer.current not in tracer.answered:
                            note_scheduled(handle, tracer.current)  # (bounded by the lag probe)
                        else:
                            kept = tracer.housekeeping(callback, args)
                            if not kept:
                                note_scheduled(handle, tracer.current)
                            elif kept == QUIET:
                                handle.__class__ = _QuietHandle  # (runs as no stint)
                elif _task_step is _NotYet:
                    _learn_step(callback)
            except Exception:
                pass  # never disturb the program
        return handle

    def inline_call_soon(self, callback, args, context):
        # _call_soon's own work, where it is the code of _asyncio_call_soon (one frame fewer for every
        # callback scheduled, the most common of them a C Task's step). In debug mode the handle's
        # stack leaves this frame out already (the patched extract_stack), where _call_soon deletes
        # its own frame's entry.
        if type(callback) is _task_step:
            handle = _events.Handle(callback, args, self, context)
            self._ready.append(handle)
            return handle  # a C Task's step: its task's (_run_handle)
        # What the handle runs as is known before it is made: a quiet one is made as such.
        scheduler = 0
        kind = _events.Handle
        tracer = _tracer
        if tracer is not None and tracer.current != 0 and (self is tracer.lag_loop or tracer.traces(self)):
            try:
                if (
                    type(callback) is _BuiltinMethodType
                    and args
                    and args[0] is _running_task(self)
                    and type(callback.__self__) in _QUIET_OWNERS
                    and tracer.current in tracer.answered
                    and args[0].done()
                ):
                    # The request's finished task's done callback, a builtin container's method
                    # (uvicorn's `set.discard`, once a request), asked first: Tracer.housekeeping's
                    # QUIET, inline (no container is a connection, nor a task). The task that
                    # finished is the one whose step runs (a task finishes in its own step; asyncio
                    # names it by the loop, without a weak reference made and looked up), and in an
                    # answered request's lane that is the request's own task, whose id the stint
                    # runs as: housekeeping's `task_ids` check. (It is the loop's thread that
                    # schedules it: another thread's call finds the loop's task running, not done.)
                    kind = _QuietHandle  # (runs as no stint)
                elif not isinstance(getattr(callback, "__self__", None), _Task):
                    thread = self._thread_id  # (None until the loop runs: the loop's thread then)
                    if thread is None or thread == _get_ident():
                        scheduler = tracer.current
                        if scheduler in tracer.answered:
                            kept = tracer.housekeeping(callback, args)
                            if kept:
                                scheduler = 0
                                if kept == QUIET:
                                    kind = _QuietHandle  # (runs as no stint)
                elif _task_step is _NotYet:
                    _learn_step(callback)
            except Exception:
                scheduler, kind = 0, _events.Handle  # never disturb the program
        if scheduler:
            # The handle carries its scheduler (_run_handle reads it): no map entry to make, pop
            # or drop when it is cancelled.
            handle = owned_handle(callback, args, self, context)
            handle._looplens_by = scheduler
        else:
            handle = kind(callback, args, self, context)
        self._ready.append(handle)
        return handle

    check_closed = loop_cls._check_closed
    # Loop classes whose _check_closed and _call_soon are asyncio's own (and the patch's): the patched
    # call_soon and call_at do asyncio's work themselves only for those (a subclass of the program's
    # may have its own, which asyncio's call_soon and call_at call).
    plain_loops = set()

    def plain_loop(cls):
        if cls._check_closed is check_closed and cls._call_soon is loop_cls._call_soon:
            if len(plain_loops) < 64:
                plain_loops.add(cls)
            return True
        return False

    # asyncio's call_at, done by the patch itself (one frame where asyncio's runs two: call_at and
    # _check_closed) where it is the code the tracer knows; in debug mode, on a closed loop (its
    # error raised by asyncio's own code) or a loop of another kind, asyncio's.
    inline_at = _same_code(call_at, _asyncio_call_at) and _same_code(check_closed, _asyncio_check_closed)
    timer_handle = _events.TimerHandle
    heappush = heapq.heappush

    def patched_call_at(self, when, callback, *args, context=None):
        # Who scheduled it, known before the handle is made: a handle made here carries it.
        scheduler = 0
        tracer = _tracer
        # (Not the tracer's own timer: _run_handle runs it as no stint.)
        if (
            tracer is not None
            and tracer.current != 0
            and callback is not tracer.lag_cb
            and (self is tracer.lag_loop or tracer.traces(self))
        ):
            try:  # (as in patched_call_soon)
                if not isinstance(getattr(callback, "__self__", None), _Task):
                    scheduler = tracer.current
                    if scheduler in tracer.answered:
                        if not args:
                            # A timer in an answered request's lane (uvicorn's keep-alive timer, once
                            # a request, most often cancelled by the next request before it fires):
                            # whether it is housekeeping is asked if it runs (see
                            # Tracer.deferred_housekeeping), not now.
                            scheduler = -scheduler
                        elif tracer.housekeeping(callback, args):
                            scheduler = 0
            except Exception:
                scheduler = 0  # never disturb the program
        if (
            inline_at
            and when is not None
            and not self._closed
            and not self._debug
            and (type(self) in plain_loops or plain_loop(type(self)))
        ):
            if scheduler:
                handle = owned_timer(when, callback, args, self, context)
                handle._looplens_by = scheduler
            else:
                handle = timer_handle(when, callback, args, self, context)
            heappush(self._scheduled, handle)
            handle._scheduled = True
            return handle
        if args:
            handle = call_at(self, when, callback, *args, context=context)
        else:
            handle = call_at(self, when, callback, context=context)
        if scheduler:
            try:
                note_scheduled(handle, scheduler)  # (asyncio's handle: the map)
            except Exception:
                pass
        return handle

    if _same_code(call_soon, _asyncio_call_soon):
        patched_call_soon = inline_call_soon
    _named(patched_call_soon, call_soon)
    _named(patched_call_at, call_at)
    loop_cls._call_soon = patched_call_soon
    loop_cls.call_at = patched_call_at
    public_call_soon = loop_cls.call_soon

    def inline_public_call_soon(self, callback, *args, context=None):
        # asyncio's call_soon and the _call_soon it calls, in one frame where asyncio runs three
        # (call_soon, _check_closed, _call_soon): a C Task schedules every step of its own through
        # it. In debug mode, on a closed loop (its error raised by asyncio's own code) or a loop
        # whose _check_closed or _call_soon is not asyncio's, asyncio's call_soon.
        if self._closed or self._debug or type(self) not in plain_loops and not plain_loop(type(self)):
            return public_call_soon(self, callback, *args, context=context)
        if type(callback) is _task_step:
            handle = _events.Handle(callback, args, self, context)
            self._ready.append(handle)
            return handle  # a C Task's step: its task's (_run_handle)
        return inline_call_soon(self, callback, args, context)

    if (
        patched_call_soon is inline_call_soon
        and _same_code(public_call_soon, _asyncio_call_soon_public)
        and _same_code(check_closed, _asyncio_check_closed)
    ):
        loop_cls.call_soon = _named(inline_public_call_soon, public_call_soon)

    # asyncio.create_task and a TaskGroup's name a task made without a name (asyncio's
    # _set_task_name): the name the program gave it is its lane's (Tracer.name_task).
    set_task_name = getattr(asyncio.tasks, "_set_task_name", None)
    if set_task_name is not None:

        def patched_set_task_name(task, name):
            if name is None:
                return  # (as the original: nothing to name)
            set_task_name(task, name)
            tracer = _tracer
            if tracer is not None and not tracer.ended:
                try:
                    tracer.name_task(task)
                except Exception:
                    pass  # never disturb the program

        asyncio.tasks._set_task_name = _named(patched_set_task_name, set_task_name)


    if "uvloop" in sys.modules:
        _patch_uvloop(sys.modules["uvloop"])
    else:
        sys.meta_path.insert(0, _UvloopFinder())

    def at_exit():
        # The last atexit callback to run (the first registered): a signal now whose handler raises
        # (a Ctrl+C, a program's timeout) would raise in the tracer's code, cut the trace's end
        # short and print "Exception ignored in atexit callback" into the program's output. The
        # program's handlers are held while the trace ends (what comes then is let go: untraced,
        # nothing of the program's runs any more), then given back.
        held = {}
        try:
            _hold_signals(held)
            # How the program ended, read once it has: Python keeps an uncaught exception it
            # reported in sys.last_type (no excepthook of the tracer's is installed: sys.excepthook
            # stays the program's). KeyboardInterrupt ends the process with SIGINT after it is
            # reported.
            tracer = _tracer
            if tracer is not None:
                kind = getattr(sys, "last_type", None)
                if isinstance(kind, type) and issubclass(kind, KeyboardInterrupt):
                    tracer.finish(END_SIGNAL, int(signal.SIGINT))
                elif isinstance(kind, type) and issubclass(kind, BaseException):
                    tracer.finish(END_UNCAUGHT, 1)
                else:
                    tracer.finish()
        except BaseException:
            pass  # never disturb the exit
        finally:
            for signum, handler in held.items():
                try:
                    signal.signal(signum, handler)
                except BaseException:
                    pass

    atexit.register(at_exit)

    time.sleep = _timed_sleep(tracer, time.sleep, block_ms)

    def forked():
        # A forked child (multiprocessing's fork, a process pool) is not the traced program: it must
        # not write into the parent's trace. It runs untraced (its copy of the buffer is dropped).
        global _tracer
        if _tracer is not None:
            _tracer.ended = True
            _tracer.w.buf = bytearray()
            _tracer.w.broken = True
        _tracer = None

    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=forked)


def _program():
    """The program's script (absolute path, or "" for `-m module` and `-c`) and the main task's name."""
    argv = list(getattr(sys, "orig_argv", []) or [])
    for i, arg in enumerate(argv[1:], 1):
        if arg == "-m" and i + 1 < len(argv):
            return "", "python -m " + argv[i + 1]
        if arg == "-c":
            return "", "python -c"
    if sys.argv and sys.argv[0] and sys.argv[0] not in ("-m", "-c"):
        script = os.path.abspath(sys.argv[0])
        return script, os.path.basename(script)
    return "", "python"


def start():
    """Starts tracing if LOOPLENS_OPTIONS says where to; silent and inert otherwise."""
    global _tracer
    if _tracer is not None:
        return
    try:
        options = json.loads(os.environ.get("LOOPLENS_OPTIONS", ""))
        if not isinstance(options, dict):
            return
        out = options.get("out")
        socket_path = options.get("socket")
        token = options.get("token")
        live = isinstance(socket_path, str) and socket_path != "" and isinstance(token, str)
        # Exactly one destination: a reader's socket (live, with its token) or a file.
        if live == (isinstance(out, str) and out != ""):
            return
        block_ms = options.get("blockMs", DEFAULT_BLOCK_MS)
        if not isinstance(block_ms, (int, float)) or isinstance(block_ms, bool) or not block_ms > 0:
            block_ms = DEFAULT_BLOCK_MS
        # What the tracer does by time, for bench/instructions.ts (under valgrind a program runs ~50
        # times slower, so a probe every 20 ms would be ~50 times more of each request's work than
        # at full speed): `slowdown` N makes every period of the tracer's own N times longer and
        # every rate N times lower (the lag probe and its summaries, the awaits read a second, the
        # watchdog's longest sleep); lagProbeMs and awaitTasksPerSecond set those two on their own.
        global LAG_PROBE_S, LAG_EVERY_MS, AWAIT_TASKS_PER_S, WATCHDOG_SCALE, CPU_CHECK_MS
        slowdown = options.get("slowdown")
        if isinstance(slowdown, (int, float)) and not isinstance(slowdown, bool) and 1 <= slowdown <= 1e6:
            LAG_PROBE_S *= slowdown
            LAG_EVERY_MS *= slowdown
            AWAIT_TASKS_PER_S /= slowdown
            WATCHDOG_SCALE = slowdown
            # A stint's wait for a CPU is read where a stint (or the gap before one) reaches this:
            # under valgrind every stint and every gap would (a schedstat read, ~10 µs, twice a
            # stint), where at full speed a busy server's are far shorter (the Node tracer's
            # cpuCheckMs likewise).
            CPU_CHECK_MS *= slowdown
        probe_ms = options.get("lagProbeMs")
        if isinstance(probe_ms, (int, float)) and not isinstance(probe_ms, bool) and 1 <= probe_ms <= 60000:
            LAG_PROBE_S = probe_ms / 1000.0
        per_s = options.get("awaitTasksPerSecond")
        if isinstance(per_s, (int, float)) and not isinstance(per_s, bool) and 0 < per_s <= 1e6:
            AWAIT_TASKS_PER_S = per_s
        script, name = _program()
        now = time.perf_counter() * 1000.0
        meta = {
            "formatVersion": FORMAT_VERSION,
            "runtime": "python " + platform.python_version(),
            "pid": os.getpid(),
            "script": script,
            "cwd": os.getcwd(),
            "startTime": now,
            "clockOriginEpochMs": time.time() * 1000.0 - now,
            "blockMs": block_ms,
            "mode": "fast",
            "tracer": "looplens-python 0.1",
            "platform": sys.platform + " " + platform.machine(),
        }
        if live:
            writer = Writer(meta, sock=_connect(socket_path, token))
        else:
            writer = Writer(meta, path=out.replace("{pid}", str(os.getpid())))
        tracer = Tracer(writer, script, name, block_ms)
        _tracer = tracer
        _install(tracer, block_ms)
        _thread.start_new_thread(Watchdog(tracer, block_ms).run, ())
    except Exception:
        if _tracer is not None:
            _tracer.ended = True  # (the patches installed hold it: they pass every call on)
        _tracer = None  # bad options or an unwritable file: the program runs untraced
