# A traced asyncio task step's CPU time, in-process (python3 bench/asyncioSteps.py [STEPS_PER_TASK]):
# 50 tasks each awaiting `asyncio.sleep(0)` in a loop, after 300 tasks that spend the tracer's awaits
# budget (as a busy server's tasks do), timed with the process's CPU clock. No I/O, no system call a
# step, few collections (gc.callbacks, the whole run: 25 young ones untraced, 1 traced), and the
# tracer's watchdog asleep: what is left is the Python work of a step, traced or not. Untraced, then
# traced:
#   /usr/bin/python3 bench/asyncioSteps.py
#   PYTHONPATH=dist/python LOOPLENS_OPTIONS='{"out":"/tmp/steps.looplens","blockMs":1e9,
#     "awaitTasksPerSecond":0.001}' /usr/bin/python3 bench/asyncioSteps.py
# (blockMs: no block sampling; awaitTasksPerSecond: the budget not refilled for the 50). Alternate
# the two a few times. Under callgrind with two lengths (100 and 300: the difference over 10,000 is
# instructions a step) it compares what a step costs in time with what it costs in instructions
# (README, Performance).
import asyncio
import sys
import time

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
TASKS = 50


async def nothing():
    pass


async def worker(steps):
    for _ in range(steps):
        await asyncio.sleep(0)


async def main():
    for _ in range(300):
        await asyncio.create_task(nothing())
    began = time.process_time()
    await asyncio.gather(*(worker(STEPS) for _ in range(TASKS)))
    spent = time.process_time() - began
    print("%.3f us a step (%d steps, %.3f s of CPU)" % (spent / (STEPS * TASKS) * 1e6, STEPS * TASKS, spent))


asyncio.run(main())
