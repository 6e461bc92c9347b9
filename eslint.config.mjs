import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", ".sandbox/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: {
            globals: { console: "readonly", process: "readonly", require: "readonly", __dirname: "readonly", module: "readonly" },
        },
        rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }] },
    },
    // The simulator's launcher is plain CommonJS.
    { files: ["**/*.js"], rules: { "@typescript-eslint/no-require-imports": "off" } },
    // Mock-based tests load components only after installing the mocks.
    { files: ["tests/**/*.ts"], rules: { "@typescript-eslint/no-require-imports": "off" } },
);
