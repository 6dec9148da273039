/**
 * @since 0.1.0
 */

/**
 * Kept in step with package.json by a test.
 *
 * @since 0.1.0
 */
export const version = "0.1.0"
