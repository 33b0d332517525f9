import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

/**
 * The newest Node.js Lambda runtime the installed `@pulumi/aws` knows (`nodejs24.x` with
 * 7.48): derived from its enum so upgrading the package moves the functions forward.
 */
export const lambdaRuntime: string = (() => {
  const known = (Object.values(aws.lambda.Runtime) as string[]).filter((r) =>
    /^nodejs\d+\.x$/.test(r),
  );
  const newest = known.sort((a, b) => parseInt(b.slice(6), 10) - parseInt(a.slice(6), 10))[0];
  if (!newest) throw new Error('@pulumi/aws knows no nodejs Lambda runtime');
  return newest;
})();

/** Where a CloudWatch alarm goes, and how its description names the catalog alert. */
export interface AlarmTopic {
  topicArn: pulumi.Input<string>;
  /** `[vigie:<alert-id>] <text>`: what `POST /hooks/aws/sns` reads back. */
  describe(alertId: string, text: string): string;
}

export function alarmDescription(alertId: string, text: string): string {
  return `[vigie:${alertId}] ${text}`;
}
