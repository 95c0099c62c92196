/**
 * The export formats, one registry for the command line and the editor: what each is called, what
 * it holds, its file extension, and whether it is a picture of the timeline panel (drawn by the
 * panel, so only the editor makes one).
 */

export type ExportFormat = 'png' | 'svg' | 'html' | 'json' | 'chrome';

export interface ExportFormatInfo {
  label: string;
  detail: string;
  extension: string;
  /** A picture of the panel as it is: the editor draws it; the command line cannot. */
  picture: boolean;
}

export const EXPORT_FORMATS: Record<ExportFormat, ExportFormatInfo> = {
  png: {
    label: 'Picture (.png)',
    detail: 'The timeline as you see it now',
    extension: 'png',
    picture: true,
  },
  svg: {
    label: 'Vector picture (.svg)',
    detail: 'The timeline as you see it now, sharp at any size; opens in any browser',
    extension: 'svg',
    picture: true,
  },
  html: {
    label: 'Interactive page (.html)',
    detail:
      'One self-contained file with the trace and the viewer: zoom, hover and step in any browser, offline',
    extension: 'html',
    picture: false,
  },
  json: {
    label: 'Loop Lens trace (.looplens)',
    detail: 'The native trace: opens again in Loop Lens, and `looplens summary` reads it',
    extension: 'looplens',
    picture: false,
  },
  chrome: {
    label: 'Chrome Trace Event Format (.json)',
    detail: 'Opens in Perfetto (ui.perfetto.dev) and chrome://tracing',
    extension: 'json',
    picture: false,
  },
};

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, value);
}
