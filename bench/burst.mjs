// Two concurrent async loops (members of a Promise.all) whose continuations alternate, so every
// continuation is a switch between tasks: the densest stream of events a program can make. They
// yield to the loop between bursts, as a server does (a loop that never yields starves every timer,
// the tracer's flush included). Prints how long the work took.
const rounds = Number(process.argv[2] ?? 200_000);
const PER_BURST = 1000;
// Both loops wait for the same next turn of the loop, so they stay in step and keep alternating.
let nextTurn = null;
function turn() {
  nextTurn ??= new Promise((resolve) =>
    setImmediate(() => {
      nextTurn = null;
      resolve();
    }),
  );
  return nextTurn;
}
async function loop(n) {
  for (let i = 0; i < n; i++) {
    await null;
    if (i % PER_BURST === 0) await turn();
  }
}
await new Promise((resolve) => setImmediate(resolve));
const started = performance.now();
await Promise.all([loop(rounds), loop(rounds)]);
const ms = performance.now() - started;
// Give the tracer a flush after the work, as a longer-running program would.
await new Promise((resolve) => setTimeout(resolve, 60));
process.stdout.write(`${JSON.stringify({ rounds, ms })}\n`);
