/**
 * `--help` (or `-h`) on a bench script's command line: the comment at the head of the script —
 * what it measures and what it takes — is printed, and the script ends there instead of starting
 * a run (a run of bench:truth or bench:instructions takes from minutes to hours).
 */
import * as fs from 'node:fs';

/** Prints `file`'s head comment and exits when the command line asks for help; else nothing. */
export function helpIfAsked(file: string): void {
  if (!process.argv.includes('--help') && !process.argv.includes('-h')) return;
  const head = /\/\*\*([\s\S]*?)\*\//.exec(fs.readFileSync(file, 'utf8'));
  const text =
    head === null
      ? `${file} has no comment at its head saying how to run it.`
      : head[1]
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n')
          .trim();
  process.stdout.write(`${text}\n`);
  process.exit(0);
}
