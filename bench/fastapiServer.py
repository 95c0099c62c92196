# The benchmark's Python server (npm run bench:tracer): FastAPI hello world, and a route with two
# awaits of a simulated database call (each yields to the loop once, as an I/O round trip would),
# served by uvicorn on the standard asyncio loop (BENCH_LOOP=uvloop: on uvloop's). Prints {"port": N}
# when it listens.
import asyncio
import json
import os
import socket
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


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
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)
