/**
 * A stand-in for CanvasRenderingContext2D that writes SVG: the renderer draws the SVG export with
 * the very code that draws the screen, so the two cannot drift apart. It implements the part of the
 * canvas API the renderer uses (rectangles, paths, text, alpha, clipping, save and restore) and
 * measures text with a real canvas. Units are CSS pixels; the device-pixel transform is ignored.
 */

interface DrawState {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  globalAlpha: number;
  font: string;
  textBaseline: CanvasTextBaseline;
  /** Open <g> elements this state added (a clip). */
  groups: number;
}

/**
 * Text as XML character data: markup escaped, and what XML 1.0 cannot hold at all — control
 * characters, lone surrogates, U+FFFE/U+FFFF (a task name may be anything) — shown as U+FFFD.
 */
function escapeXml(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    )
    .replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
    );
}

const n = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(2));

export class SvgContext {
  private state: DrawState = {
    fillStyle: '#000',
    strokeStyle: '#000',
    lineWidth: 1,
    globalAlpha: 1,
    font: '10px sans-serif',
    textBaseline: 'alphabetic',
    groups: 0,
  };
  private readonly stack: DrawState[] = [];
  private readonly parts: string[] = [];
  private path = '';
  private clips = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    /** A real context, for measuring text. */
    private readonly measurer: CanvasRenderingContext2D,
  ) {}

  get fillStyle(): string {
    return this.state.fillStyle;
  }
  set fillStyle(v: string) {
    this.state.fillStyle = String(v);
  }
  get strokeStyle(): string {
    return this.state.strokeStyle;
  }
  set strokeStyle(v: string) {
    this.state.strokeStyle = String(v);
  }
  get lineWidth(): number {
    return this.state.lineWidth;
  }
  set lineWidth(v: number) {
    this.state.lineWidth = v;
  }
  get globalAlpha(): number {
    return this.state.globalAlpha;
  }
  set globalAlpha(v: number) {
    this.state.globalAlpha = v;
  }
  get font(): string {
    return this.state.font;
  }
  set font(v: string) {
    this.state.font = v;
  }
  get textBaseline(): CanvasTextBaseline {
    return this.state.textBaseline;
  }
  set textBaseline(v: CanvasTextBaseline) {
    this.state.textBaseline = v;
  }

  setTransform(): void {
    // CSS pixels throughout: nothing to do.
  }

  save(): void {
    this.stack.push(this.state);
    this.state = { ...this.state, groups: 0 };
  }

  restore(): void {
    for (let i = 0; i < this.state.groups; i++) this.parts.push('</g>');
    const previous = this.stack.pop();
    if (previous !== undefined) this.state = previous;
  }

  private alpha(): string {
    return this.state.globalAlpha < 1 ? ` opacity="${n(this.state.globalAlpha)}"` : '';
  }

  fillRect(x: number, y: number, w: number, h: number): void {
    if (w <= 0 || h <= 0) return;
    this.parts.push(
      `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${escapeXml(this.state.fillStyle)}"${this.alpha()}/>`,
    );
  }

  strokeRect(x: number, y: number, w: number, h: number): void {
    this.parts.push(
      `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="none" stroke="${escapeXml(this.state.strokeStyle)}" stroke-width="${n(this.state.lineWidth)}"${this.alpha()}/>`,
    );
  }

  beginPath(): void {
    this.path = '';
  }

  rect(x: number, y: number, w: number, h: number): void {
    this.path += `M${n(x)} ${n(y)}h${n(w)}v${n(h)}h${n(-w)}z`;
  }

  moveTo(x: number, y: number): void {
    this.path += `M${n(x)} ${n(y)}`;
  }

  lineTo(x: number, y: number): void {
    this.path += `L${n(x)} ${n(y)}`;
  }

  fill(): void {
    if (this.path === '') return;
    this.parts.push(`<path d="${this.path}" fill="${escapeXml(this.state.fillStyle)}"${this.alpha()}/>`);
  }

  stroke(): void {
    if (this.path === '') return;
    this.parts.push(
      `<path d="${this.path}" fill="none" stroke="${escapeXml(this.state.strokeStyle)}" stroke-width="${n(this.state.lineWidth)}"${this.alpha()}/>`,
    );
  }

  clip(): void {
    const id = `clip${++this.clips}`;
    this.parts.push(`<clipPath id="${id}"><path d="${this.path}"/></clipPath><g clip-path="url(#${id})">`);
    this.state.groups++;
  }

  measureText(text: string): TextMetrics {
    this.measurer.font = this.state.font;
    return this.measurer.measureText(text);
  }

  fillText(text: string, x: number, y: number): void {
    const baseline =
      this.state.textBaseline === 'middle'
        ? 'central'
        : this.state.textBaseline === 'top' || this.state.textBaseline === 'hanging'
          ? 'hanging'
          : 'alphabetic';
    const { size, family } = parseFont(this.state.font);
    this.parts.push(
      `<text x="${n(x)}" y="${n(y)}" dominant-baseline="${baseline}" font-size="${size}" font-family="${escapeXml(family)}" fill="${escapeXml(this.state.fillStyle)}"${this.alpha()}>${escapeXml(text)}</text>`,
    );
  }

  /** The finished document. */
  toString(): string {
    const body = this.parts.join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">
${body}
</svg>
`;
  }
}

function parseFont(font: string): { size: string; family: string } {
  const match = /(\d+(?:\.\d+)?)px\s+(.*)$/.exec(font);
  return match !== null
    ? { size: `${match[1]}px`, family: match[2] }
    : { size: '11px', family: 'sans-serif' };
}
