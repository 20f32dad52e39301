/** The reference's AR mask for g = C = 4 at length 16 (1: may attend), shared by the mask and partition laws. */
export const GOLDEN_AR_MASK_G4 = [
  '1...............', '11..............', '111.............', '1111............',
  '11111111........', '11111111........', '11111111........', '11111111........',
  '111111111111....', '111111111111....', '111111111111....', '111111111111....',
  '1111111111111111', '1111111111111111', '1111111111111111', '1111111111111111',
];

/** A boolean mask as rows of '1' and '.'. */
export const maskPicture = (rows: readonly (readonly boolean[])[]): string[] => rows.map((r) => r.map((v) => (v ? '1' : '.')).join(''));
