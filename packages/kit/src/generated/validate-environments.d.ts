import type { ErrorObject } from 'ajv';

/** The environments-file validator compiled from the JSON Schema by scripts/gen-schema.mjs (ajv standalone). */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
export { validate };
/** Keys allowed at the top of the file. */
export declare const topLevelKeys: string[];
/** Keys allowed in `defaults` and in each environment: the actions' input names. */
export declare const settingKeys: string[];
