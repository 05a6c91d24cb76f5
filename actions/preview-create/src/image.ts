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
