// A live line plot of training losses on a canvas (one colour per loss name).
const COLOURS = ['#d9480f', '#1c7ed6', '#2b8a3e', '#862e9c', '#e67700'];

export class LossPlot {
  private readonly series = new Map<string, Array<[number, number]>>();

  constructor(readonly canvas: HTMLCanvasElement) {}

  add(step: number, losses: Record<string, number>): void {
    for (const [name, value] of Object.entries(losses)) {
      if (!Number.isFinite(value)) continue;
      if (!this.series.has(name)) this.series.set(name, []);
      this.series.get(name)!.push([step, value]);
    }
    this.draw();
  }

  clear(): void {
    this.series.clear();
    this.draw();
  }

  /** Every point, by loss name (what the page exposes to tests). */
  points(): Record<string, Array<[number, number]>> {
    return Object.fromEntries(this.series);
  }

  restore(points: Record<string, Array<[number, number]>>): void {
    this.series.clear();
    for (const [name, values] of Object.entries(points)) this.series.set(name, values.slice());
    this.draw();
  }

  private draw(): void {
    const { canvas } = this;
    const ctx = canvas.getContext('2d')!;
    const { width, height } = canvas;
    const pad = 28;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    const all = [...this.series.values()].flat();
    if (all.length === 0) return;
    const minX = Math.min(...all.map(([x]) => x));
    const maxX = Math.max(minX + 1, ...all.map(([x]) => x));
    const minY = Math.min(...all.map(([, y]) => y));
    const maxY = Math.max(minY + 1e-6, ...all.map(([, y]) => y));
    const px = (x: number) => pad + ((x - minX) / (maxX - minX)) * (width - 2 * pad);
    const py = (y: number) => height - pad - ((y - minY) / (maxY - minY)) * (height - 2 * pad);
    ctx.strokeStyle = '#999';
    ctx.strokeRect(pad, pad, width - 2 * pad, height - 2 * pad);
    ctx.fillStyle = '#333';
    ctx.font = '11px sans-serif';
    ctx.fillText(maxY.toPrecision(4), 2, pad - 4);
    ctx.fillText(minY.toPrecision(4), 2, height - pad + 14);
    ctx.fillText(`step ${maxX}`, width - pad - 50, height - 6);
    [...this.series.entries()].forEach(([name, points], i) => {
      ctx.strokeStyle = COLOURS[i % COLOURS.length];
      ctx.beginPath();
      points.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
      ctx.stroke();
      ctx.fillStyle = COLOURS[i % COLOURS.length];
      ctx.fillText(name, pad + 6 + i * 110, pad + 14);
    });
  }
}
