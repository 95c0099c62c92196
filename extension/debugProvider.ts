/**
 * Puts the tracer into traced Node.js launches, the way the JavaScript debugger puts in its own
 * bootloader: `--require <tracer>` added to the launch's NODE_OPTIONS (after whatever the user had,
 * from `env`, `envFile` or the inherited environment), the session's socket and token in
 * LOOPLENS_OPTIONS (environment, never the command line), and the tracer in `skipFiles` so that
 * stepping never lands in it. Attach configurations, child sessions and untraced launches are left
 * exactly as they were; preparing the same configuration twice changes nothing the second time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { dotenvValue, withPreload } from '../host/preload';
import { LAUNCH_ATTRIBUTE, SESSION_MARKER, SETTINGS } from './ids';
import { choiceSetting } from './settings';
import { TraceSession, TraceSessions } from './traceSessions';

type Config = vscode.DebugConfiguration & {
  env?: Record<string, string | null>;
  envFile?: string;
  skipFiles?: string[];
  [SESSION_MARKER]?: string;
  [LAUNCH_ATTRIBUTE]?: boolean;
};

export class TracingConfigurationProvider implements vscode.DebugConfigurationProvider {
  private warnedUntrusted = false;

  constructor(
    private readonly sessions: TraceSessions,
    private readonly tracerPath: string,
    private readonly started: (session: TraceSession) => void,
  ) {}

  /** Whether this launch is to be traced (the attribute, or the trace-everything setting). */
  static wantsTracing(config: Config): boolean {
    if (config.request !== 'launch') return false;
    if (config[LAUNCH_ATTRIBUTE] === false) return false;
    if (config[LAUNCH_ATTRIBUTE] === true) return true;
    return vscode.workspace
      .getConfiguration(SETTINGS.section)
      .get<boolean>(SETTINGS.traceAllNodeSessions, false);
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    _folder: vscode.WorkspaceFolder | undefined,
    debugConfiguration: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    const config = debugConfiguration as Config;
    if (config[SESSION_MARKER] !== undefined || !TracingConfigurationProvider.wantsTracing(config))
      return config;
    if (!vscode.workspace.isTrusted) {
      if (!this.warnedUntrusted) {
        this.warnedUntrusted = true;
        void vscode.window.showWarningMessage(
          'Loop Lens does not trace programs in an untrusted workspace: the launch runs without tracing. Trust the workspace to trace it.',
        );
      }
      return config;
    }
    const { session, blockMs } = await this.sessions.startConfigured(
      typeof config.name === 'string' && config.name !== '' ? config.name : 'Node.js program',
    );
    const options = session.server!.tracerOptions({
      blockMs,
      mode: choiceSetting(SETTINGS.tracerMode),
    });
    const env = { ...(config.env ?? {}) };
    env.NODE_OPTIONS = withPreload(this.userNodeOptions(config), this.tracerPath);
    env.LOOPLENS_OPTIONS = JSON.stringify(options);
    config.env = env;
    const tracerFiles = `${path.dirname(this.tracerPath)}/**`;
    const skip = config.skipFiles ?? ['<node_internals>/**'];
    if (!skip.includes(tracerFiles)) config.skipFiles = [...skip, tracerFiles];
    config[SESSION_MARKER] = session.id;
    this.started(session);
    return config;
  }

  /**
   * NODE_OPTIONS as the program would get it untraced: the launch's `env` wins, then its
   * `envFile`, then the environment VS Code passes on.
   */
  private userNodeOptions(config: Config): string | undefined {
    if (config.env !== undefined && 'NODE_OPTIONS' in config.env) return config.env.NODE_OPTIONS ?? undefined;
    if (typeof config.envFile === 'string') {
      try {
        const fromFile = dotenvValue(fs.readFileSync(config.envFile, 'utf8'), 'NODE_OPTIONS');
        if (fromFile !== undefined) return fromFile;
      } catch {
        // the debugger reports a missing envFile itself
      }
    }
    return process.env.NODE_OPTIONS;
  }
}
