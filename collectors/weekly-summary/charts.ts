/**
 * Tiny inline SVG bar charts for the weekly email. SVG keeps the message self-contained and
 * text-diffable; clients that strip SVG (Gmail's web client does) still get the numbers, which
 * are always printed beside the chart.
 */
export function barChartSvg(input: {
  title: string;
  labels: readonly string[];
  values: readonly number[];
  max?: number;
  unit?: string;
}): string {
  const width = 320;
  const height = 90;
  const gap = 4;
  const n = Math.max(1, input.values.length);
  const barWidth = (width - gap * (n + 1)) / n;
  const max = input.max ?? Math.max(1, ...input.values);
  const bars = input.values
    .map((v, i) => {
      const h = Math.max(1, Math.round((v / max) * (height - 30)));
      const x = Math.round(gap + i * (barWidth + gap));
      const label = escapeXml(input.labels[i] ?? '');
      return (
        `<rect x="${x}" y="${height - 15 - h}" width="${Math.round(barWidth)}" height="${h}" fill="#3b82f6"><title>${label}: ${v}${input.unit ?? ''}</title></rect>` +
        `<text x="${x + Math.round(barWidth / 2)}" y="${height - 3}" font-size="9" text-anchor="middle" fill="#555">${label}</text>`
      );
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeXml(input.title)}">${bars}</svg>`;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
