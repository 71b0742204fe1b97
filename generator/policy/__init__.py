"""Stage 1-3, reading the policy: YAML with positions (loader), JSON Schema (schema), semantic rules
(rules/), the typed policy (typed); validate chains them."""
