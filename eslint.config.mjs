import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/build/**", "**/dist/**", "**/node_modules/**", "**/*.md", "**/.tsbuildinfo/**"] },
  ...tseslint.configs.recommended,
  ...effect.configs.dprint,
  {
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-imports": ["error", {
        paths: [{
          name: "@effect/schema",
          message: "Import Schema from \"effect\" (effect/Schema): @effect/schema is a frozen second copy."
        }],
        // Another package is reached through its public entries only (its index, and the subpath entries
        // its package.json exports), never through its src/.
        patterns: [{
          regex:
            "^@deepset-tokens/(?!client/(?:UndiciTransport|ProxyTransport)$|testing/ForwardProxy$|wire/(?:UndiciGet|SocketScript)$)[^/]+/.|/packages/[^/]+/src/",
          message:
            "Use the package's public index or one of its subpath entries (client/UndiciTransport, client/ProxyTransport, testing/ForwardProxy, wire/UndiciGet, wire/SocketScript)."
        }]
      }]
    }
  }
)
