/** Reading the demo page's labels back, for tests: which label sits where on which picture. */

/** The labels of each labelled picture, in page order: {rows: [text, top%][], columns: [text, left%][]}. */
export const pageLabels = (html: string) =>
  [...html.matchAll(/<div class="labelled[^"]*">([\s\S]*?)\n<\/div>/g)].map((m) => ({
    rows: [...m[1]!.matchAll(/<span style="top:([\d.]+)%">([^<]*)<\/span>/g)].map((x) => [x[2]!, Number(x[1])] as const),
    columns: [...m[1]!.matchAll(/<span style="left:([\d.]+)%">([^<]*)<\/span>/g)].map((x) => [x[2]!, Number(x[1])] as const),
  }));

/** Which cell (0-based) a position given in percent of a grid's side falls in, or -1 in the padding. */
export const cellAt = (percent: number, side: number, cell: number, pad: number): number => {
  const px = (percent / 100) * side;
  const k = Math.floor((px - pad) / (cell + pad));
  const start = pad + k * (cell + pad);
  return k >= 0 && px >= start && px < start + cell ? k : -1;
};
