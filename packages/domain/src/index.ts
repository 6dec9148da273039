/**
 * Effect Schemas for the deepset AI Platform API-token resource, and the typed errors of its client.
 *
 * Import `Schema` from `effect` (never the frozen `@effect/schema` package): these schemas are `effect/Schema`
 * values.
 *
 * @since 0.1.0
 */
export * from "./ApiTokenId.js"
export * from "./ApiTokensError.js"
export * from "./OrganizationRole.js"
export * from "./TokenMeta.js"
export * from "./UserName.js"
export * from "./UtcDateTime.js"
export * from "./ValidationError.js"
export * from "./WorkspaceName.js"
