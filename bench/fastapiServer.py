# The benchmark's Python server (npm run bench:tracer): FastAPI hello world, and a route with two
# awaits of a simulated database call (each yields to the loop once, as an I/O round trip would),
# served by uvicorn on the standard asyncio loop (BENCH_LOOP=uvloop: on uvloop's). Prints {"port": N}
# when it listens. BENCH_SLOWDOWN=N (bench:instructions, under valgrind): uvicorn's own timer, which
# wakes its server every 0.1 s, wakes it every 0.1 × N s, so that it weighs on a request as it does at
# full speed (under valgrind a request takes about as long as one of its periods: each request would
# pay about one wake-up more, traced a timer scheduled, two stints and a step of the server's task).
import asyncio
import json
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()
TICK_S = 0.1 * float(os.environ.get("BENCH_SLOWDOWN") or 1)


class Server(uvicorn.Server):
    async def main_loop(self):
        # uvicorn's server loop (its date header, max requests and exit checked on each tick), on a
        # slowed tick.
        counter = 0
        while not await self.on_tick(counter):
            await asyncio.sleep(TICK_S)
            counter = (counter + 1) % 864000


@app.get("/")
async def hello():
    return {"hello": "world"}


async def query(value):
    await asyncio.sleep(0)
    return value


@app.get("/async")
async def two_awaits():
    a = await query(1)
    b = await query(2)
    return {"a": a, "b": b}


if __name__ == "__main__":
    # IPPROTO_TCP named: asyncio turns Nagle off only on sockets that say so (else each response
    # waits 40 ms for a delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    print(json.dumps({"port": sock.getsockname()[1]}), flush=True)
    config = uvicorn.Config(app, log_level="warning", loop=os.environ.get("BENCH_LOOP", "asyncio"), http="h11", lifespan="off")
    (Server if TICK_S != 0.1 else uvicorn.Server)(config).run(sockets=[sock])
    sys.exit(0)
