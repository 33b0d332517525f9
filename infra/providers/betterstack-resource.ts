import * as pulumi from '@pulumi/pulumi';
import {
  type BetterStackInputs,
  type BetterStackKind,
  createBetterStackProvider,
} from './betterstack.ts';

const provider = createBetterStackProvider();

export interface BetterStackResourceArgs {
  kind: BetterStackKind;
  parentId?: pulumi.Input<string>;
  attributes: pulumi.Input<Record<string, pulumi.Input<unknown>>>;
}

/** One Better Stack object managed by the dynamic provider (`betterstack.ts`). */
export class BetterStackResource extends pulumi.dynamic.Resource {
  declare readonly kind: pulumi.Output<BetterStackKind>;
  declare readonly attributes: pulumi.Output<Record<string, unknown>>;
  /** The API's answer, read-only fields included (a heartbeat's ping `url`). */
  declare readonly remote: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: BetterStackResourceArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs: pulumi.Inputs = {
      kind: args.kind,
      attributes: args.attributes,
      ...(args.parentId === undefined ? {} : { parentId: args.parentId }),
      remote: undefined,
      adopted: undefined,
    };
    super(
      provider,
      name,
      inputs satisfies Partial<Record<keyof BetterStackInputs | 'remote' | 'adopted', unknown>>,
      opts,
      'vigie',
      `BetterStack:${args.kind}`,
    );
  }
}
