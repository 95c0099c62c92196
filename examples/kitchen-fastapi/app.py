"""The Loop Lens kitchen, in FastAPI: one route per lesson, for the Python tracer.

Run it traced:  looplens record -- /usr/bin/python3 -m uvicorn app:app --app-dir examples/kitchen-fastapi
(Debian: apt install python3-fastapi python3-uvicorn). One chef (the event loop) cooks every dish.
"""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi import BackgroundTasks, FastAPI

app = FastAPI()
pool = ThreadPoolExecutor(max_workers=2)


def compute(seconds):
    """Burns `seconds` of this thread's CPU: the chef stands at the stove. (CPU time, not the clock's:
    on a busy machine the same work takes longer, and the time it waits for a CPU is not work.)"""
    end = time.thread_time() + seconds
    x = 0.0
    while time.thread_time() < end: x += (x + 1.0) ** 0.5  # the chef stands here
    return x


async def fetch(name, seconds):
    await asyncio.sleep(seconds)  # a dish simmers: I/O the chef waits for
    return name


async def fetch_menu():
    return await fetch("menu", 0.2)


async def fetch_stock():
    return await fetch("stock", 0.2)


async def fetch_prices():
    return await fetch("prices", 0.2)


@app.get("/async")
async def simmer():
    await asyncio.sleep(0.1)  # other dishes cook meanwhile
    return {"dish": "async"}


@app.get("/blocking")
async def blocking():
    time.sleep(0.3)  # time.sleep in async def: the chef sleeps at the stove
    return {"dish": "blocking"}


@app.get("/cpu")
async def cpu():
    compute(0.3)
    return {"dish": "cpu"}


@app.get("/sync")
def sync_endpoint():
    time.sleep(0.3)  # a def endpoint runs in a thread: the chef is free
    return {"dish": "sync"}


@app.get("/cpu-thread")
async def cpu_thread():
    await asyncio.get_running_loop().run_in_executor(pool, compute, 0.2)  # sent to a thread
    return {"dish": "cpu-thread"}


@app.get("/parallel")
async def parallel():
    menu, stock, prices = await asyncio.gather(fetch_menu(), fetch_stock(), fetch_prices())
    return {"dish": [menu, stock, prices]}


@app.get("/sequential")
async def sequential():
    menu = await fetch_menu()
    stock = await fetch_stock()
    prices = await fetch_prices()
    return {"dish": [menu, stock, prices]}


async def send_email():
    await asyncio.sleep(0.1)
    compute(0.25)  # still cooking after the response: talking to the mail server


@app.get("/background")
async def background(tasks: BackgroundTasks):
    tasks.add_task(send_email)
    return {"dish": "background"}
