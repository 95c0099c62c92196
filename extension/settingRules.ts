/**
 * What a valid value of each setting is, as package.json declares it. VS Code hands the extension
 * whatever settings.json holds — a string where a number belongs, a number out of range, a word
 * not in the list — and the tracer is inert on a bad option, so a bad value passed on would run the
 * program untraced and say nothing. A bad value is replaced by the default, and the user is told
 * (settings.ts). Pure: no `vscode`, so the manifest test can hold it against package.json.
 */
import { DEFAULT_BLOCK_MS } from '../protocol/format';
import { SETTINGS } from './ids';

export interface NumberRule {
  min: number;
  max: number;
  fallback: number;
}

export interface ChoiceRule<T extends string> {
  allowed: readonly T[];
  fallback: T;
}

/** The number settings, by their name in SETTINGS. */
export const NUMBER_RULES = {
  [SETTINGS.blockThresholdMs]: { min: 1, max: 60_000, fallback: DEFAULT_BLOCK_MS },
  [SETTINGS.maxTraceMiB]: { min: 16, max: 4096, fallback: 512 },
  [SETTINGS.maxTimelineMiB]: { min: 16, max: 4096, fallback: 256 },
  [SETTINGS.lessonsLateBackgroundMs]: { min: 1, max: 3_600_000, fallback: 200 },
  [SETTINGS.lessonsMinSavingMs]: { min: 0, max: 60_000, fallback: 20 },
} as const satisfies Record<string, NumberRule>;

export const TRACER_MODES = ['fast', 'full'] as const;
export type TracerMode = (typeof TRACER_MODES)[number];

/** The settings that are one word of a list. */
export const CHOICE_RULES = {
  [SETTINGS.tracerMode]: { allowed: TRACER_MODES, fallback: 'fast' },
} as const satisfies Record<string, ChoiceRule<string>>;

export type NumberSetting = keyof typeof NUMBER_RULES;
export type ChoiceSetting = keyof typeof CHOICE_RULES;

/** A setting's value to use, and what was wrong with the one given (null: nothing). */
export interface Checked<T> {
  value: T;
  problem: string | null;
}

/** Shows a value as settings.json holds it, shortly. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** `value` if it is a number in the setting's range, else its default and why. */
export function checkNumber(name: NumberSetting, value: unknown): Checked<number> {
  const rule: NumberRule = NUMBER_RULES[name];
  if (value === undefined || value === null) return { value: rule.fallback, problem: null };
  if (typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max)
    return { value, problem: null };
  return {
    value: rule.fallback,
    problem: `${SETTINGS.section}.${name} is ${shown(value)}, not a number from ${rule.min} to ${rule.max}: using ${rule.fallback}`,
  };
}

/** `value` if it is one of the setting's words, else its default and why. */
export function checkChoice<N extends ChoiceSetting>(
  name: N,
  value: unknown,
): Checked<(typeof CHOICE_RULES)[N]['allowed'][number]> {
  const rule = CHOICE_RULES[name] as ChoiceRule<(typeof CHOICE_RULES)[N]['allowed'][number]>;
  if (value === undefined || value === null) return { value: rule.fallback, problem: null };
  if ((rule.allowed as readonly unknown[]).includes(value))
    return { value: value as (typeof rule.allowed)[number], problem: null };
  return {
    value: rule.fallback,
    problem: `${SETTINGS.section}.${name} is ${shown(value)}, not one of ${rule.allowed.map((a) => JSON.stringify(a)).join(', ')}: using ${JSON.stringify(rule.fallback)}`,
  };
}
