# A task's timers, counted in instructions (docs/performance.md): a task of the program's sets a
# timer and cancels it (as uvicorn's keep-alive timer is set as a response goes out and cancelled by
# the connection's next request), then sleeps on a timer (asyncio.sleep past 0: a timer that resolves
# a future, then the task's step) — N times. 300 tasks spend the tracer's awaits budget first, as a
# busy server's tasks do, so the count is of a task whose awaits are not read. Under callgrind at two
# lengths, the difference over the difference of N is one round's:
#   for n in 1000 3000; do PYTHONPATH=dist/python PYTHONHASHSEED=0 LOOPLENS_OPTIONS='{"out":
#     "/tmp/timers.looplens","blockMs":1e9,"awaitTasksPerSecond":0.001,"lagProbeMs":60000,
#     "slowdown":1000}' setarch -R valgrind --tool=callgrind --callgrind-out-file=/tmp/timers-$n \
#     python3 bench/pythonTimers.py $n; done
# (untraced: without the tracer on PYTHONPATH and LOOPLENS_OPTIONS).
import asyncio
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def never():
    pass


async def nothing():
    pass


async def timers():
    loop = asyncio.get_running_loop()
    for _ in range(N):
        loop.call_later(5, never).cancel()
        await asyncio.sleep(1e-6)


async def main():
    await asyncio.gather(*(nothing() for _ in range(300)))
    await asyncio.create_task(timers())


asyncio.run(main())
