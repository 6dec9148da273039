/** Kept in step with package.json by a test. @internal */
export const version = "0.1.0"
