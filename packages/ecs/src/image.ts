import { UserError } from '@ecs-actions/kit/errors';

// A container image reference: [registry[:port]/]path[:tag][@digest]. Kept strict enough to catch
// pasted commands, URLs and empty tags before anything is registered in ECS.
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REGISTRY =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)';
const TAG = '(?::[\\w][\\w.-]{0,127})';
const DIGEST = '(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})';
const REFERENCE = new RegExp(`^${REGISTRY}?${COMPONENT}(?:/${COMPONENT})*${TAG}?${DIGEST}?$`);

/** Whether text is an image reference such as `123.dkr.ecr.us-east-1.amazonaws.com/web:abc123`. */
export function isImageReference(text: string): boolean {
  return text.length <= 512 && REFERENCE.test(text);
}

/**
 * The `image` input of any action, validated before any AWS call: ECS refuses an invalid reference only at
 * RegisterTaskDefinition ("Container.image contains invalid characters"), after other work was done.
 */
export function checkImage(value: string, input = 'image'): string {
  if (!isImageReference(value)) {
    throw new UserError(
      `Input '${input}': ${JSON.stringify(value)} is not an image reference (no spaces; lower-case repository; optional :tag and @digest). Example: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:3f2a1c.`,
    );
  }
  return value;
}
