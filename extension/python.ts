/**
 * Python programs traced (the Python asyncio tracer, dist/python), two ways: **Loop Lens: Run Python
 * File with Event Loop Tracing** runs a file in a terminal (the path that needs no Python
 * extension), and `"looplens": true` on a `debugpy` / `python` launch (the Python extension's
 * debugger) traces the launched program. Either way a live session starts, the program gets the
 * tracer's folder first on PYTHONPATH and the session's socket and token in LOOPLENS_OPTIONS
 * (environment, never the command line), and its timeline opens.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, LAUNCH_ATTRIBUTE, SESSION_MARKER, SETTINGS } from './ids';
import { TraceSession, TraceSessions } from './traceSessions';

export interface RunPythonArgs {
  /** The .py file (default: the active editor's). */
  program?: string;
  args?: string[];
  /** The interpreter (default: the looplens.pythonPath setting). */
  python?: string;
  cwd?: string;
}

export class PythonRunner implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly sessions: TraceSessions,
    private readonly pythonTracerDir: string,
    /** A live session has started: open its timeline (as for a traced debug session). */
    private readonly started: (session: TraceSession) => void,
  ) {
    this.disposables = [
      vscode.commands.registerCommand(COMMANDS.runPythonFile, (args?: RunPythonArgs) => this.run(args ?? {})),
    ];
  }

  /** Runs the file traced; returns the session's id, or undefined when nothing was started. */
  async run(args: RunPythonArgs): Promise<string | undefined> {
    const program = args.program ?? this.activePythonFile() ?? (await this.pick());
    if (program === undefined) return undefined;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Loop Lens does not run programs in an untrusted workspace. Trust the workspace to trace it.',
      );
      return undefined;
    }
    const python =
      args.python ??
      vscode.workspace.getConfiguration(SETTINGS.section).get<string>(SETTINGS.pythonPath, 'python3');
    const { session, blockMs } = await this.sessions.startConfigured(`Python: ${path.basename(program)}`);
    const terminal = vscode.window.createTerminal({
      name: `Loop Lens: ${path.basename(program)}`,
      shellPath: python,
      shellArgs: [program, ...(args.args ?? [])],
      cwd: args.cwd ?? path.dirname(program),
      env: {
        PYTHONPATH: withPythonTracer(process.env.PYTHONPATH, this.pythonTracerDir),
        LOOPLENS_OPTIONS: JSON.stringify(session.server!.tracerOptions({ blockMs })),
      },
    });
    terminal.show(true);
    const closed = vscode.window.onDidCloseTerminal((t) => {
      if (t !== terminal) return;
      closed.dispose();
      if (session.state === 'starting' && session.problem === null)
        session.problem = `The Python program never connected to Loop Lens. Is "${python}" Python 3.11 or newer (the looplens.pythonPath setting)?`;
      if (session.state !== 'ended') session.end();
    });
    this.disposables.push(closed);
    this.started(session);
    return session.id;
  }

  private activePythonFile(): string | undefined {
    const doc = vscode.window.activeTextEditor?.document;
    return doc !== undefined && doc.uri.scheme === 'file' && doc.fileName.endsWith('.py')
      ? doc.fileName
      : undefined;
  }

  private async pick(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Python: ['py'] },
      title: 'Loop Lens: run which Python file with event loop tracing?',
    });
    return picked?.[0]?.fsPath;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** PYTHONPATH with the tracer's folder first (where its sitecustomize shim is found). */
export function withPythonTracer(pythonPath: string | null | undefined, dir: string): string {
  return pythonPath === undefined || pythonPath === null || pythonPath === ''
    ? dir
    : `${dir}${path.delimiter}${pythonPath}`;
}

type PythonConfig = vscode.DebugConfiguration & {
  env?: Record<string, string | null>;
  [SESSION_MARKER]?: string;
  [LAUNCH_ATTRIBUTE]?: boolean;
};

/** `"looplens": true` on a debugpy launch: the launched program traced, its timeline live. */
export class PythonLaunchProvider implements vscode.DebugConfigurationProvider {
  constructor(
    private readonly sessions: TraceSessions,
    private readonly pythonTracerDir: string,
    private readonly started: (session: TraceSession) => void,
  ) {}

  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    debugConfiguration: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const config = debugConfiguration as PythonConfig;
    if (
      config.request !== 'launch' ||
      config[LAUNCH_ATTRIBUTE] !== true ||
      config[SESSION_MARKER] !== undefined
    )
      return config;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'Loop Lens does not trace programs in an untrusted workspace: the launch runs without tracing.',
      );
      return config;
    }
    const { session, blockMs } = await this.sessions.startConfigured(
      typeof config.name === 'string' && config.name !== '' ? config.name : 'Python program',
    );
    const env = { ...(config.env ?? {}) };
    const inherited = 'PYTHONPATH' in env ? env.PYTHONPATH : process.env.PYTHONPATH;
    env.PYTHONPATH = withPythonTracer(inherited, this.pythonTracerDir);
    env.LOOPLENS_OPTIONS = JSON.stringify(session.server!.tracerOptions({ blockMs }));
    config.env = env;
    config[SESSION_MARKER] = session.id;
    this.started(session);
    return config;
  }
}
