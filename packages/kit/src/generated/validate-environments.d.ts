import type { ErrorObject } from 'ajv';

/** The environments-file validator compiled from the JSON Schema by scripts/gen-schema.mjs (ajv standalone). */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
export { validate };
