/** How a plan is executed (debugging aids). */
export interface ExecOptions {
  /** Reads every float result back and names the first op that produced NaN or Inf (slow; for debugging). */
  readonly checkNumerics?: boolean;
  /** Checks that every result's shape equals the shape rule's (slow; used by the laws). */
  readonly checkShapes?: boolean;
}
