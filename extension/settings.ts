/**
 * Reads the settings that reach the tracer and the model, checked (settingRules.ts): a bad value
 * becomes the default, and the user is told once per bad value, with a way to the setting.
 */
import * as vscode from 'vscode';
import { SETTINGS } from './ids';
import {
  CHOICE_RULES,
  ChoiceSetting,
  Checked,
  NumberSetting,
  checkChoice,
  checkNumber,
} from './settingRules';

/** The bad values the user has been told about (by setting and value), so each is said once. */
const told = new Set<string>();

function report<T>(name: string, raw: unknown, checked: Checked<T>): T {
  if (checked.problem !== null) {
    const key = `${name}=${String(raw)}`;
    if (!told.has(key)) {
      told.add(key);
      const open = 'Open Setting';
      void vscode.window
        .showWarningMessage(`Loop Lens: ${checked.problem}.`, open)
        .then((answer) =>
          answer === open
            ? vscode.commands.executeCommand('workbench.action.openSettings', `${SETTINGS.section}.${name}`)
            : undefined,
        );
    }
  }
  return checked.value;
}

/** A number setting of the looplens section, checked. */
export function numberSetting(name: NumberSetting, scope?: vscode.ConfigurationScope): number {
  const raw = vscode.workspace.getConfiguration(SETTINGS.section, scope).get<unknown>(name);
  return report(name, raw, checkNumber(name, raw));
}

/** A one-of-a-list setting of the looplens section, checked. */
export function choiceSetting<N extends ChoiceSetting>(
  name: N,
  scope?: vscode.ConfigurationScope,
): (typeof CHOICE_RULES)[N]['allowed'][number] {
  const raw = vscode.workspace.getConfiguration(SETTINGS.section, scope).get<unknown>(name);
  return report(name, raw, checkChoice(name, raw));
}
