/**
 * The adversarial losses of the DetailFlow reference (taming-style VQGAN training), on
 * discriminator logits of any shape: each is a mean over all logits, a scalar.
 */
import type { Node } from '../ir/node.ts';
import { add, mean, mul, neg, relu, square, sub } from '../ops/index.ts';

/** The discriminator's hinge loss: (mean relu(1 - real) + mean relu(1 + fake)) / 2. */
export const hingeDiscriminator = (real: Node, fake: Node): Node =>
  mul(add(mean(relu(sub(1, real))), mean(relu(add(1, fake)))), 0.5);

/** The generator's hinge loss: -mean D(fake). */
export const hingeGenerator = (fake: Node): Node => neg(mean(fake));

/**
 * LeCAM regularisation (Tseng et al. 2021): keeps the discriminator's predictions near the
 * running means of the other side's, mean relu(real - emaFake)^2 + mean relu(emaReal - fake)^2.
 */
export const lecam = (real: Node, fake: Node, emaReal: Node, emaFake: Node): Node =>
  add(mean(square(relu(sub(real, emaFake)))), mean(square(relu(sub(emaReal, fake)))));

/** One step of an exponential moving average: decay * ema + (1 - decay) * value. */
export const emaStep = (ema: Node, value: Node, decay: number): Node => add(mul(ema, decay), mul(value, 1 - decay));
