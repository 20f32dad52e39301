import type { FloorFigures } from '../eval/report.ts';
import type { VariantRow } from './score-variant.ts';

const num = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const count = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

/**
 * The comparison as text: a header that states the budget and the sample counts behind every
 * figure, then one aligned row per variant.
 */
export const formatCompareTable = (rows: readonly VariantRow[], backend: string, floor?: FloorFigures): string[] => {
  if (rows.length === 0) return ['compare: no variants'];
  const r0 = rows[0];
  const head = ['variant', 'tokens', 'passes', 'tok params', 'AR params', 'rFD', 'PSNR', 'gFD', 'class acc', 'images/s', 'train s'];
  const body = rows.map((r) => [
    r.variant, String(r.tokens), String(r.passes), count(r.tokenizerParams), count(r.arParams), num(r.rfd, 2), num(r.psnr, 2),
    num(r.gfd, 2), `${num(r.classAccuracy * 100, 1)}%`, num(r.imagesPerSecond, 1), num(r.trainSeconds, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `compare (budget ${r0.budget}, ${backend}): rFD and PSNR on ${r0.testImages} reconstructed test images; gFD on ${r0.samples} class-balanced samples `
      + `vs those ${r0.testImages} test images; class accuracy of the ${r0.samples} samples; images/s = sampling + decoding, warm, ${r0.speedBatch} per call`,
    ...(floor ? [`floor of the metric: FD ${num(floor.fd, 2)} between ${floor.images} training images and the ${floor.images} test images (real against real)`] : []),
    line(head),
    ...body.map(line),
    ...rows.map((r) => `  ${r.variant}: ${r.summary}`),
  ];
};
