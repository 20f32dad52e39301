/**
 * The tokenizer's adversarial stage (reference digest §5.2-5.3) as one value the objective
 * composes: the discriminator as the trainer's adversary (its own Adam on the generator's
 * schedule), LeCAM's two EMAs as carried state (updated every step, from step 0), and the
 * terms of one step:
 *   generator      gate * discWeight * -mean D(aug(recon))           (D frozen: stopGradient)
 *   discriminator  gate * discWeight * (hinge(D(aug(real)), D(aug(fake))) + lecamWeight * LeCAM)
 *                + gate * consistencyWeight * MSE([D_r, D_f], [D(aug_s(real)), D(aug_s(fake))])
 * where real is the degraded target, fake the detached reconstruction, aug the `standard`
 * DiffAugment policy and aug_s the `strong` one; `gate` is 1 from train.discStart on.
 */
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { Node } from '../../ir/node.ts';
import { augmentPolicies, diffAugment } from '../../nn/diff-augment.ts';
import { emaStep, hingeDiscriminator, hingeGenerator, lecam } from '../../nn/gan-losses.ts';
import type { Params } from '../../nn/module.ts';
import { add, concat, mean, mul, reshape, splitKeys, square, stopGradient, sub } from '../../ops/index.ts';
import { foldIn, keyFromSeed } from '../../random/key.ts';
import { tokenizerOptimizer } from './optimizer.ts';
import type { Adversary, Carry } from '../../train/trainer.ts';
import type { Tree } from '../../tree/tree.ts';
import { freeze } from '../../nn/freeze.ts';
import { bicubic } from '../resampling.ts';
import { resizeExpr } from '../resize-expr.ts';
import type { AnyNetworkTeacher } from '../teacher/teacher.ts';
import { discriminator, type DiscriminatorParams } from './discriminator.ts';
import type { TrainConfig } from './train-config.ts';

/** The state key of the discriminator's parameters (its optimiser state is `discOpt`). */
export const DISC_KEY = 'disc';

export interface AdversarialInputs {
  /** Where this step's augmentations draw from. */
  readonly augKey: Node;
  /** 1 from train.discStart on, else 0 (decided on the host from the step). */
  readonly gate: Node;
  /** The frozen teacher's parameters (the discriminator's backbone). */
  readonly teacherParams: unknown;
}

export interface AdversarialTerms {
  /** Added to the tokenizer's loss. */
  readonly generator: Node;
  /** The discriminator's loss. */
  readonly discriminator: Node;
  /** Reported each step; dReal and dFake also feed LeCAM's EMAs. */
  readonly metrics: Readonly<Record<string, Node>>;
}

type Lecam = { readonly real: Node; readonly fake: Node };

export const adversarialStage = (train: TrainConfig, teacher: AnyNetworkTeacher) => {
  const disc = discriminator(teacher, train.discHidden, train.discPixelPatch);
  const toTeacher = (img: Node): Node => resizeExpr(img, teacher.size, bicubic);
  const adversary: Adversary = {
    key: DISC_KEY,
    optimizer: tokenizerOptimizer(train, train.discLrScale),
    clip: train.clip,
    init: () => disc.init(foldIn(keyFromSeed(train.seed), 4)),
  };
  const zero = (): HostArray => hostArray(Float32Array.of(0), []);
  const carry: Carry = {
    init: () => ({ lecam: { real: zero(), fake: zero() } }),
    update: (carried, _params, terms) => {
      const ema = carried.lecam as unknown as Lecam;
      return { ...carried, lecam: { real: emaStep(ema.real, terms.dReal, train.lecamDecay), fake: emaStep(ema.fake, terms.dFake, train.lecamDecay) } };
    },
  };
  const terms = (state: Readonly<Record<string, Tree<Node>>>, recon: Node, target: Node, x: AdversarialInputs): AdversarialTerms => {
    const d = state[DISC_KEY] as unknown as Params<DiscriminatorParams>;
    const frozen = freeze(d);
    const ema = state.lecam as unknown as Lecam;
    const D = (p: Params<DiscriminatorParams>, img: Node) => disc.logits(p, x.teacherParams, toTeacher(img));
    const [kG, kReal, kFake, kRealS, kFakeS] = splitKeys(x.augKey, 5);
    const real = target;
    const fake = stopGradient(recon);
    const gLogits = D(frozen, diffAugment(recon, kG, augmentPolicies.standard));
    const dReal = D(d, diffAugment(real, kReal, augmentPolicies.standard));
    const dFake = D(d, diffAugment(fake, kFake, augmentPolicies.standard));
    const hinge = hingeDiscriminator(dReal, dFake);
    const reg = lecam(dReal, dFake, reshape(ema.real, []), reshape(ema.fake, []));
    const strong = concat([D(d, diffAugment(real, kRealS, augmentPolicies.strong)), D(d, diffAugment(fake, kFakeS, augmentPolicies.strong))], 0);
    const consistency = mean(square(sub(concat([dReal, dFake], 0), strong)));
    const gan = hingeGenerator(gLogits);
    return {
      generator: mul(x.gate, mul(gan, train.discWeight)),
      discriminator: mul(x.gate, add(mul(add(hinge, mul(reg, train.lecamWeight)), train.discWeight), mul(consistency, train.consistencyWeight))),
      metrics: { gan, disc: hinge, lecam: reg, consistency, dReal: mean(dReal), dFake: mean(dFake) },
    };
  };
  return { discriminator: disc, adversary, carry, terms };
};

export type AdversarialStage = ReturnType<typeof adversarialStage>;
