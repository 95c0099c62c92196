/** package.json and the extension's id registry agree; the .vsix holds only what it should. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  COMMANDS,
  CONTEXT_KEYS,
  LAUNCH_ATTRIBUTE,
  NODE_DEBUG_TYPES,
  PYTHON_DEBUG_TYPES,
  SETTINGS,
  VIEW_TYPES,
  WALKTHROUGH,
} from '../extension/ids';
import { fileLaunch, timelineTitle } from '../extension/names';
import { CHOICE_RULES, NUMBER_RULES, checkChoice, checkNumber } from '../extension/settingRules';
import { ROOT } from './helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('the extension manifest', () => {
  it('contributes exactly the commands the registry names', () => {
    const contributed = (manifest.contributes.commands as Array<{ command: string }>)
      .map((c) => c.command)
      .sort();
    assert.deepEqual(contributed, Object.values(COMMANDS).sort());
  });

  it('binds the step keys in the timeline and in the editor beside it, never over inline suggestions', () => {
    const bindings = manifest.contributes.keybindings as Array<{
      command: string;
      key: string;
      when: string;
    }>;
    for (const [command, key] of [
      [COMMANDS.stepNext, 'alt+]'],
      [COMMANDS.stepPrevious, 'alt+['],
    ]) {
      const binding = bindings.find((b) => b.command === command);
      assert.equal(binding?.key, key);
      const [webview, file, editor] = binding!.when.split(' || ');
      assert.equal(webview, `activeWebviewPanelId == '${VIEW_TYPES.timeline}'`);
      assert.equal(
        file,
        `activeCustomEditorId == '${VIEW_TYPES.traceFile}' && !${CONTEXT_KEYS.refusedFileActive}`,
      );
      assert.equal(editor, `${CONTEXT_KEYS.timelineOpen} && editorTextFocus && !inlineSuggestionVisible`);
    }
    // The key the editor's binding needs is one the extension sets.
    const source = fs.readFileSync(path.join(ROOT, 'extension', 'timelinePanel.ts'), 'utf8');
    assert.match(source, /setContext', CONTEXT_KEYS\.timelineOpen/);
  });

  it('opens .looplens files in its own editor, whose title bar has the timeline tools too (not on the page of a file it refused)', () => {
    const editors = manifest.contributes.customEditors as Array<{
      viewType: string;
      selector: Array<{ filenamePattern: string }>;
      priority: string;
    }>;
    assert.deepEqual(
      editors.map((e) => [e.viewType, e.selector.map((s) => s.filenamePattern), e.priority]),
      [[VIEW_TYPES.traceFile, ['*.looplens'], 'default']],
    );
    for (const item of manifest.contributes.menus['editor/title'] as Array<{ when: string }>)
      assert.equal(
        item.when,
        `activeWebviewPanelId == '${VIEW_TYPES.timeline}' || activeCustomEditorId == '${VIEW_TYPES.traceFile}' && !${CONTEXT_KEYS.refusedFileActive}`,
      );
    // The key is one the extension sets.
    const source = fs.readFileSync(path.join(ROOT, 'extension', 'commands.ts'), 'utf8');
    assert.match(source, /setContext', CONTEXT_KEYS\.refusedFileActive/);
  });

  it('offers the commands that act on a trace in the Command Palette only while one is open (and not on a refused file)', () => {
    const palette = new Map(
      (manifest.contributes.menus.commandPalette as Array<{ command: string; when: string }>).map((m) => [
        m.command,
        m.when,
      ]),
    );
    assert.equal(palette.get(COMMANDS.closeTrace), CONTEXT_KEYS.traceOpen);
    assert.equal(palette.get(COMMANDS.stopTracing), CONTEXT_KEYS.tracing);
    for (const command of [COMMANDS.exportSnapshot, COMMANDS.stepNext, COMMANDS.stepPrevious])
      assert.equal(palette.get(command), `${CONTEXT_KEYS.traceOpen} && !${CONTEXT_KEYS.refusedFileActive}`);
    // Those that start something, or say what to do when there is nothing yet, are always there.
    for (const command of [COMMANDS.startTracing, COMMANDS.openTrace, COMMANDS.openTimeline])
      assert.equal(palette.get(command), undefined);
    // The keys are ones the extension sets.
    const source = fs.readFileSync(path.join(ROOT, 'extension', 'traceSessions.ts'), 'utf8');
    assert.match(source, /setContext', CONTEXT_KEYS\.traceOpen/);
    const statusBar = fs.readFileSync(path.join(ROOT, 'extension', 'statusBar.ts'), 'utf8');
    assert.match(statusBar, /setContext', CONTEXT_KEYS\.tracing/);
  });

  it('contributes every setting the code reads, under the looplens section', () => {
    const properties = Object.keys(manifest.contributes.configuration.properties).sort();
    const read = Object.entries(SETTINGS)
      .filter(([key]) => key !== 'section')
      .map(([, name]) => `${SETTINGS.section}.${name}`)
      .sort();
    assert.deepEqual(properties, read);
  });

  it('offers the launch attribute for every traced debug type', () => {
    for (const type of [...NODE_DEBUG_TYPES, ...PYTHON_DEBUG_TYPES]) {
      const debuggers = (
        manifest.contributes.debuggers as Array<{
          type: string;
          configurationAttributes: { launch: { properties: object } };
        }>
      ).filter((d) => d.type === type);
      assert.equal(debuggers.length, 1, type);
      assert.ok(LAUNCH_ATTRIBUTE in debuggers[0].configurationAttributes.launch.properties, type);
      assert.ok((manifest.activationEvents as string[]).includes(`onDebugResolve:${type}`), type);
    }
    assert.ok((manifest.activationEvents as string[]).includes(`onWebviewPanel:${VIEW_TYPES.timeline}`));
  });

  it('runs on the offline VS Code and restricts what runs code in untrusted workspaces', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(
      manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(
        `${SETTINGS.section}.${SETTINGS.traceAllNodeSessions}`,
      ),
    );
    assert.ok(
      !('dependencies' in manifest) || Object.keys(manifest.dependencies).length === 0,
      'everything is bundled',
    );
  });

  it('has a kitchen walkthrough whose links run contributed commands and whose pages exist', () => {
    const commands = new Set(
      (manifest.contributes.commands as Array<{ command: string }>).map((c) => c.command),
    );
    const [walkthrough] = manifest.contributes.walkthroughs as Array<{
      id: string;
      steps: Array<{
        id: string;
        description: string;
        media: { markdown: string };
        completionEvents?: string[];
      }>;
    }>;
    assert.equal(`${manifest.publisher}.${manifest.name}#${walkthrough.id}`, WALKTHROUGH);
    assert.ok(walkthrough.steps.length >= 8, 'a step per lesson, and the way in');
    for (const step of walkthrough.steps) {
      const links = [...step.description.matchAll(/\(command:([\w.]+)(?:\?([^)]*))?\)/g)];
      assert.ok(links.length > 0, `${step.id} has something to click`);
      for (const [, command, args] of links) {
        assert.ok(commands.has(command), `${step.id} runs ${command}`);
        if (args !== undefined)
          assert.ok(Array.isArray(JSON.parse(decodeURIComponent(args))), `${step.id}: JSON arguments`);
      }
      // A link alone on its line is drawn as a button; two on one line are plain links run
      // together ("Send GET /cpu Send GET /cpu-worker", seen in code-server 4.100): one a line.
      for (const line of step.description.split('\n'))
        assert.ok(
          line.match(/\]\(command:/g) === null || /^\[[^\]]+\]\(command:[^)]+\)$/.test(line),
          `${step.id}: a line with a command link holds that link alone: ${line}`,
        );
      for (const event of step.completionEvents ?? [])
        assert.ok(commands.has(event.replace(/^onCommand:/, '')), `${step.id} completes on ${event}`);
      // The build copies extension/walkthrough into dist/walkthrough.
      const page = step.media.markdown.replace(/^dist\/walkthrough\//, 'extension/walkthrough/');
      assert.ok(fs.existsSync(path.join(ROOT, page)), `${step.id}: ${page}`);
    }
  });

  it('holds each number and choice setting to the range, list and default package.json declares', () => {
    const properties = manifest.contributes.configuration.properties as Record<
      string,
      { default: unknown; minimum?: number; maximum?: number; enum?: string[] }
    >;
    for (const [name, rule] of Object.entries(NUMBER_RULES)) {
      const declared = properties[`${SETTINGS.section}.${name}`];
      assert.deepEqual(
        { min: declared.minimum, max: declared.maximum, fallback: declared.default },
        rule,
        name,
      );
    }
    for (const [name, rule] of Object.entries(CHOICE_RULES)) {
      const declared = properties[`${SETTINGS.section}.${name}`];
      assert.deepEqual({ allowed: declared.enum, fallback: declared.default }, rule, name);
    }
  });

  it('replaces a setting value of the wrong kind or out of range by its default, saying what it was', () => {
    const cases: Array<[unknown, number, RegExp | null]> = [
      [80, 80, null],
      [undefined, 50, null],
      ['fifty', 50, /^looplens\.blockThresholdMs is "fifty", not a number from 1 to 60000: using 50$/],
      [0, 50, /is 0, not a number/],
      [-5, 50, /is -5,/],
      [1e9, 50, /is 1000000000,/],
      [{ ms: 80 }, 50, /is \{"ms":80\},/],
      ['x'.repeat(200), 50, /is "x{38}…,/],
    ];
    for (const [value, expected, problem] of cases) {
      const checked = checkNumber(SETTINGS.blockThresholdMs, value);
      assert.equal(checked.value, expected, String(value));
      if (problem === null) assert.equal(checked.problem, null);
      else assert.match(checked.problem ?? '', problem);
    }
    assert.deepEqual(checkChoice(SETTINGS.tracerMode, 'full'), { value: 'full', problem: null });
    assert.deepEqual(checkChoice(SETTINGS.tracerMode, 'turbo'), {
      value: 'fast',
      problem: 'looplens.tracerMode is "turbo", not one of "fast", "full": using "fast"',
    });
  });

  it('titles the timeline of a traced file "Loop Lens: <file>", saying Loop Lens once', () => {
    assert.equal(timelineTitle(fileLaunch('/work/app/server.js', '/work/app').name), 'Loop Lens: server.js');
    assert.deepEqual(fileLaunch('/work/app/main.ts', '/work/app').runtimeArgs, ['--import', 'tsx']);
    assert.equal(timelineTitle('Kitchen (traced by Loop Lens)'), 'Kitchen (traced by Loop Lens)');
    assert.equal(timelineTitle('microtasks'), 'Loop Lens: microtasks');
  });
});
